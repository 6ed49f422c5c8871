//! Finds libjmalloc for the crate to link against, in this order:
//!
//! 1. the directory in `JMALLOC_LIB_DIR` (the library built by
//!    `make`, say: `JMALLOC_LIB_DIR=/path/to/build/.libs`);
//! 2. the source tree the crate sits in (`../../.libs`), when the
//!    library was built there;
//! 3. the installed library, as `pkg-config --libs jmalloc` names it.
//!
//! A library found in a directory of the first two kinds is linked with
//! that directory in the program's run path, so that tests and programs
//! run from the build tree find it.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn has_library(dir: &Path) -> bool {
    ["libjmalloc.so", "libjmalloc.a", "libjmalloc.dylib"]
        .iter()
        .any(|name| dir.join(name).exists())
}

fn link_dir(dir: &Path) {
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-lib=jmalloc");
    if dir.join("libjmalloc.so").exists() {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
    } else {
        // The static library needs the thread library of the system.
        println!("cargo:rustc-link-lib=pthread");
    }
}

fn from_pkg_config() -> bool {
    let out = match Command::new("pkg-config")
        .args(["--libs", "jmalloc"])
        .output()
    {
        Ok(out) if out.status.success() => out,
        _ => return false,
    };
    let flags = String::from_utf8_lossy(&out.stdout);
    for flag in flags.split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={}", dir);
        } else if let Some(lib) = flag.strip_prefix("-l") {
            println!("cargo:rustc-link-lib={}", lib);
        }
    }
    true
}

fn main() {
    println!("cargo:rerun-if-env-changed=JMALLOC_LIB_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-changed=build.rs");

    if let Some(dir) = env::var_os("JMALLOC_LIB_DIR") {
        let dir = PathBuf::from(dir);
        if !has_library(&dir) {
            panic!(
                "JMALLOC_LIB_DIR is {}, which holds no libjmalloc.so or libjmalloc.a: \
                 point it at the directory of a built library (a build tree's .libs)",
                dir.display()
            );
        }
        link_dir(&dir);
        return;
    }
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let tree = manifest.join("..").join("..").join(".libs");
    if has_library(&tree) {
        link_dir(&tree);
        return;
    }
    if from_pkg_config() {
        return;
    }
    panic!(
        "libjmalloc was not found.  Install it (Debian: apt install libjmalloc-dev pkgconf; \
         Fedora: dnf install jmalloc-devel pkgconf), or build it (./configure && make) and set \
         JMALLOC_LIB_DIR to the directory that holds libjmalloc.so (the build tree's .libs)."
    );
}
