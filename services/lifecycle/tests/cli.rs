//! `spot-lifecycle --help`, `--version` and an unknown flag, run as a process.

use spot_testkit::binary::check_service_cli;

#[test]
fn answers_help_and_version_without_starting_and_refuses_unknown_flags() -> anyhow::Result<()> {
    check_service_cli(env!("CARGO_BIN_EXE_spot-lifecycle"), "lifecycle", env!("CARGO_PKG_VERSION"))
}
