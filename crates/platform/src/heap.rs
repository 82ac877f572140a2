//! The program's live heap: the bytes its allocator has handed out and not
//! taken back. A service's resident memory also holds what the allocator
//! keeps after a burst; this count does not, so a soak can tell a leak (the
//! live heap grows) from an allocator's high-water mark (only RSS grows)
//! (docs/BENCHMARKS.md, "bench soak").
//!
//! The service binaries wrap mimalloc in [`Meter`] (`service_main!`), which
//! adds one atomic add per allocation and free, and install its reader here;
//! `/metrics` shows it as `spot_process_heap_allocated_bytes`. In-process
//! tests use the default allocator and have no meter.
//!
//! The same start-up turns transparent huge pages off for the process.
//! mimalloc advises huge pages for the regions it maps; with the kernel's
//! THP mode `madvise` (Debian's default) or `always`, khugepaged later folds a
//! 2 MiB region with only a few touched 4 KiB pages into one huge page, all
//! of it resident. For services whose live heap is 1-25 MiB that showed as
//! resident memory stepping up by 2 MiB at a time, at whatever uptime
//! khugepaged's scan reached the process, with no allocation behind it
//! (docs/BENCHMARKS.md, "bench soak"). Small heaps gain little from huge
//! pages' fewer TLB misses.

use std::sync::OnceLock;

/// The allocator wrapper that counts (from the `cap` crate; its limit is
/// set to `usize::MAX`, so it never refuses).
pub use cap::Cap as Meter;

static READ: OnceLock<fn() -> usize> = OnceLock::new();

/// What a service binary's `main` does first: records how to read its
/// meter and turns transparent huge pages off for the process.
pub fn init(read: fn() -> usize) {
    install(read);
    disable_huge_pages();
}

/// Sets the process's "THP disable" flag (`prctl(PR_SET_THP_DISABLE)`),
/// which also keeps khugepaged away from it. A kernel without the flag
/// (before 3.15) refuses; the process then keeps huge pages, which costs
/// memory, not correctness, so the error is ignored.
#[cfg(target_os = "linux")]
fn disable_huge_pages() {
    let _ = nix::sys::prctl::set_thp_disable(true);
}

#[cfg(not(target_os = "linux"))]
fn disable_huge_pages() {}

/// Records how to read the binary's meter.
pub fn install(read: fn() -> usize) {
    // A second call keeps the first reader: there is one global allocator.
    let _ = READ.set(read);
}

/// Live heap bytes, or `None` when no meter was installed.
pub fn allocated() -> Option<usize> {
    READ.get().map(|read| read())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn metrics_show_the_installed_meter() {
        assert_eq!(allocated(), None);
        init(|| 42 << 20);
        install(|| 1);
        #[cfg(target_os = "linux")]
        assert_eq!(nix::sys::prctl::get_thp_disable(), Ok(true), "huge pages off for the process");
        assert_eq!(allocated(), Some(42 << 20));
        let text = crate::metrics::PlatformMetrics::new().unwrap().render();
        assert!(text.contains("spot_process_heap_allocated_bytes 44040192"), "{text}");
    }
}
