# python.py - a fixed workload for the interpreter trace: generated text
# tokenised and indexed, a tree of objects built and walked, records
# sorted, serialised and parsed, strings formatted.  No randomness: the
# pseudo-random numbers come from a fixed linear congruential generator.
import collections
import json
import re

state = 12345


def rand(n):
    global state
    state = (state * 1103515245 + 12345) & 0x7FFFFFFF
    return (state >> 16) % n


SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "el", "on",
             "ar", "is", "um", "ex", "po", "qua"]


def word():
    return "".join(SYLLABLES[rand(len(SYLLABLES))] for _ in range(1 + rand(4)))


# Text: sentences of words, tokenised with a regular expression.
text = ". ".join(" ".join(word() for _ in range(3 + rand(12)))
                 for _ in range(1000))
tokens = re.findall(r"[a-z]+", text)
counts = collections.Counter(tokens)
index = collections.defaultdict(list)
for pos, tok in enumerate(tokens):
    index[tok].append(pos)
common = counts.most_common(50)


# A binary search tree of small objects.
class Node:
    def __init__(self, key, value):
        self.key = key
        self.value = value
        self.left = None
        self.right = None


def insert(root, key, value):
    if root is None:
        return Node(key, value)
    node = root
    while True:
        if key < node.key:
            if node.left is None:
                node.left = Node(key, value)
                return root
            node = node.left
        elif key > node.key:
            if node.right is None:
                node.right = Node(key, value)
                return root
            node = node.right
        else:
            node.value = value
            return root


def walk(node, out):
    stack = []
    while stack or node is not None:
        while node is not None:
            stack.append(node)
            node = node.left
        node = stack.pop()
        out.append((node.key, node.value))
        node = node.right
    return out


root = None
for i in range(4000):
    root = insert(root, rand(1000000), word())
pairs = walk(root, [])

# Records: built, sorted, grouped, serialised and parsed back.
records = [{"id": i, "name": word(), "score": rand(1000),
            "tags": [word() for _ in range(rand(4))]} for i in range(2500)]
records.sort(key=lambda r: (r["score"], r["name"]))
groups = collections.defaultdict(list)
for r in records:
    groups[r["score"] // 100].append(r["name"])
blob = json.dumps(records)
back = json.loads(blob)

# Formatting and joining strings; a dictionary that grows and shrinks.
lines = ["%05d %-12s %s" % (r["id"], r["name"], ",".join(r["tags"]))
         for r in back]
report = "\n".join(lines)
cache = {}
for i in range(5000):
    k = word()
    cache[k] = cache.get(k, "") + k
    if len(cache) > 1000:
        for old in list(cache)[:500]:
            del cache[old]

print(len(tokens), len(counts), len(pairs), len(blob), len(report), len(cache))
