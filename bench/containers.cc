/*
 * containers.cc - C++ container workloads: what switching a program's
 * containers to jm::allocator buys.  Each runner builds them with one
 * allocator:
 *
 *   jmalloc   jm::allocator (jmalloc.hpp)
 *   system    std::allocator (operator new and delete over glibc's malloc)
 *   jemalloc, mimalloc, tcmalloc
 *             an allocator of the same shape as jm::allocator over the
 *             peer's sized calls (alloc.h: bench_alloc and bench_free,
 *             bench_aligned and bench_free_aligned for over-aligned types)
 *
 * Workloads (fixed seeds; COUNT and LIVE as given):
 *   cxx-map     a std::map<uint64_t, uint64_t> of LIVE entries; each of
 *               COUNT steps erases a random entry and inserts a new key
 *   cxx-umap    the same with a std::unordered_map
 *   cxx-vector  COUNT std::vector<uint64_t>s, each grown by push_back to
 *               a random length of 1 to 1000 elements (a few reallocations
 *               by doubling), with LIVE of them kept at once, the oldest
 *               dropped as each new one is made
 * An op of cxx-map and cxx-umap is an erase and an insert (a node freed and
 * one allocated); of cxx-vector, one vector grown and dropped.  The
 * harness's slots are mapped apart from the allocator under test.
 */
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <new>
#include <unordered_map>
#include <utility>
#include <vector>

extern "C" {
#include "harness.h"
}

#if !defined(BENCH_ALLOC_NONE)
#include "alloc.h"
#endif

#if defined(BENCH_ALLOC_JMALLOC)
#include "jmalloc.hpp"
template <class T>
using bench_allocator = jm::allocator<T>;
#elif defined(BENCH_ALLOC_SYSTEM)
template <class T>
using bench_allocator = std::allocator<T>;
#elif !defined(BENCH_ALLOC_NONE)
/* The peer's sized calls, in the shape of jm::allocator. */
template <class T>
struct bench_allocator {
	using value_type = T;
	using is_always_equal = std::true_type;
	using propagate_on_container_move_assignment = std::true_type;

	bench_allocator() noexcept = default;
	template <class U>
	bench_allocator(const bench_allocator<U> &) noexcept {}

	T *allocate(std::size_t n)
	{
		void *p = alignof(T) > 16 ? bench_aligned(alignof(T), n * sizeof(T))
					  : bench_alloc(n * sizeof(T));

		if (p == nullptr)
			throw std::bad_alloc();
		return static_cast<T *>(p);
	}

	void deallocate(T *p, std::size_t n) noexcept
	{
		if (alignof(T) > 16)
			bench_free_aligned(p, alignof(T), n * sizeof(T));
		else
			bench_free(p, n * sizeof(T));
	}
};

template <class T, class U>
bool operator==(const bench_allocator<T> &, const bench_allocator<U> &) noexcept
{
	return true;
}

template <class T, class U>
bool operator!=(const bench_allocator<T> &, const bench_allocator<U> &) noexcept
{
	return false;
}
#endif

#if !defined(BENCH_ALLOC_NONE)
namespace {

using entry = std::pair<const std::uint64_t, std::uint64_t>;
using bench_map = std::map<std::uint64_t, std::uint64_t, std::less<std::uint64_t>,
			   bench_allocator<entry>>;
using bench_umap = std::unordered_map<std::uint64_t, std::uint64_t,
				      std::hash<std::uint64_t>,
				      std::equal_to<std::uint64_t>,
				      bench_allocator<entry>>;
using bench_vector = std::vector<std::uint64_t, bench_allocator<std::uint64_t>>;

/* The keys of the live entries, in harness memory. */
struct keys {
	std::uint64_t *key;
	std::uint64_t n;
	std::uint64_t seed;
};

void keys_init(keys &k, std::uint64_t n)
{
	k.n = n != 0 ? n : 1;
	k.key = static_cast<std::uint64_t *>(harness_map(k.n * sizeof(*k.key)));
	k.seed = 0x9e3779b97f4a7c15ull;
}

void keys_free(keys &k)
{
	harness_unmap(k.key, k.n * sizeof(*k.key));
}

/* A new key no live entry has (all but one in 2^64 of them are new, and
 * the steps check it). */
template <class Map>
void fill(Map &m, keys &k)
{
	for (std::uint64_t i = 0; i < k.n; i++) {
		k.key[i] = rnd(&k.seed);
		if (!m.emplace(k.key[i], i).second)
			die("duplicate key");
	}
}

template <class Map>
void churn(Map &m, keys &k, std::uint64_t count)
{
	for (std::uint64_t i = 0; i < count; i++) {
		std::uint64_t r = rnd(&k.seed);
		std::uint64_t s = r % k.n;

		if (m.erase(k.key[s]) != 1)
			die("missing key");
		k.key[s] = rnd(&k.seed);
		if (!m.emplace(k.key[s], i).second)
			die("duplicate key");
	}
}

} // namespace

extern "C" NOINLINE void bench_measured_cxx_map(bench_map *m, keys *k,
						 std::uint64_t count)
{
	churn(*m, *k, count);
}

extern "C" NOINLINE void bench_measured_cxx_umap(bench_umap *m, keys *k,
						  std::uint64_t count)
{
	churn(*m, *k, count);
}

namespace {

template <class Map, class Measured>
void map_workload(const struct params *pr, double *ns, std::uint64_t *ops,
		  Measured measured)
{
	keys k;
	double t0;

	keys_init(k, pr->live);
	{
		Map m;

		fill(m, k);
		t0 = phase_start();
		measured(&m, &k, pr->count);
		*ns = now_ns() - t0;
		if (m.size() != k.n)
			die("the map lost entries");
	}
	*ops = pr->count;
	keys_free(k);
}

/* The vectors kept at once, in harness memory. */
struct ring {
	bench_vector *slot;
	std::uint64_t n;
};

} // namespace

extern "C" NOINLINE void bench_measured_cxx_vector(ring *r, std::uint64_t count,
						    std::uint64_t *seed)
{
	for (std::uint64_t i = 0; i < count; i++) {
		bench_vector &v = r->slot[i % r->n];
		std::uint64_t len = 1 + rnd(seed) % 1000, j;

		bench_vector().swap(v); /* the oldest dropped */
		for (j = 0; j < len; j++)
			v.push_back(j ^ i);
		if (v[len - 1] != ((len - 1) ^ i))
			die("the vector lost an element");
	}
}

namespace {

void vector_workload(const struct params *pr, double *ns, std::uint64_t *ops)
{
	ring r;
	std::uint64_t seed = 0x2545f4914f6cdd1dull, i;
	double t0;

	r.n = pr->live != 0 ? pr->live : 1;
	r.slot = static_cast<bench_vector *>(harness_map(r.n * sizeof(*r.slot)));
	for (i = 0; i < r.n; i++)
		new (&r.slot[i]) bench_vector();
	t0 = phase_start();
	bench_measured_cxx_vector(&r, pr->count, &seed);
	*ns = now_ns() - t0;
	*ops = pr->count;
	for (i = 0; i < r.n; i++)
		r.slot[i].~bench_vector();
	harness_unmap(r.slot, r.n * sizeof(*r.slot));
}

} // namespace
#endif

extern "C" int containers_run(const struct params *pr, double *ns, std::uint64_t *ops)
{
	if (std::strncmp(pr->workload, "cxx-", 4) != 0)
		return 0;
#if defined(BENCH_ALLOC_NONE)
	(void)ns;
	(void)ops;
	die("the container workloads need an allocator");
#else
	if (std::strcmp(pr->workload, "cxx-map") == 0)
		map_workload<bench_map>(pr, ns, ops, bench_measured_cxx_map);
	else if (std::strcmp(pr->workload, "cxx-umap") == 0)
		map_workload<bench_umap>(pr, ns, ops, bench_measured_cxx_umap);
	else if (std::strcmp(pr->workload, "cxx-vector") == 0)
		vector_workload(pr, ns, ops);
	else
		return 0;
	return 1;
#endif
}
