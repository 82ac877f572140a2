//! The layered source every settings section is read from: defaults (each
//! section's own), then an optional flat TOML file (`SPOT_CONFIG`), then the
//! process environment. Each service declares its section as a table of
//! [`SettingDef`]s and parses it with [`Source::section`]; the platform only
//! reads its own table. docs/CONFIGURATION.md lists every name.

use super::ConfigError;
use std::collections::BTreeMap;
use std::fmt;

/// Environment variable naming the optional TOML file.
pub const CONFIG_FILE_ENV: &str = "SPOT_CONFIG";

/// A value that must not appear in logs or debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The secret itself; call only where it is used.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// One configurable setting.
#[derive(Debug, Clone, Copy)]
pub struct SettingDef {
    /// Environment variable name.
    pub env: &'static str,
    /// Key in the TOML file.
    pub key: &'static str,
    /// Default value; empty means unset.
    pub default: &'static str,
    /// Never printed.
    pub secret: bool,
    /// One line for the docs.
    pub doc: &'static str,
}

/// Declares a [`SettingDef`]: env name, file key, default, secret, doc.
#[macro_export]
macro_rules! setting {
    ($env:literal, $key:literal, $default:literal, $secret:literal, $doc:literal) => {
        $crate::config::SettingDef { env: $env, key: $key, default: $default, secret: $secret, doc: $doc }
    };
}

/// The file and environment layers, before any section reads them. Cheap
/// to clone; tests and `spotctl up` override single names with [`Source::set`].
#[derive(Clone, Default)]
pub struct Source {
    file_path: Option<String>,
    file: BTreeMap<String, String>,
    env: BTreeMap<String, String>,
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets of a section this process does not know.
        f.debug_struct("Source").field("file_path", &self.file_path).finish_non_exhaustive()
    }
}

impl Source {
    /// Reads the file named by `SPOT_CONFIG` (if any) and keeps `env`.
    pub fn new(env: BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let file_path = env.get(CONFIG_FILE_ENV).filter(|p| !p.is_empty()).cloned();
        let file = match &file_path {
            Some(path) => read_file(path)?,
            None => BTreeMap::new(),
        };
        Ok(Self { file_path, file, env })
    }

    /// Like [`Source::new`], with the file's text given instead of read from
    /// `SPOT_CONFIG` (`path` only names it in errors): the config fuzz target
    /// (docs/FUZZING.md) reads files this way.
    pub fn with_file_text(
        path: &str,
        text: &str,
        env: BTreeMap<String, String>,
    ) -> Result<Self, ConfigError> {
        Ok(Self { file_path: Some(path.to_owned()), file: parse_file(path, text)?, env })
    }

    /// Overrides one environment name (highest layer).
    pub fn set(&mut self, env: &str, value: impl Into<String>) {
        self.env.insert(env.to_owned(), value.into());
    }

    /// The values of one section: default < file key < environment name.
    pub fn section(&self, defs: &'static [SettingDef]) -> Section {
        let raw = defs
            .iter()
            .map(|d| {
                let value = self.env.get(d.env).or_else(|| self.file.get(d.key)).map_or(d.default, |v| v);
                (d.key, value.trim().to_owned())
            })
            .collect();
        Section { defs, raw }
    }

    /// Rejects file keys no section in `known` reads (likely typos). Only a
    /// process that knows every section (`spotctl up`) can tell.
    pub fn check_file_keys(&self, known: &[&[SettingDef]]) -> Result<(), ConfigError> {
        let path = self.file_path.clone().unwrap_or_default();
        match self.file.keys().find(|k| !known.iter().any(|defs| defs.iter().any(|d| d.key == *k))) {
            Some(key) => Err(ConfigError::UnknownKey { path, key: key.clone() }),
            None => Ok(()),
        }
    }
}

/// One section's values, read with typed, validating accessors whose errors
/// name the environment variable.
#[derive(Debug)]
pub struct Section {
    defs: &'static [SettingDef],
    raw: BTreeMap<&'static str, String>,
}

impl Section {
    fn def(&self, key: &'static str) -> SettingDef {
        self.defs.iter().copied().find(|s| s.key == key).unwrap_or(SettingDef {
            env: "?",
            key,
            default: "",
            secret: false,
            doc: "",
        })
    }

    /// An error naming the setting of `key`.
    pub fn invalid(&self, key: &'static str, reason: impl Into<String>) -> ConfigError {
        let def = self.def(key);
        ConfigError::Invalid { env: def.env, key: def.key, reason: reason.into() }
    }

    /// The trimmed text (empty when unset).
    pub fn text(&self, key: &'static str) -> String {
        self.raw.get(key).cloned().unwrap_or_default()
    }

    /// The text, `None` when empty.
    pub fn optional(&self, key: &'static str) -> Option<String> {
        self.raw.get(key).filter(|v| !v.is_empty()).cloned()
    }

    /// The parsed value; a secret is never echoed back in the error.
    pub fn parse<T: std::str::FromStr>(&self, key: &'static str) -> Result<T, ConfigError>
    where
        T::Err: fmt::Display,
    {
        let text = self.text(key);
        text.parse::<T>().map_err(|e| {
            let shown = if self.def(key).secret { "[redacted]".to_owned() } else { format!("{text:?}") };
            self.invalid(key, format!("{e} (value {shown})"))
        })
    }

    /// Whole seconds as a duration.
    pub fn secs(&self, key: &'static str) -> Result<std::time::Duration, ConfigError> {
        Ok(std::time::Duration::from_secs(self.parse(key)?))
    }
}

fn read_file(path: &str) -> Result<BTreeMap<String, String>, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::File { path: path.to_owned(), reason: e.to_string() })?;
    parse_file(path, &text)
}

fn parse_file(path: &str, text: &str) -> Result<BTreeMap<String, String>, ConfigError> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::File { path: path.to_owned(), reason: e.to_string() })?;
    Ok(table
        .into_iter()
        .map(|(k, v)| {
            let value = match v {
                toml::Value::String(s) => s,
                other => other.to_string(),
            };
            (k, value)
        })
        .collect())
}
