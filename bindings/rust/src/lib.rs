//! Rust bindings for libjmalloc, a memory allocator with a sized
//! interface: a block is freed with its size, so the allocator keeps no
//! header in front of it and a free needs no lookup.
//!
//! Rust's allocator interface always hands the size back:
//! [`GlobalAlloc::dealloc`] and [`GlobalAlloc::realloc`] get the block's
//! [`Layout`].  [`Jmalloc`] passes it on to `jmfree` and `jmrealloc`.
//! Two lines make it a program's allocator:
//!
//! ```no_run
//! #[global_allocator]
//! static GLOBAL: jmalloc::Jmalloc = jmalloc::Jmalloc;
//!
//! fn main() {
//!     let v: Vec<u32> = (0..1000).collect();
//!     assert_eq!(v.len(), 1000);
//! }
//! ```
//!
//! Besides: [`trim`] gives free memory back to the system, [`stats`]
//! tells what the allocator holds, [`good_size`] the usable size a
//! request gets, and [`Heap`] is a heap on memory the program owns (a
//! buffer, shared memory, a fixed budget).
//!
//! The crate links libjmalloc (see its `build.rs`: `JMALLOC_LIB_DIR`, the
//! source tree, or `pkg-config jmalloc`).  Setting `JMALLOC_CHECK=1` in the
//! environment turns on libjmalloc's checking mode, which verifies every
//! size handed back and stops the program with a message at a wrong one.

#![no_std]
#![warn(missing_docs)]

#[cfg(test)]
extern crate std;

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;
use core::marker::PhantomData;
use core::mem::{size_of, MaybeUninit};
use core::ptr::{self, NonNull};

/// The C interface of libjmalloc (`jmalloc.h`).
mod ffi {
    use core::ffi::c_void;

    #[repr(C)]
    pub struct JmHeap {
        _opaque: [u8; 0],
    }

    extern "C" {
        pub fn jmalloc(size: usize) -> *mut c_void;
        pub fn jmfree(ptr: *mut c_void, size: usize);
        pub fn jmcalloc(nmemb: usize, size: usize) -> *mut c_void;
        pub fn jmrealloc(ptr: *mut c_void, old_size: usize, new_size: usize) -> *mut c_void;
        pub fn jmalloc_aligned(alignment: usize, size: usize) -> *mut c_void;
        pub fn jmfree_aligned(ptr: *mut c_void, alignment: usize, size: usize);
        pub fn jmrealloc_aligned(
            ptr: *mut c_void,
            alignment: usize,
            old_size: usize,
            new_size: usize,
        ) -> *mut c_void;
        pub fn jmalloc_good_size(size: usize) -> usize;
        pub fn jmalloc_good_size_aligned(alignment: usize, size: usize) -> usize;
        pub fn jmalloc_trim() -> usize;
        pub fn jmalloc_stats(stats: *mut super::Stats, size: usize) -> i32;
        pub fn jmheap_create(mem: *mut c_void, len: usize) -> *mut JmHeap;
        pub fn jmheap_alloc(h: *mut JmHeap, size: usize) -> *mut c_void;
        pub fn jmheap_calloc(h: *mut JmHeap, nmemb: usize, size: usize) -> *mut c_void;
        pub fn jmheap_free(h: *mut JmHeap, ptr: *mut c_void, size: usize);
        pub fn jmheap_realloc(
            h: *mut JmHeap,
            ptr: *mut c_void,
            old_size: usize,
            new_size: usize,
        ) -> *mut c_void;
        pub fn jmheap_stats(h: *mut JmHeap, stats: *mut super::Stats, size: usize) -> i32;
    }
}

/// The alignment that `jmalloc` gives every block; a layout that asks
/// for more goes to `jmalloc_aligned`.
pub const MIN_ALIGN: usize = 16;

/// libjmalloc as a [`GlobalAlloc`]: every deallocation and reallocation
/// passes the layout's size on, so no lookup finds it.
///
/// It needs the thread-safe libjmalloc (the default build): a library
/// configured with `--disable-threads` or `--enable-tiny` must not serve
/// a program with more than one thread, and the region-only library has
/// no memory before `jmalloc_region`.
///
/// Layouts aligned to at most [`MIN_ALIGN`] bytes use `jmalloc`,
/// `jmcalloc`, `jmfree` and `jmrealloc`; more strictly aligned ones use
/// `jmalloc_aligned`, `jmfree_aligned` and `jmrealloc_aligned` with the
/// layout's alignment.  Allocation failure returns a null pointer, as
/// [`GlobalAlloc`] asks; the standard library then reports it.
///
/// ```no_run
/// #[global_allocator]
/// static GLOBAL: jmalloc::Jmalloc = jmalloc::Jmalloc;
/// # fn main() {}
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct Jmalloc;

unsafe impl GlobalAlloc for Jmalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MIN_ALIGN {
            ffi::jmalloc(layout.size()) as *mut u8
        } else {
            ffi::jmalloc_aligned(layout.align(), layout.size()) as *mut u8
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MIN_ALIGN {
            return ffi::jmcalloc(1, layout.size()) as *mut u8;
        }
        let p = ffi::jmalloc_aligned(layout.align(), layout.size()) as *mut u8;
        if !p.is_null() {
            ptr::write_bytes(p, 0, layout.size());
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.align() <= MIN_ALIGN {
            ffi::jmfree(ptr as *mut c_void, layout.size());
        } else {
            ffi::jmfree_aligned(ptr as *mut c_void, layout.align(), layout.size());
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= MIN_ALIGN {
            ffi::jmrealloc(ptr as *mut c_void, layout.size(), new_size) as *mut u8
        } else {
            ffi::jmrealloc_aligned(ptr as *mut c_void, layout.align(), layout.size(), new_size)
                as *mut u8
        }
    }
}

/// What an allocator or a [`Heap`] holds, in bytes: libjmalloc's
/// `struct jmalloc_stats` (see `man 3 jmalloc_stats`).
#[repr(C)]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Memory mapped from the system now (for a heap: the memory it was
    /// given).
    pub mapped: usize,
    /// Free blocks on free lists (for a heap: in its spans).
    pub listed: usize,
    /// Memory in no span, ready for any size class.
    pub unused_spans: usize,
    /// Of `unused_spans`, what was used since it was last given back.
    pub unused_dirty: usize,
    /// Large blocks (over 1 MiB) in use.
    pub large_live: usize,
    /// Freed large blocks kept for reuse.
    pub large_cached: usize,
    /// Memory given back to the system so far.
    pub returned: usize,
}

/// Gives free memory back to the system at once; returns its bytes.
///
/// ```
/// let given = jmalloc::trim();
/// # let _ = given;
/// ```
pub fn trim() -> usize {
    unsafe { ffi::jmalloc_trim() }
}

/// What the global allocator holds (the calling thread's cache, the
/// shared pool and the large blocks).
///
/// ```
/// let st = jmalloc::stats();
/// assert!(st.mapped >= st.large_live);
/// ```
pub fn stats() -> Stats {
    let mut st = MaybeUninit::<Stats>::zeroed();
    // Fails only for a null pointer or a size of 0.
    let rc = unsafe { ffi::jmalloc_stats(st.as_mut_ptr(), size_of::<Stats>()) };
    debug_assert_eq!(rc, 0);
    unsafe { st.assume_init() }
}

/// The usable size of a block of `size` bytes: any size from `size` up to
/// it may be given back, and a buffer that means to use the whole block
/// asks for it.  0 when no block of that size can exist.
///
/// ```
/// assert!(jmalloc::good_size(100) >= 100);
/// assert!(jmalloc::good_size(3 << 20) >= 3 << 20);
/// ```
pub fn good_size(size: usize) -> usize {
    unsafe { ffi::jmalloc_good_size(size) }
}

/// The usable size of a block of `size` bytes aligned to `align`; `None`
/// when `align` is not a power of two or no such block can exist.
///
/// ```
/// assert!(jmalloc::good_size_aligned(64, 100).unwrap() % 64 == 0);
/// assert_eq!(jmalloc::good_size_aligned(48, 100), None);
/// ```
pub fn good_size_aligned(align: usize, size: usize) -> Option<usize> {
    match unsafe { ffi::jmalloc_good_size_aligned(align, size) } {
        0 => None,
        n => Some(n),
    }
}

/// A heap on memory the program owns (libjmalloc's `jmheap`), for as long
/// as the memory is lent to it.
///
/// Its blocks come from the same size classes as the global allocator's
/// and are freed with their size.  When the last block of one of its
/// spans is freed the span goes back to the heap's free memory, where any
/// size can take it.  The heap maps no memory: when its memory is used up,
/// allocation returns `None`.  Not thread-safe (it is neither `Send` nor
/// `Sync`); blocks are aligned to 16 bytes.
///
/// ```
/// let mut buffer = vec![0u8; 1 << 20];
/// let mut heap = jmalloc::Heap::new(&mut buffer).expect("room for a heap");
/// let p = heap.alloc(100).expect("a block");
/// unsafe { heap.free(p, 100) };
/// ```
#[derive(Debug)]
pub struct Heap<'a> {
    raw: NonNull<ffi::JmHeap>,
    _mem: PhantomData<&'a mut [u8]>,
}

impl<'a> Heap<'a> {
    /// Makes a heap in `mem`, which it keeps until it is dropped; `None`
    /// when `mem` cannot hold the heap's bookkeeping and a unit of memory
    /// (a few hundred bytes).
    pub fn new(mem: &'a mut [u8]) -> Option<Heap<'a>> {
        let raw = unsafe { ffi::jmheap_create(mem.as_mut_ptr() as *mut c_void, mem.len()) };
        NonNull::new(raw).map(|raw| Heap {
            raw,
            _mem: PhantomData,
        })
    }

    /// A block of at least `size` bytes, aligned to 16, its contents
    /// unspecified; `None` when the heap's memory holds none.
    pub fn alloc(&mut self, size: usize) -> Option<NonNull<u8>> {
        NonNull::new(unsafe { ffi::jmheap_alloc(self.raw.as_ptr(), size) } as *mut u8)
    }

    /// As [`Heap::alloc`], the first `size` bytes zeroed.
    pub fn alloc_zeroed(&mut self, size: usize) -> Option<NonNull<u8>> {
        NonNull::new(unsafe { ffi::jmheap_calloc(self.raw.as_ptr(), 1, size) } as *mut u8)
    }

    /// Gives back a block of this heap.
    ///
    /// # Safety
    /// `ptr` must come from this heap's [`Heap::alloc`],
    /// [`Heap::alloc_zeroed`] or [`Heap::realloc`], not freed since, and
    /// `size` must be from the size asked for up to [`good_size`] of it.
    pub unsafe fn free(&mut self, ptr: NonNull<u8>, size: usize) {
        ffi::jmheap_free(self.raw.as_ptr(), ptr.as_ptr() as *mut c_void, size);
    }

    /// Resizes a block of this heap to `new_size` bytes, keeping its
    /// contents up to the smaller size: the same block when its size class
    /// does not change, else a new one.  `None` leaves the block as it was.
    ///
    /// # Safety
    /// As for [`Heap::free`], with `old_size` the block's size.
    pub unsafe fn realloc(
        &mut self,
        ptr: NonNull<u8>,
        old_size: usize,
        new_size: usize,
    ) -> Option<NonNull<u8>> {
        NonNull::new(ffi::jmheap_realloc(
            self.raw.as_ptr(),
            ptr.as_ptr() as *mut c_void,
            old_size,
            new_size,
        ) as *mut u8)
    }

    /// What the heap holds: `mapped` is the length of its memory,
    /// `listed` the free blocks of its spans, `unused_spans` its memory in
    /// no span, `large_live` its large blocks; what is in use, its
    /// bookkeeping included, is `mapped - listed - unused_spans`.
    pub fn stats(&self) -> Stats {
        let mut st = MaybeUninit::<Stats>::zeroed();
        let rc =
            unsafe { ffi::jmheap_stats(self.raw.as_ptr(), st.as_mut_ptr(), size_of::<Stats>()) };
        debug_assert_eq!(rc, 0);
        unsafe { st.assume_init() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_size_follows_the_classes() {
        assert_eq!(good_size(0), 16);
        assert_eq!(good_size(1), 16);
        // 112 with the default classes, 128 with powers of two.
        let g = good_size(100);
        assert!(g == 112 || g == 128, "good_size(100) is {}", g);
        assert!(good_size(1 << 20) >= 1 << 20);
        assert!(good_size((1 << 20) + 1) > 1 << 20);
        assert_eq!(good_size(usize::MAX), 0);
        assert_eq!(good_size_aligned(4096, 100), Some(4096));
        assert_eq!(good_size_aligned(0, 100), None);
        assert_eq!(good_size_aligned(3, 100), None);
    }

    #[test]
    fn global_alloc_calls_round_trip() {
        let a = Jmalloc;
        for &(size, align) in &[(1, 1), (100, 8), (100, 16), (100, 64), (5000, 4096), (3 << 20, 16)] {
            let layout = Layout::from_size_align(size, align).unwrap();
            unsafe {
                let p = a.alloc_zeroed(layout);
                assert!(!p.is_null());
                assert_eq!(p as usize % align, 0);
                assert!((0..size).all(|i| *p.add(i) == 0));
                ptr::write_bytes(p, 0x5a, size);
                let q = a.realloc(p, layout, size * 2);
                assert!(!q.is_null());
                assert_eq!(q as usize % align, 0);
                assert!((0..size).all(|i| *q.add(i) == 0x5a));
                a.dealloc(q, Layout::from_size_align(size * 2, align).unwrap());
            }
        }
    }

    #[test]
    fn global_alloc_failure_is_null() {
        let layout = Layout::from_size_align(isize::MAX as usize - 4095, 4096).unwrap();
        assert!(unsafe { Jmalloc.alloc(layout) }.is_null());
        let layout = Layout::from_size_align(isize::MAX as usize - 15, 16).unwrap();
        assert!(unsafe { Jmalloc.alloc(layout) }.is_null());
    }

    #[test]
    fn stats_and_trim() {
        let p = unsafe { Jmalloc.alloc(Layout::from_size_align(3 << 20, 16).unwrap()) };
        assert!(!p.is_null());
        let st = stats();
        // The tiny library keeps no figures of large blocks.
        assert!(st.large_live >= 3 << 20 || (st.large_live == 0 && st.large_cached == 0));
        assert!(st.mapped >= st.large_live + st.large_cached);
        unsafe { Jmalloc.dealloc(p, Layout::from_size_align(3 << 20, 16).unwrap()) };
        let before = stats().returned;
        let _ = trim();
        assert!(stats().returned >= before);
    }

    #[test]
    fn heap_serves_and_reuses_its_memory() {
        let mut buffer = std::vec![0xa5u8; 1 << 20];
        let range = buffer.as_ptr_range();
        let (lo, hi) = (range.start as usize, range.end as usize);
        let mut heap = Heap::new(&mut buffer).expect("a heap");
        let mut blocks = std::vec::Vec::new();
        while let Some(p) = heap.alloc(24) {
            assert!(p.as_ptr() as usize >= lo && p.as_ptr() as usize + 24 <= hi);
            assert_eq!(p.as_ptr() as usize % 16, 0);
            blocks.push(p);
        }
        assert!(blocks.len() * 32 > (1 << 20) * 9 / 10);
        for p in blocks.drain(..) {
            unsafe { heap.free(p, 24) };
        }
        // The memory of one size serves another.
        let big = heap.alloc(100_000).expect("memory of the 24-byte blocks");
        let z = heap.alloc_zeroed(1000).expect("a zeroed block");
        assert!((0..1000).all(|i| unsafe { *z.as_ptr().add(i) } == 0));
        let st = heap.stats();
        assert_eq!(st.mapped, 1 << 20);
        assert!(st.mapped - st.listed - st.unused_spans >= 101_000);
        unsafe {
            let big = heap.realloc(big, 100_000, 200_000).expect("room to grow");
            heap.free(big, 200_000);
            heap.free(z, 1000);
        }
    }

    #[test]
    fn heap_refuses_too_little_memory() {
        let mut small = [0u8; 64];
        assert!(Heap::new(&mut small).is_none());
        let mut empty: [u8; 0] = [];
        assert!(Heap::new(&mut empty).is_none());
    }

    #[test]
    fn heap_realloc_failure_keeps_the_block() {
        let mut buffer = std::vec![0u8; 64 << 10];
        let mut heap = Heap::new(&mut buffer).expect("a heap");
        let p = heap.alloc(100).expect("a block");
        unsafe {
            ptr::write_bytes(p.as_ptr(), 7, 100);
            assert!(heap.realloc(p, 100, 1 << 20).is_none());
            assert!((0..100).all(|i| *p.as_ptr().add(i) == 7));
            heap.free(p, 100);
        }
    }
}
