//! The crate's allocator as the program's: the standard collections,
//! smart pointers, threads and channels, over-aligned and zero-sized
//! types, and buffers grown and shrunk across the 1 MiB boundary between
//! size classes and large blocks.  Run also with JMALLOC_CHECK=1, where
//! libjmalloc checks every size that Rust hands back.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::rc::Rc;
use std::sync::{mpsc, Arc, Mutex};
use std::thread;

#[global_allocator]
static GLOBAL: jmalloc::Jmalloc = jmalloc::Jmalloc;

#[test]
fn vec_and_string() {
    let mut v: Vec<u64> = Vec::new();
    for i in 0..100_000u64 {
        v.push(i * 3);
    }
    assert_eq!(v.iter().sum::<u64>(), 3 * (100_000 * 99_999 / 2));
    v.truncate(10);
    v.shrink_to_fit();
    assert_eq!(v, (0..10).map(|i| i * 3).collect::<Vec<u64>>());
    let mut s = String::new();
    for i in 0..10_000 {
        s.push_str(&i.to_string());
    }
    assert!(s.starts_with("0123456789101112"));
    let words: Vec<String> = s.as_bytes().chunks(7).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
    assert_eq!(words.concat(), s);
}

#[test]
fn maps_and_deques() {
    let mut h = HashMap::new();
    let mut b = BTreeMap::new();
    for i in 0..50_000u32 {
        h.insert(format!("key-{}", i), i);
        b.insert(i.wrapping_mul(2_654_435_761), i.to_string());
    }
    for i in (0..50_000u32).step_by(3) {
        assert_eq!(h.remove(&format!("key-{}", i)), Some(i));
        assert!(b.remove(&i.wrapping_mul(2_654_435_761)).is_some());
    }
    assert_eq!(h.len(), 50_000 - 16_667);
    assert_eq!(b.len(), 50_000 - 16_667);
    let mut d = VecDeque::new();
    for i in 0..10_000 {
        d.push_back(i);
        d.push_front(-i);
        if i % 3 == 0 {
            d.pop_back();
        }
    }
    assert_eq!(d.len(), 20_000 - 3_334);
}

trait Shape {
    fn area(&self) -> f64;
}

struct Square(f64);
struct Circle(f64);

impl Shape for Square {
    fn area(&self) -> f64 {
        self.0 * self.0
    }
}

impl Shape for Circle {
    fn area(&self) -> f64 {
        3.0 * self.0 * self.0
    }
}

#[test]
fn boxes_and_shared_pointers() {
    let shapes: Vec<Box<dyn Shape>> = (0..1000)
        .map(|i| -> Box<dyn Shape> {
            if i % 2 == 0 {
                Box::new(Square(2.0))
            } else {
                Box::new(Circle(1.0))
            }
        })
        .collect();
    assert_eq!(shapes.iter().map(|s| s.area()).sum::<f64>(), 500.0 * 4.0 + 500.0 * 3.0);
    let shared = Rc::new(vec![1u8; 1000]);
    let copies: Vec<Rc<Vec<u8>>> = (0..100).map(|_| Rc::clone(&shared)).collect();
    assert_eq!(Rc::strong_count(&shared), 101);
    drop(copies);
    assert_eq!(Rc::strong_count(&shared), 1);
}

#[test]
fn arc_between_threads_and_channels() {
    let counter = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = mpsc::channel::<Vec<u32>>();
    let workers: Vec<_> = (0..4)
        .map(|t| {
            let counter = Arc::clone(&counter);
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..2000u32 {
                    // A block made here, freed by the receiving thread.
                    tx.send(vec![t; (i % 300) as usize + 1]).unwrap();
                    counter.lock().unwrap().push(i);
                }
            })
        })
        .collect();
    drop(tx);
    let mut received = 0usize;
    for v in rx {
        assert!(v.iter().all(|&x| x == v[0]));
        received += 1;
    }
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(received, 8000);
    assert_eq!(counter.lock().unwrap().len(), 8000);
}

#[repr(align(64))]
struct Line([u8; 64]);

#[repr(align(4096))]
struct Page([u8; 4096]);

#[test]
fn over_aligned_types() {
    let lines: Vec<Box<Line>> = (0..1000).map(|i| Box::new(Line([i as u8; 64]))).collect();
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(&**l as *const Line as usize % 64, 0);
        assert_eq!(l.0[63], i as u8);
    }
    let pages: Vec<Box<Page>> = (0..100).map(|i| Box::new(Page([i as u8; 4096]))).collect();
    for (i, p) in pages.iter().enumerate() {
        assert_eq!(&**p as *const Page as usize % 4096, 0);
        assert_eq!(p.0[4095], i as u8);
    }
    let mut v: Vec<Page> = Vec::new();
    for i in 0..300 {
        v.push(Page([i as u8; 4096])); // grows by realloc, past 1 MiB
    }
    assert_eq!(v.as_ptr() as usize % 4096, 0);
    assert_eq!(v[299].0[0], 43);
}

#[test]
fn zero_sized_types() {
    let v: Vec<()> = vec![(); 1_000_000];
    assert_eq!(v.len(), 1_000_000);
    let b = Box::new(());
    assert_eq!(*b, ());
    let units: Vec<Box<[u8; 0]>> = (0..100).map(|_| Box::new([])).collect();
    assert_eq!(units.len(), 100);
}

#[test]
fn grown_and_shrunk_across_the_large_boundary() {
    let mut v: Vec<u8> = Vec::with_capacity(1000);
    for round in 0..3 {
        for i in 0..(3 << 20) {
            v.push((i + round) as u8);
        }
        assert!(v.capacity() > 1 << 20);
        assert_eq!(v[(2 << 20) + 5], ((2 << 20) + 5 + round) as u8);
        v.truncate(100);
        v.shrink_to_fit(); // a large block back to a class
        assert_eq!(v[99], (99 + round) as u8);
        v.clear();
    }
    let mut s = String::with_capacity((1 << 20) - 8);
    s.push_str(&"x".repeat((1 << 20) + 100)); // from a class to a large block
    assert_eq!(s.len(), (1 << 20) + 100);
    let st = jmalloc::stats();
    // The tiny library keeps no figures of large blocks.
    assert!(st.large_live >= (1 << 20) + 100 || (st.large_live == 0 && st.large_cached == 0));
}
