//! Market traces (crates/replay, the CSV format of `csv.rs`): a trace that
//! reads is well formed, and what `write` makes of it reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spot_replay::csv;

fuzz_target!(|data: &[u8]| {
    let trace = match csv::read(data) {
        Ok(trace) => trace,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    let cells = trace.ticks() * trace.pools.len();
    assert!(trace.ticks() >= 2 && !trace.pools.is_empty());
    assert_eq!((trace.spot.len(), trace.on_demand.len(), trace.available.len()), (cells, cells, cells));
    assert!(trace.times.windows(2).all(|w| w[0] < w[1]), "ticks ascend");
    for k in 0..trace.ticks() {
        assert!(trace.tick_end(k) >= trace.secs(k));
        for i in 0..trace.pools.len() {
            assert!(trace.spot(k, i) > 0.0 && trace.on_demand(k, i) > 0.0);
        }
    }
    let mut written = Vec::new();
    csv::write(&trace, &mut written).expect("writing into memory");
    match csv::read(written.as_slice()) {
        Ok(again) => assert_eq!(again, trace, "the written trace reads back different"),
        Err(e) => panic!("the written trace does not read back: {e}"),
    }
});
