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

use std::sync::OnceLock;

/// The allocator wrapper that counts (from the `cap` crate; its limit is
/// set to `usize::MAX`, so it never refuses).
pub use cap::Cap as Meter;

static READ: OnceLock<fn() -> usize> = OnceLock::new();

/// Records how to read the binary's meter; called once from `main`.
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
        install(|| 42 << 20);
        install(|| 1);
        assert_eq!(allocated(), Some(42 << 20));
        let text = crate::metrics::PlatformMetrics::new().unwrap().render();
        assert!(text.contains("spot_process_heap_allocated_bytes 44040192"), "{text}");
    }
}
