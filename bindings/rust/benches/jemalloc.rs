//! The benchmark's workloads with jemalloc through its sized calls
//! (mallocx, sdallocx, rallocx), linked from the system's libjemalloc.
mod common;

use std::alloc::{GlobalAlloc, Layout};
use std::os::raw::{c_int, c_void};

#[link(name = "jemalloc")]
extern "C" {
    fn mallocx(size: usize, flags: c_int) -> *mut c_void;
    fn rallocx(ptr: *mut c_void, size: usize, flags: c_int) -> *mut c_void;
    fn sdallocx(ptr: *mut c_void, size: usize, flags: c_int);
}

/// MALLOCX_LG_ALIGN(log2 align) | MALLOCX_ZERO as jemalloc defines them.
fn flags(layout: &Layout, zero: bool) -> c_int {
    let lg = if layout.align() > 16 { layout.align().trailing_zeros() as c_int } else { 0 };
    lg | if zero { 0x40 } else { 0 }
}

struct Jemalloc;

unsafe impl GlobalAlloc for Jemalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        mallocx(layout.size(), flags(&layout, false)) as *mut u8
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        mallocx(layout.size(), flags(&layout, true)) as *mut u8
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        sdallocx(ptr as *mut c_void, layout.size(), flags(&layout, false))
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        rallocx(ptr as *mut c_void, new_size, flags(&layout, false)) as *mut u8
    }
}

#[global_allocator]
static GLOBAL: Jemalloc = Jemalloc;

fn main() {
    common::main();
}
