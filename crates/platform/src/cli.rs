//! The command line of a service binary. A service is configured only
//! through its environment and file (docs/CONFIGURATION.md), so the command
//! line answers `--help` and `--version` without starting anything and
//! refuses everything else: a mistyped flag must not start a service that
//! silently ignores it.

use crate::config::SettingDef;

/// What a binary says about itself.
#[derive(Debug, Clone, Copy)]
pub struct BinaryInfo {
    /// Service name (`lifecycle`); the binary is `spot-<name>`.
    pub name: &'static str,
    /// The binary's version (its crate's `CARGO_PKG_VERSION`).
    pub version: &'static str,
    /// One line on what the service does.
    pub about: &'static str,
    /// The service's own settings, listed after the platform's in `--help`.
    pub settings: &'static [SettingDef],
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// No arguments: run the service.
    Run,
    /// Print this on stdout and exit 0 (`--help`, `--version`).
    Print(String),
    /// Print this on stderr and exit 2 (anything else).
    Refuse(String),
}

/// Reads the arguments after the program name.
pub fn parse(info: &BinaryInfo, args: impl IntoIterator<Item = String>) -> Invocation {
    let args: Vec<String> = args.into_iter().collect();
    match args.first().map(String::as_str) {
        None => Invocation::Run,
        Some("-h" | "--help" | "help") => Invocation::Print(help(info)),
        Some("-V" | "--version") => Invocation::Print(format!("spot-{} {}\n", info.name, info.version)),
        Some(other) => Invocation::Refuse(format!(
            "spot-{}: unexpected argument {other:?}\n\nUsage: spot-{} [--help | --version]\n\
             (configure through the environment; `spot-{} --help` lists the variables)\n",
            info.name, info.name, info.name
        )),
    }
}

/// The `--help` text: usage and every environment variable read.
pub fn help(info: &BinaryInfo) -> String {
    let mut out = format!(
        "spot-{name} {version}\n{about}\n\nUsage: spot-{name} [--help | --version]\n\n\
         Without arguments the service starts and runs until SIGTERM or SIGINT.\n\
         It is configured through environment variables (or the TOML file named by {file}):\n\n",
        name = info.name,
        version = info.version,
        about = info.about,
        file = crate::config::CONFIG_FILE_ENV,
    );
    for def in crate::config::SETTINGS.iter().chain(info.settings) {
        let default = if def.secret {
            "secret".to_owned()
        } else if def.default.is_empty() {
            "unset".to_owned()
        } else {
            format!("default {}", def.default)
        };
        out.push_str(&format!("  {:<36} {} ({default})\n", def.env, def.doc));
    }
    out.push_str("\nOptions:\n  -h, --help     Print this help\n  -V, --version  Print the version\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: BinaryInfo = BinaryInfo {
        name: "demo",
        version: "1.2.3",
        about: "A demo service",
        settings: &[crate::setting!("SPOT_DEMO_X", "demo_x", "7", false, "a demo setting")],
    };

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn no_arguments_run_the_service() {
        assert_eq!(parse(&INFO, args(&[])), Invocation::Run);
    }

    #[test]
    fn help_and_version_print_without_running() {
        let help = help(&INFO);
        assert_eq!(parse(&INFO, args(&["--help"])), Invocation::Print(help.clone()));
        assert!(help.starts_with("spot-demo 1.2.3\n"), "{help}");
        assert!(help.contains("DATABASE_URL") && help.contains("SPOT_DEMO_X"), "{help}");
        assert!(!help.contains("postgres://postgres@"), "secret defaults never print: {help}");
        assert_eq!(parse(&INFO, args(&["-h"])), Invocation::Print(help));
        assert_eq!(parse(&INFO, args(&["--version"])), Invocation::Print("spot-demo 1.2.3\n".into()));
        assert_eq!(parse(&INFO, args(&["-V"])), Invocation::Print("spot-demo 1.2.3\n".into()));
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [&["--verbose"][..], &["run"], &["--help-me"], &["-x", "--help"]] {
            let got = parse(&INFO, args(bad));
            assert!(matches!(&got, Invocation::Refuse(msg) if msg.contains(bad[0])), "{bad:?} gave {got:?}");
        }
    }
}
