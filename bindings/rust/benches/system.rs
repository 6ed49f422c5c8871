//! The benchmark's workloads with the system allocator (the C library's
//! malloc and free).
mod common;

#[global_allocator]
static GLOBAL: std::alloc::System = std::alloc::System;

fn main() {
    common::main();
}
