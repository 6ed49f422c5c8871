//! The benchmark's workloads with libjmalloc (the crate's allocator).
mod common;

#[global_allocator]
static GLOBAL: jmalloc::Jmalloc = jmalloc::Jmalloc;

fn main() {
    common::main();
}
