//! The HTTP side of `spotctl` operator commands: where the gateway is, which
//! token to send, and API errors kept as the API gave them.

use serde_json::Value;
use std::path::{Path, PathBuf};

/// An answer that was not 2xx: the API's status, code and message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiFailure {
    pub status: u16,
    pub code: String,
    pub message: String,
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Api(#[from] ApiFailure),
    #[error("cannot reach the gateway at {url}: {cause}")]
    Unreachable { url: String, cause: String },
    #[error("{0}")]
    Usage(String),
}

/// Where and as whom to call.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: String,
    pub token: String,
}

/// `url = "..."` and `token = "..."` of the config file (TOML).
#[derive(Debug, Default, serde::Deserialize)]
pub struct ConfigFile {
    pub url: Option<String>,
    pub token: Option<String>,
}

/// `$XDG_CONFIG_HOME/spotctl/config.toml` or `~/.config/spotctl/config.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("spotctl").join("config.toml"))
}

/// Reads a config file; a missing file is an empty config.
pub fn read_config(path: &Path) -> Result<ConfigFile, CliError> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|e| CliError::Usage(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
        Err(e) => Err(CliError::Usage(format!("{}: {e}", path.display()))),
    }
}

impl Target {
    /// Flag or environment first, then the config file, then the default URL.
    pub fn resolve(
        url: Option<String>,
        token: Option<String>,
        config: &ConfigFile,
    ) -> Result<Self, CliError> {
        let url = url.or_else(|| config.url.clone()).unwrap_or_else(|| "http://127.0.0.1:8080".to_owned());
        let token = token.or_else(|| config.token.clone()).ok_or_else(|| {
            CliError::Usage(
                "no token: set SPOT_TOKEN (or --token, or token = \"...\" in the config file)".into(),
            )
        })?;
        Ok(Self { url: url.trim_end_matches('/').to_owned(), token })
    }

    /// Calls the API; a non-2xx answer becomes [`ApiFailure`] with the API's code.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Answer, CliError> {
        let url = format!("{}{path}", self.url);
        let method =
            reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| CliError::Usage(e.to_string()))?;
        let mut req = reqwest::Client::new().request(method, &url).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let unreachable =
            |e: reqwest::Error| CliError::Unreachable { url: url.clone(), cause: e.to_string() };
        let resp = req.send().await.map_err(unreachable)?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(unreachable)?;
        if !(200..300).contains(&status) {
            let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            // The API's body is {"error": {"code", "message"}}; the field
            // dashboard's paths answer {"error": message, "code"}.
            let code = json["error"]["code"].as_str().or(json["code"].as_str()).unwrap_or("http_error");
            let message = json["error"]["message"].as_str().or(json["error"].as_str()).unwrap_or(&text);
            return Err(ApiFailure { status, code: code.to_owned(), message: message.to_owned() }.into());
        }
        Ok(Answer { text })
    }
}

/// A 2xx answer's body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::String(self.text.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_the_config_file() {
        let config = ConfigFile { url: Some("http://cfg:1/".into()), token: Some("cfg-token".into()) };
        let t = Target::resolve(None, None, &config).ok();
        assert_eq!(
            t.as_ref().map(|t| (t.url.as_str(), t.token.as_str())),
            Some(("http://cfg:1", "cfg-token"))
        );
        let t = Target::resolve(Some("http://flag".into()), Some("env".into()), &config).ok();
        assert_eq!(t.map(|t| t.token), Some("env".into()));
        assert!(matches!(Target::resolve(None, None, &ConfigFile::default()), Err(CliError::Usage(_))));
    }

    #[test]
    fn config_files_parse() -> Result<(), CliError> {
        let dir = std::env::temp_dir().join(format!("spotctl-cfg-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).map_err(|e| CliError::Usage(e.to_string()))?;
        let path = dir.join("config.toml");
        assert!(read_config(&path)?.token.is_none(), "a missing file is empty");
        std::fs::write(&path, "url = \"http://x:9\"\ntoken = \"abc\"\n")
            .map_err(|e| CliError::Usage(e.to_string()))?;
        let c = read_config(&path)?;
        assert_eq!((c.url.as_deref(), c.token.as_deref()), (Some("http://x:9"), Some("abc")));
        std::fs::write(&path, "token = ").map_err(|e| CliError::Usage(e.to_string()))?;
        assert!(read_config(&path).is_err());
        Ok(())
    }
}
