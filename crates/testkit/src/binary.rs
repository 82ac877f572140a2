//! Checks of a service binary's command line: `--help` and `--version`
//! answer at once without starting the service (the database and NATS URLs
//! point nowhere, so a binary that started would hang retrying them), and
//! an unknown flag is refused with exit code 2.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Longest a `--help` may take; a started service would retry far longer.
const ANSWER_WITHIN: Duration = Duration::from_secs(10);

/// Runs `binary args...` with unreachable dependencies; kills it and fails
/// if it does not exit within [`ANSWER_WITHIN`].
pub fn run(binary: &str, args: &[&str]) -> anyhow::Result<Output> {
    let mut child = Command::new(binary)
        .args(args)
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env("NATS_URL", "nats://127.0.0.1:1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let started = Instant::now();
    while child.try_wait()?.is_none() {
        if started.elapsed() > ANSWER_WITHIN {
            child.kill()?;
            anyhow::bail!("{binary} {args:?} still running after {ANSWER_WITHIN:?}: it started the service");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(child.wait_with_output()?)
}

/// The whole check for `spot-<name>` at `binary`, expecting `version`.
pub fn check_service_cli(binary: &str, name: &str, version: &str) -> anyhow::Result<()> {
    let program = format!("spot-{name}");
    let help = run(binary, &["--help"])?;
    let text = String::from_utf8(help.stdout)?;
    anyhow::ensure!(help.status.success(), "--help exit {:?}", help.status);
    anyhow::ensure!(text.starts_with(&format!("{program} {version}\n")), "--help: {text}");
    anyhow::ensure!(text.contains("DATABASE_URL") && text.contains("--version"), "--help: {text}");
    let short = run(binary, &["-h"])?;
    anyhow::ensure!(
        short.status.success() && String::from_utf8(short.stdout)? == text,
        "-h differs from --help"
    );

    let v = run(binary, &["--version"])?;
    anyhow::ensure!(v.status.success(), "--version exit {:?}", v.status);
    anyhow::ensure!(String::from_utf8(v.stdout)? == format!("{program} {version}\n"), "--version output");

    for bad in [&["--bogus"][..], &["start"], &["--help-me"]] {
        let out = run(binary, bad)?;
        let err = String::from_utf8(out.stderr)?;
        anyhow::ensure!(out.status.code() == Some(2), "{bad:?}: exit {:?}", out.status);
        anyhow::ensure!(err.contains("unexpected argument") && err.contains(bad[0]), "{bad:?}: {err}");
        anyhow::ensure!(out.stdout.is_empty(), "{bad:?} printed on stdout");
    }
    Ok(())
}
