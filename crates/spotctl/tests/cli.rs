//! `spotctl --help`, `--version` and an unknown flag, run as a process (the
//! service binaries have the same test in their crates).

use spot_testkit::binary::run;

#[test]
fn spotctl_answers_help_and_version_and_refuses_unknown_flags() -> anyhow::Result<()> {
    let bin = env!("CARGO_BIN_EXE_spotctl");
    let help = run(bin, &["--help"])?;
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout)?;
    assert!(text.contains("Usage: spotctl") && text.contains("migrate"), "{text}");
    let version = run(bin, &["--version"])?;
    assert!(version.status.success());
    assert_eq!(String::from_utf8(version.stdout)?, format!("spotctl {}\n", env!("CARGO_PKG_VERSION")));
    let bad = run(bin, &["--bogus"])?;
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8(bad.stderr)?.contains("--bogus"));
    Ok(())
}
