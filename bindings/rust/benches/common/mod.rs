//! The workloads of the benchmark, the same for every allocator: each
//! bench target (benches/NAME.rs) sets its allocator as the global one and
//! calls `main` here, which runs every workload once and prints a line
//! `workload nanoseconds` for each.  bench.sh runs the targets in turn,
//! several rounds, and compares their medians.

use std::collections::HashMap;
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

/// A node of a binary tree of boxes.
struct Node {
    left: Option<Box<Node>>,
    right: Option<Box<Node>>,
    value: u64,
}

fn tree(depth: u32, value: u64) -> Option<Box<Node>> {
    if depth == 0 {
        return None;
    }
    Some(Box::new(Node {
        left: tree(depth - 1, 2 * value),
        right: tree(depth - 1, 2 * value + 1),
        value,
    }))
}

fn sum(node: &Option<Box<Node>>) -> u64 {
    match node {
        None => 0,
        Some(n) => n.value + sum(&n.left) + sum(&n.right),
    }
}

/// Trees of boxes built and dropped, a long-lived one beside them.
fn trees() -> u64 {
    let keep = tree(16, 1);
    let mut total = sum(&keep);
    for round in 0..40 {
        total += sum(&tree(12 + round % 4, round as u64));
    }
    total
}

/// A string-keyed map that keeps 20,000 entries while 400,000 come and go.
fn hashmap_churn() -> u64 {
    let mut m: HashMap<String, Vec<u8>> = HashMap::new();
    let mut total = 0u64;
    for i in 0..400_000u64 {
        let key = format!("key-{}", i.wrapping_mul(0x9e37_79b9) % 1_000_000);
        let len = (i % 200) as usize + 1;
        if let Some(old) = m.insert(key, vec![i as u8; len]) {
            total += old.len() as u64;
        }
        if m.len() > 20_000 {
            let k = format!("key-{}", (i / 2).wrapping_mul(0x9e37_79b9) % 1_000_000);
            if let Some(v) = m.remove(&k) {
                total += v.len() as u64;
            }
        }
    }
    total + m.len() as u64
}

/// Vectors grown by push, from empty to up to 4 MiB, then dropped.
fn vec_push() -> u64 {
    let mut total = 0u64;
    for round in 0..60u64 {
        let n = 1usize << (8 + round % 12);
        let mut v: Vec<u64> = Vec::new();
        for i in 0..n as u64 {
            v.push(i ^ round);
        }
        let mut s: Vec<String> = Vec::new();
        for i in 0..n.min(20_000) {
            s.push(i.to_string());
        }
        total += v[n / 2] + s.len() as u64;
    }
    total
}

/// A pipeline of three threads passing owned messages: each stage frees
/// what the one before it allocated.
fn pipeline() -> u64 {
    let (tx1, rx1) = mpsc::sync_channel::<Vec<u32>>(256);
    let (tx2, rx2) = mpsc::sync_channel::<String>(256);
    let producer = thread::spawn(move || {
        for i in 0..200_000u32 {
            tx1.send(vec![i; (i % 64) as usize + 1]).unwrap();
        }
    });
    let middle = thread::spawn(move || {
        for v in rx1 {
            tx2.send(format!("{}:{}", v.len(), v[0])).unwrap();
        }
    });
    let mut total = 0u64;
    for s in rx2 {
        total += s.len() as u64;
    }
    producer.join().unwrap();
    middle.join().unwrap();
    total
}

/// A workload: it returns a figure of its work, so that none is left out.
type Workload = fn() -> u64;

/// Runs every workload once, printing `name nanoseconds figure` lines.
pub fn main() {
    let workloads: [(&str, Workload); 4] = [
        ("tree", trees),
        ("hashmap", hashmap_churn),
        ("vec-push", vec_push),
        ("pipeline", pipeline),
    ];
    for (name, work) in workloads.iter() {
        let start = Instant::now();
        let result = work();
        let ns = start.elapsed().as_nanos();
        // Read as the compiler cannot see through, so the work stays.
        let result = unsafe { std::ptr::read_volatile(&result) };
        println!("{} {} {}", name, ns, result % 10);
    }
}
