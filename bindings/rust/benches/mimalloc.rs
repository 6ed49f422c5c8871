//! The benchmark's workloads with mimalloc through its sized and aligned
//! calls (mi_malloc_aligned, mi_free_size, mi_realloc_aligned), linked
//! from the system's libmimalloc.
mod common;

use std::alloc::{GlobalAlloc, Layout};
use std::os::raw::c_void;

#[link(name = "mimalloc")]
extern "C" {
    fn mi_malloc_aligned(size: usize, align: usize) -> *mut c_void;
    fn mi_zalloc_aligned(size: usize, align: usize) -> *mut c_void;
    fn mi_realloc_aligned(ptr: *mut c_void, size: usize, align: usize) -> *mut c_void;
    fn mi_free_size(ptr: *mut c_void, size: usize);
}

struct Mimalloc;

unsafe impl GlobalAlloc for Mimalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        mi_free_size(ptr as *mut c_void, layout.size())
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
    }
}

#[global_allocator]
static GLOBAL: Mimalloc = Mimalloc;

fn main() {
    common::main();
}
