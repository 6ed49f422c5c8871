/*
 * jmalloc.hpp - jm::allocator, a C++ allocator on libjmalloc.
 *
 * Copyright (c) libjmalloc contributors.  MIT licence; see LICENSE.
 *
 * C++ containers always know the size they free: allocator_traits'
 * deallocate(a, p, n) gets the element count back.  jm::allocator<T>
 * hands that size to jmfree(), so a container's nodes and arrays take
 * libjmalloc's sized fast paths:
 *
 *   std::vector<int, jm::allocator<int>> v;
 *   std::map<K, V, std::less<K>, jm::allocator<std::pair<const K, V>>> m;
 *
 * It meets the Allocator requirements from C++11 to C++23: it is
 * stateless (every jm::allocator is equal to every other, is_always_equal
 * is true), rebinds to any type, and propagates on move assignment as
 * std::allocator does.
 *  - allocate(n) returns storage for n objects of T: jmalloc(n * sizeof(T)),
 *    or jmalloc_aligned(alignof(T), n * sizeof(T)) for an over-aligned T
 *    (alignof(T) above JMALLOC_MIN_ALIGNMENT, 16).  It throws
 *    std::bad_array_new_length when n * sizeof(T) overflows size_t, and
 *    std::bad_alloc when the memory cannot be had.
 *  - allocate_at_least(n) returns {p, count}: storage for count >= n
 *    objects, all of the block's usable size (jmalloc_good_size() or
 *    jmalloc_good_size_aligned()) that whole objects fill, so that a
 *    growing container can use whole blocks.  The block is asked for
 *    with the size of the count objects, so that memory checkers let the
 *    program use them all.  The result is std::allocation_result<T *>
 *    where the standard library has it (C++23,
 *    __cpp_lib_allocate_at_least), else jm::allocation_result<T *>, a
 *    struct of the same members (ptr, count).
 *  - deallocate(p, n) frees with the size (and alignment) of n objects:
 *    n is the count given to allocate(), or the count that
 *    allocate_at_least() returned.  (A count below that one but not
 *    below the n asked of allocate_at_least() frees the block right, but
 *    the checking mode takes it for a wrong size.)
 * Under the checking mode (JMALLOC_CHECK=1), a deallocate with another
 * count stops the program with a message that names it.
 *
 * Built with exceptions off (-fno-exceptions), a failed allocate()
 * calls std::abort() where it would throw, as the standard library does.
 */
#ifndef JMALLOC_HPP
#define JMALLOC_HPP

#include <cstddef>
#include <cstdlib>
#include <limits>
#include <memory>
#include <new>
#include <type_traits>

#include <jmalloc.h>

namespace jm {

#if defined(__cpp_lib_allocate_at_least) && __cpp_lib_allocate_at_least >= 202302L
template <class Pointer>
using allocation_result = std::allocation_result<Pointer, std::size_t>;
#else
/* What allocate_at_least() returns: as std::allocation_result. */
template <class Pointer>
struct allocation_result {
	Pointer ptr;
	std::size_t count;
};
#endif

namespace detail {

[[noreturn]] inline void throw_bad_alloc()
{
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
	throw std::bad_alloc();
#else
	std::abort();
#endif
}

[[noreturn]] inline void throw_bad_array_new_length()
{
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
	throw std::bad_array_new_length();
#else
	std::abort();
#endif
}

/* The bytes of n objects of `size` bytes; throws on overflow. */
inline std::size_t bytes_of(std::size_t n, std::size_t size)
{
	if (n > std::numeric_limits<std::size_t>::max() / size)
		throw_bad_array_new_length();
	return n * size;
}

/* The layout of a block: jmalloc() or jmalloc_aligned(align). */
inline void *alloc(std::size_t align, std::size_t bytes)
{
	void *p = align > JMALLOC_MIN_ALIGNMENT ? jmalloc_aligned(align, bytes)
						: jmalloc(bytes);

	if (p == nullptr)
		throw_bad_alloc();
	return p;
}

inline void dealloc(void *p, std::size_t align, std::size_t bytes) noexcept
{
	if (align > JMALLOC_MIN_ALIGNMENT)
		jmfree_aligned(p, align, bytes);
	else
		jmfree(p, bytes);
}

inline std::size_t good_size(std::size_t align, std::size_t bytes) noexcept
{
	return align > JMALLOC_MIN_ALIGNMENT ? jmalloc_good_size_aligned(align, bytes)
					     : jmalloc_good_size(bytes);
}

} // namespace detail

template <class T>
class allocator {
public:
	using value_type = T;
	using size_type = std::size_t;
	using difference_type = std::ptrdiff_t;
	using propagate_on_container_copy_assignment = std::false_type;
	using propagate_on_container_move_assignment = std::true_type;
	using propagate_on_container_swap = std::false_type;
	using is_always_equal = std::true_type;

	template <class U>
	struct rebind {
		using other = allocator<U>;
	};

	allocator() noexcept = default;
	allocator(const allocator &) noexcept = default;
	template <class U>
	allocator(const allocator<U> &) noexcept {}
	allocator &operator=(const allocator &) noexcept = default;

	/* Storage for n objects of T; see the top of this file. */
	T *allocate(std::size_t n)
	{
		return static_cast<T *>(
			detail::alloc(alignof(T), detail::bytes_of(n, sizeof(T))));
	}

	/* Storage for at least n objects: as many as the block holds. */
	allocation_result<T *> allocate_at_least(std::size_t n)
	{
		std::size_t bytes = detail::bytes_of(n, sizeof(T));
		std::size_t usable = detail::good_size(alignof(T), bytes);
		/* All the objects that fit (the same block: the same class). */
		std::size_t count = usable / sizeof(T) > n ? usable / sizeof(T) : n;
		T *p = static_cast<T *>(detail::alloc(alignof(T), count * sizeof(T)));

		return allocation_result<T *>{p, count};
	}

	void deallocate(T *p, std::size_t n) noexcept
	{
		detail::dealloc(p, alignof(T), n * sizeof(T));
	}

	std::size_t max_size() const noexcept
	{
		return static_cast<std::size_t>(
			       std::numeric_limits<std::ptrdiff_t>::max()) / sizeof(T);
	}
};

template <class T, class U>
inline bool operator==(const allocator<T> &, const allocator<U> &) noexcept
{
	return true;
}

template <class T, class U>
inline bool operator!=(const allocator<T> &, const allocator<U> &) noexcept
{
	return false;
}

} // namespace jm

#endif /* JMALLOC_HPP */
