// example.cc - the C++ containers on libjmalloc through jm::allocator,
// and an over-aligned type.
// Build: c++ -std=c++17 -o example-cxx example.cc $(pkg-config --cflags --libs jmalloc)
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <jmalloc.hpp>

// Containers whose nodes and arrays come from libjmalloc: each free
// passes the size back, so it takes the sized fast path.
template <class T>
using jm_vector = std::vector<T, jm::allocator<T>>;
using jm_string = std::basic_string<char, std::char_traits<char>, jm::allocator<char>>;
template <class K, class V>
using jm_map = std::map<K, V, std::less<K>, jm::allocator<std::pair<const K, V>>>;

// A cache line of its own: jm::allocator takes jmalloc_aligned for it.
struct alignas(64) counter {
	long hits;
};

int main()
{
	jm_map<jm_string, int> words;
	const char *text[] = { "the", "size", "is", "known", "the", "size" };

	for (const char *w : text)
		words[w]++;
	for (const auto &kv : words)
		std::printf("%s: %d\n", kv.first.c_str(), kv.second);

	jm_vector<counter> counters(8);
	for (std::size_t i = 0; i < counters.size(); i++)
		counters[i].hits = static_cast<long>(i);
	std::printf("counters at %p, 64-byte aligned: %s\n",
		    static_cast<void *>(counters.data()),
		    reinterpret_cast<std::uintptr_t>(counters.data()) % 64 == 0 ? "yes" : "no");
	return words.at("size") == 2 && counters[7].hits == 7 ? 0 : 1;
}
