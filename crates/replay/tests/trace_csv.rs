//! The trace format: round trip, and every kind of malformed file refused
//! with its line number and reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use spot_replay::csv::{TraceError, read, write};
use spot_replay::synth::{Churn, SynthConfig, synthesize};

const HEAD: &str = "time,region,az,instance_type,spot_price,on_demand_price,available\n";

fn row(t: &str, az: &str, price: &str, avail: &str) -> String {
    format!("{t},us-east-1,{az},m5.large,{price},0.096,{avail}\n")
}

/// A trace of `(seconds after 2026-01-01T00:00:00Z, AZ letter)` rows (the
/// first hour), each available at 0.03.
fn trace(rows: &[(u32, char)]) -> String {
    rows.iter().fold(HEAD.to_owned(), |text, (secs, az)| {
        let t = format!("2026-01-01T00:{:02}:{:02}Z", secs / 60, secs % 60);
        text + &row(&t, &format!("us-east-1{az}"), "0.03", "1")
    })
}

fn err(text: &str) -> (usize, String) {
    match read(text.as_bytes()) {
        Err(TraceError::Malformed { line, reason }) => (line, reason),
        other => panic!("expected a malformed trace, got {other:?}"),
    }
}

/// Asserts `text` is refused on `line` for a reason containing `why`.
fn refused(text: &str, line: usize, why: &str) {
    let (at, reason) = err(text);
    assert_eq!(at, line, "{reason}");
    assert!(reason.contains(why), "{reason}");
}

#[test]
fn a_synthesized_trace_round_trips() {
    let cfg = SynthConfig { days: 1.0, churn: Churn::High, ..SynthConfig::default() };
    let trace = synthesize(&cfg).unwrap();
    assert_eq!(trace.pools.len(), 9);
    assert!(trace.available.iter().any(|a| !a), "a high-churn day has reclaims");
    let mut buf = Vec::new();
    write(&trace, &mut buf).unwrap();
    let back = read(buf.as_slice()).unwrap();
    assert_eq!(back.pools, trace.pools);
    assert_eq!(back.times, trace.times);
    assert_eq!(back.available, trace.available);
    assert_eq!(back.spot, trace.spot);
    // Same seed, same market; another seed, another one.
    assert_eq!(synthesize(&cfg).unwrap(), trace);
    assert_ne!(synthesize(&SynthConfig { seed: 2, ..cfg }).unwrap().spot, trace.spot);
}

#[test]
fn columns_may_come_in_any_order() {
    let text = "available,time,region,az,instance_type,spot_price,on_demand_price\n\
                1,2026-01-01T00:00:00Z,us-east-1,us-east-1a,m5.large,0.03,0.096\n\
                0,2026-01-01T00:03:15Z,us-east-1,us-east-1a,m5.large,0.03,0.096\n";
    let t = read(text.as_bytes()).unwrap();
    assert_eq!((t.ticks(), t.available(0, 0), t.available(1, 0)), (2, true, false));
}

#[test]
fn an_unknown_column_is_refused_on_line_1() {
    refused(
        "time,region,az,instance_type,spot_price,on_demand_price,available,colour\n",
        1,
        "unknown column \"colour\"",
    );
    refused("time,region,az,instance_type,spot_price,available\n", 1, "missing column \"on_demand_price\"");
}

#[test]
fn time_going_back_is_refused_with_its_line() {
    let text = trace(&[(195, 'a'), (390, 'a'), (0, 'a')]);
    refused(&text, 4, "goes back");
}

#[test]
fn a_pool_missing_at_a_tick_is_refused() {
    let text = trace(&[(0, 'a'), (0, 'b'), (195, 'a'), (390, 'a')]);
    refused(&text, 5, "pool m5.large.us-east-1b is missing at tick 2026-01-01T00:03:15");
    // Missing in the last tick: reported past the last line.
    let text = trace(&[(0, 'a'), (0, 'b'), (195, 'b')]);
    assert!(err(&text).1.contains("us-east-1a is missing"));
}

#[test]
fn prices_must_be_positive_and_availability_binary() {
    for (price, avail, want) in [
        ("0", "1", "spot_price 0 must be greater than zero"),
        ("-0.2", "1", "must be greater than zero"),
        ("abc", "1", "is not a number"),
        ("NaN", "1", "must be greater than zero"),
        ("0.03", "yes", "available \"yes\" must be 0 or 1"),
    ] {
        let text = format!(
            "{HEAD}{}{}",
            row("2026-01-01T00:00:00Z", "us-east-1a", "0.03", "1"),
            row("2026-01-01T00:03:15Z", "us-east-1a", price, avail)
        );
        refused(&text, 3, want);
    }
}

#[test]
fn other_malformed_rows_are_refused() {
    refused(&format!("{HEAD}2026-01-01T00:00:00Z,us-east-1,us-east-1a\n"), 2, "3 fields");
    refused(&format!("{HEAD}{}", row("yesterday", "us-east-1a", "0.03", "1")), 2, "RFC 3339");
    assert!(err("").1.contains("no header"));
    assert!(err(HEAD).1.contains("no rows"));
    let text = trace(&[(0, 'a'), (0, 'a')]);
    assert!(err(&text).1.contains("appears twice"));
}

/// A trace with ticks inside one second reads, so `write` must keep the
/// fraction or the file it writes no longer reads back (checked by the
/// `market_trace` fuzz target, docs/FUZZING.md).
#[test]
fn sub_second_ticks_round_trip() {
    let text = format!(
        "{HEAD}{}{}{}",
        row("2026-01-01T00:00:00Z", "us-east-1a", "0.03", "1"),
        row("2026-01-01T00:00:00.25Z", "us-east-1a", "0.04", "0"),
        row("2026-01-01T00:00:01+00:00", "us-east-1a", "0.05", "1"),
    );
    let trace = read(text.as_bytes()).unwrap();
    let mut buf = Vec::new();
    write(&trace, &mut buf).unwrap();
    let written = String::from_utf8(buf).unwrap();
    assert!(written.contains("2026-01-01T00:00:00.250Z,"), "{written}");
    assert!(written.contains("2026-01-01T00:00:01Z,"), "whole seconds stay as they were: {written}");
    assert_eq!(read(written.as_bytes()).unwrap(), trace);
}
