/*
 * cxx_allocator.cc - jm::allocator (jmalloc.hpp) in the standard
 * containers, built by tests/cxx.sh under each C++ standard the compiler
 * has and run with and without the checking mode (JMALLOC_CHECK=1), where
 * a deallocate with a wrong size would stop the program.  Every element
 * is checked; the program prints one line per failed check and exits 1,
 * or exits 0.
 */
#include <jmalloc.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

int failures = 0;

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			std::fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, \
				     __LINE__, #cond);                      \
			failures++;                                         \
		}                                                           \
	} while (0)

template <class T>
using jm_vector = std::vector<T, jm::allocator<T>>;
using jm_string = std::basic_string<char, std::char_traits<char>, jm::allocator<char>>;

/* xorshift64*: fixed seeds, the same sequence everywhere. */
std::uint64_t next_rand(std::uint64_t &x)
{
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	return x * 2685821657736338717ull;
}

bool aligned_to(const void *p, std::size_t a)
{
	return reinterpret_cast<std::uintptr_t>(p) % a == 0;
}

struct alignas(64) line {
	std::uint64_t v[8];
};

struct alignas(4096) page {
	unsigned char bytes[100];
	int id;
};

struct alignas(128) node_value {
	int key;
	long payload;
};

/* --- The requirements, at compile time and at run time ------------------- */

void test_traits()
{
	using A = jm::allocator<int>;
	using T = std::allocator_traits<A>;

	static_assert(std::is_same<T::value_type, int>::value, "value_type");
	static_assert(std::is_same<T::rebind_alloc<double>, jm::allocator<double>>::value,
		      "rebind");
	static_assert(std::is_same<A::rebind<long>::other, jm::allocator<long>>::value,
		      "rebind member");
	static_assert(T::is_always_equal::value, "is_always_equal");
	static_assert(T::propagate_on_container_move_assignment::value, "POCMA");
	static_assert(!T::propagate_on_container_copy_assignment::value, "POCCA");
	static_assert(!T::propagate_on_container_swap::value, "POCS");
	static_assert(std::is_nothrow_default_constructible<A>::value, "noexcept ctor");
	static_assert(std::is_nothrow_copy_constructible<A>::value, "noexcept copy");
	static_assert(std::is_empty<A>::value, "stateless");

	A a;
	jm::allocator<double> b(a);
	A c(b);
	CHECK(a == c);
	CHECK(a == b);
	CHECK(!(a != b));
	CHECK(a.max_size() == static_cast<std::size_t>(PTRDIFF_MAX) / sizeof(int));

	int *p = T::allocate(a, 10);
	CHECK(p != nullptr);
	for (int i = 0; i < 10; i++)
		p[i] = i * 3;
	for (int i = 0; i < 10; i++)
		CHECK(p[i] == i * 3);
	/* Storage from one allocator is freed by an equal one. */
	T::deallocate(c, p, 10);
}

void test_errors()
{
	jm::allocator<std::uint64_t> a;
	bool threw = false;

	try {
		(void)a.allocate(std::numeric_limits<std::size_t>::max() / 4);
	} catch (const std::bad_array_new_length &) {
		threw = true;
	}
	CHECK(threw);
	threw = false;
	try {
		/* No overflow, but more than any block can be. */
		(void)a.allocate(std::numeric_limits<std::size_t>::max() / 8);
	} catch (const std::bad_array_new_length &) {
		CHECK(!"bad_array_new_length for a count that does not overflow");
	} catch (const std::bad_alloc &) {
		threw = true;
	}
	CHECK(threw);
	threw = false;
	try {
		jm::allocator<line> big;
		(void)big.allocate(std::numeric_limits<std::size_t>::max() / sizeof(line) / 2);
	} catch (const std::bad_alloc &) {
		threw = true;
	}
	CHECK(threw);
	/* A vector past max_size() throws length_error, not bad_alloc. */
	threw = false;
	try {
		jm_vector<std::uint64_t> v;
		v.reserve(a.max_size() + 1);
	} catch (const std::length_error &) {
		threw = true;
	}
	CHECK(threw);
}

void test_allocate_at_least()
{
	jm::allocator<int> a;
	jm::allocator<line> al;

	for (std::size_t n = 1; n < 100000; n = n * 3 + 1) {
		jm::allocation_result<int *> r = a.allocate_at_least(n);

		CHECK(r.ptr != nullptr);
		CHECK(r.count >= n);
		CHECK(r.count == jmalloc_good_size(n * sizeof(int)) / sizeof(int));
		for (std::size_t i = 0; i < r.count; i++)
			r.ptr[i] = static_cast<int>(i);
		for (std::size_t i = 0; i < r.count; i++)
			CHECK(r.ptr[i] == static_cast<int>(i));
		a.deallocate(r.ptr, r.count);

		jm::allocation_result<line *> l = al.allocate_at_least(n);

		CHECK(l.ptr != nullptr && aligned_to(l.ptr, alignof(line)));
		CHECK(l.count >= n);
		CHECK(l.count == jmalloc_good_size_aligned(alignof(line), n * sizeof(line)) /
					 sizeof(line));
		for (std::size_t i = 0; i < l.count; i++)
			l.ptr[i].v[7] = i;
		for (std::size_t i = 0; i < l.count; i++)
			CHECK(l.ptr[i].v[7] == i);
		al.deallocate(l.ptr, l.count);
	}
#if __cplusplus > 202002L && defined(__cpp_lib_allocate_at_least)
	/* Through the traits, as containers call it. */
	auto r = std::allocator_traits<jm::allocator<int>>::allocate_at_least(a, 33);
	CHECK(r.count >= 33);
	a.deallocate(r.ptr, r.count);
#endif
}

/* --- The containers ----------------------------------------------------- */

void test_vector()
{
	jm_vector<int> v;

	for (int i = 0; i < 200000; i++)
		v.push_back(i * 7);
	CHECK(v.size() == 200000);
	for (int i = 0; i < 200000; i++)
		CHECK(v[static_cast<std::size_t>(i)] == i * 7);
	v.resize(10);
	v.shrink_to_fit();
	CHECK(v.size() == 10);
	for (int i = 0; i < 10; i++)
		CHECK(v[static_cast<std::size_t>(i)] == i * 7);

	jm_vector<jm_vector<std::uint64_t>> vv(100);
	for (std::size_t i = 0; i < vv.size(); i++)
		for (std::size_t j = 0; j < i * 10; j++)
			vv[i].push_back(i * 1000 + j);
	jm_vector<jm_vector<std::uint64_t>> copy = vv, moved;
	moved = std::move(copy);
	for (std::size_t i = 0; i < moved.size(); i++) {
		CHECK(moved[i].size() == i * 10);
		for (std::size_t j = 0; j < moved[i].size(); j++)
			CHECK(moved[i][j] == i * 1000 + j);
	}
}

void test_list()
{
	std::list<int, jm::allocator<int>> l;
	std::list<int> model;

	for (int i = 0; i < 50000; i++) {
		if (i % 2) {
			l.push_back(i);
			model.push_back(i);
		} else {
			l.push_front(i);
			model.push_front(i);
		}
	}
	l.remove_if([](int x) { return x % 3 == 0; });
	model.remove_if([](int x) { return x % 3 == 0; });
	l.sort();
	model.sort();
	CHECK(l.size() == model.size());
	auto m = model.begin();
	for (int x : l) {
		CHECK(m != model.end() && x == *m);
		++m;
	}
	l.splice(l.begin(), std::list<int, jm::allocator<int>>(100, 5));
	CHECK(l.size() == model.size() + 100 && l.front() == 5);
}

void test_map()
{
	using pair_t = std::pair<const int, jm_string>;
	std::map<int, jm_string, std::less<int>, jm::allocator<pair_t>> m;
	std::uint64_t x = 1;

	for (int i = 0; i < 30000; i++)
		m[i] = jm_string(static_cast<std::size_t>(i % 100), static_cast<char>('a' + i % 26));
	for (int i = 0; i < 30000; i += 2)
		m.erase(i);
	for (int round = 0; round < 20000; round++) {
		int k = static_cast<int>(next_rand(x) % 30000) | 1;

		CHECK(m.count(k) == 1);
		const jm_string &s = m.at(k);
		CHECK(s.size() == static_cast<std::size_t>(k % 100));
		for (char c : s)
			CHECK(c == static_cast<char>('a' + k % 26));
	}
	CHECK(m.size() == 15000);
	int prev = -1;
	for (const pair_t &p : m) {
		CHECK(p.first % 2 == 1 && p.first > prev);
		prev = p.first;
	}
}

/* FNV-1a: std::hash has no specialisation for strings of another
 * allocator before C++20's libraries. */
struct string_hash {
	std::size_t operator()(const jm_string &s) const noexcept
	{
		std::uint64_t h = 14695981039346656037ull;

		for (char c : s)
			h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
		return static_cast<std::size_t>(h);
	}
};

void test_unordered_map()
{
	using pair_t = std::pair<const jm_string, int>;
	std::unordered_map<jm_string, int, string_hash, std::equal_to<jm_string>,
			   jm::allocator<pair_t>> m;

	for (int i = 0; i < 40000; i++) {
		char buf[32];

		std::snprintf(buf, sizeof(buf), "key-%d-of-the-map", i);
		m.emplace(jm_string(buf), i);
	}
	m.rehash(100000);
	for (int i = 0; i < 40000; i += 3) {
		char buf[32];

		std::snprintf(buf, sizeof(buf), "key-%d-of-the-map", i);
		m.erase(jm_string(buf));
	}
	for (int i = 0; i < 40000; i++) {
		char buf[32];

		std::snprintf(buf, sizeof(buf), "key-%d-of-the-map", i);
		auto it = m.find(jm_string(buf));
		if (i % 3 == 0) {
			CHECK(it == m.end());
		} else {
			CHECK(it != m.end() && it->second == i);
		}
	}
}

void test_string()
{
	jm_string s;

	for (int i = 0; i < 100000; i++)
		s.push_back(static_cast<char>('A' + i % 50));
	CHECK(s.size() == 100000);
	for (std::size_t i = 0; i < s.size(); i++)
		CHECK(s[i] == static_cast<char>('A' + i % 50));
	/* Across the short-string boundary and back. */
	jm_string t("short");
	for (int i = 0; i < 10; i++)
		t += t;
	CHECK(t.size() == 5 * 1024);
	for (std::size_t i = 0; i < t.size(); i++)
		CHECK(t[i] == "short"[i % 5]);
	t.resize(3);
	t.shrink_to_fit();
	CHECK(t == "sho");
	jm_string u = s.substr(10, 40000) + t;
	CHECK(u.size() == 40003);
	CHECK(u.compare(0, 40000, s, 10, 40000) == 0);
}

void test_deque()
{
	std::deque<std::uint64_t, jm::allocator<std::uint64_t>> d;

	for (std::uint64_t i = 0; i < 100000; i++) {
		d.push_back(i);
		d.push_front(~i);
	}
	for (int i = 0; i < 30000; i++) {
		d.pop_back();
		d.pop_front();
	}
	CHECK(d.size() == 140000);
	for (std::size_t i = 0; i < d.size(); i++) {
		std::uint64_t want = i < 70000 ? ~static_cast<std::uint64_t>(69999 - i)
					       : static_cast<std::uint64_t>(i - 70000);
		CHECK(d[i] == want);
	}
	d.shrink_to_fit();
	d.clear();
	CHECK(d.empty());
}

void test_allocate_shared()
{
	std::shared_ptr<jm_string> p = std::allocate_shared<jm_string>(
		jm::allocator<jm_string>(), 1000, 'z');
	std::shared_ptr<jm_string> q = p;

	CHECK(p.use_count() == 2);
	CHECK(p->size() == 1000 && (*p)[999] == 'z');
	q.reset();
	CHECK(p.use_count() == 1);

	std::shared_ptr<page> g = std::allocate_shared<page>(jm::allocator<page>());
	CHECK(aligned_to(g.get(), alignof(page)));
	g->id = 42;
	g->bytes[99] = 7;
	CHECK(g->id == 42 && g->bytes[99] == 7);

	jm_vector<std::shared_ptr<line>> many;
	for (std::uint64_t i = 0; i < 1000; i++) {
		many.push_back(std::allocate_shared<line>(jm::allocator<line>()));
		many.back()->v[0] = i;
	}
	for (std::uint64_t i = 0; i < 1000; i++) {
		CHECK(aligned_to(many[i].get(), alignof(line)));
		CHECK(many[i]->v[0] == i);
	}
}

void test_over_aligned()
{
	jm_vector<line> v;

	for (std::uint64_t i = 0; i < 5000; i++) {
		line l;

		for (int j = 0; j < 8; j++)
			l.v[j] = i * 8 + static_cast<std::uint64_t>(j);
		v.push_back(l);
		CHECK(aligned_to(v.data(), alignof(line)));
	}
	for (std::size_t i = 0; i < v.size(); i++)
		for (int j = 0; j < 8; j++)
			CHECK(v[i].v[j] == i * 8 + static_cast<std::uint64_t>(j));

	jm_vector<page> pages(50);
	CHECK(aligned_to(pages.data(), alignof(page)));
	for (std::size_t i = 0; i < pages.size(); i++) {
		CHECK(aligned_to(&pages[i], alignof(page)));
		pages[i].id = static_cast<int>(i);
	}
	for (std::size_t i = 0; i < pages.size(); i++)
		CHECK(pages[i].id == static_cast<int>(i));

	/* Nodes of an over-aligned type, rebound to the container's node. */
	std::list<node_value, jm::allocator<node_value>> l;
	for (int i = 0; i < 3000; i++)
		l.push_back(node_value{i, i * 10L});
	int i = 0;
	for (const node_value &n : l) {
		CHECK(aligned_to(&n, alignof(node_value)));
		CHECK(n.key == i && n.payload == i * 10L);
		i++;
	}
	std::map<int, node_value, std::less<int>,
		 jm::allocator<std::pair<const int, node_value>>> m;
	for (int k = 0; k < 3000; k++)
		m.emplace(k, node_value{k, -k});
	for (const auto &kv : m) {
		CHECK(aligned_to(&kv.second, alignof(node_value)));
		CHECK(kv.second.key == kv.first && kv.second.payload == -kv.first);
	}
}

} // namespace

int main()
{
#if !JMALLOC_MMAP
	// A library without memory mappings serves from a region the
	// program gives it.
	const std::size_t region = std::size_t(256) << 20;
	void *mem = std::malloc(region);
	if (mem == nullptr || jmalloc_region(mem, region) != 0) {
		std::fprintf(stderr, "cxx_allocator: no region for the allocator\n");
		return 1;
	}
#endif
	test_traits();
	test_errors();
	test_allocate_at_least();
	test_vector();
	test_list();
	test_map();
	test_unordered_map();
	test_string();
	test_deque();
	test_allocate_shared();
	test_over_aligned();
	if (failures != 0) {
		std::fprintf(stderr, "cxx_allocator (C++ %ld): %d checks failed\n",
			     static_cast<long>(__cplusplus), failures);
		return 1;
	}
	std::printf("cxx_allocator (C++ %ld): all checks passed\n",
		    static_cast<long>(__cplusplus));
	return 0;
}
