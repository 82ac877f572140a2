//! What a webhook must be: an absolute http(s) URL with a host, at least one
//! known notification kind, and a secret long enough to sign with.

use super::kind::NotificationKind;

/// A refused webhook, with the field and a stable code (the API answers 422).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// Not an absolute `http://` or `https://` URL with a host.
    #[error("url: {0}")]
    Url(&'static str),
    /// `kinds` is empty.
    #[error("kinds: at least one notification kind is required")]
    NoKinds,
    /// `kinds[index]` is not a known kind.
    #[error("kinds[{index}]: unknown notification kind {name:?}")]
    UnknownKind { index: usize, name: String },
    /// The secret is too short, too long or has control characters.
    #[error("secret: must be {min} to {max} printable characters")]
    Secret { min: usize, max: usize },
}

impl WebhookError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Url(_) => "invalid_webhook_url",
            Self::NoKinds | Self::UnknownKind { .. } => "unknown_notification_kind",
            Self::Secret { .. } => "invalid_webhook_secret",
        }
    }

    /// The request field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Url(_) => "url",
            Self::NoKinds | Self::UnknownKind { .. } => "kinds",
            Self::Secret { .. } => "secret",
        }
    }
}

/// Longest URL accepted.
pub const MAX_URL_LEN: usize = 2048;

/// A checked webhook URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    raw: String,
    host: String,
    port: u16,
    https: bool,
}

impl WebhookUrl {
    /// Parses an absolute `http://` or `https://` URL with a host (no user
    /// info, a numeric port if any).
    pub fn parse(raw: &str) -> Result<Self, WebhookError> {
        let raw = raw.trim();
        if raw.len() > MAX_URL_LEN {
            return Err(WebhookError::Url("longer than 2048 characters"));
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(WebhookError::Url("contains whitespace or control characters"));
        }
        let lower = raw.to_ascii_lowercase();
        let (https, rest) = if let Some(rest) = lower.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = lower.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(WebhookError::Url("must start with http:// or https://"));
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err(WebhookError::Url("must not carry user information"));
        }
        let (host, port) = split_host_port(authority)?;
        if host.is_empty() {
            return Err(WebhookError::Url("has no host"));
        }
        let port = port.unwrap_or(if https { 443 } else { 80 });
        Ok(Self { raw: raw.to_owned(), host: host.to_owned(), port, https })
    }

    /// The URL as given (trimmed).
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Host name or address literal (brackets of IPv6 removed), lower case.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Port, explicit or the scheme's default.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// True for `https://`.
    pub fn is_https(&self) -> bool {
        self.https
    }
}

fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), WebhookError> {
    let bad_port = WebhookError::Url("has an invalid port");
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or(WebhookError::Url("has an unclosed IPv6 bracket"))?;
        return match after {
            "" => Ok((host, None)),
            p => p.strip_prefix(':').and_then(|p| p.parse().ok()).map(|p| (host, Some(p))).ok_or(bad_port),
        };
    }
    match authority.rsplit_once(':') {
        None => Ok((authority, None)),
        Some((host, port)) => port.parse::<u16>().map(|p| (host, Some(p))).map_err(|_| bad_port),
    }
}

/// The kinds a webhook subscribes to: at least one, each known, no repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookKinds(Vec<NotificationKind>);

impl WebhookKinds {
    /// Parses the request's list (duplicates are dropped, order kept).
    pub fn parse(raw: &[String]) -> Result<Self, WebhookError> {
        if raw.is_empty() {
            return Err(WebhookError::NoKinds);
        }
        let mut kinds = Vec::with_capacity(raw.len());
        for (index, name) in raw.iter().enumerate() {
            let kind = NotificationKind::parse(name.trim())
                .map_err(|_| WebhookError::UnknownKind { index, name: name.clone() })?;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        Ok(Self(kinds))
    }

    /// The kinds, in the order given.
    pub fn kinds(&self) -> &[NotificationKind] {
        &self.0
    }

    /// Whether `kind` is subscribed.
    pub fn contains(&self, kind: NotificationKind) -> bool {
        self.0.contains(&kind)
    }
}

/// A signing secret given by the caller.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(***)")
    }
}

impl WebhookSecret {
    /// Shortest secret accepted.
    pub const MIN: usize = 16;
    /// Longest secret accepted.
    pub const MAX: usize = 200;

    /// Checks a caller's secret: 16 to 200 printable characters.
    pub fn parse(raw: &str) -> Result<Self, WebhookError> {
        let n = raw.chars().count();
        if !(Self::MIN..=Self::MAX).contains(&n) || raw.chars().any(char::is_control) {
            return Err(WebhookError::Secret { min: Self::MIN, max: Self::MAX });
        }
        Ok(Self(raw.to_owned()))
    }

    /// The secret itself (to store and to sign with).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn accepts_http_and_https_urls() {
        let u = WebhookUrl::parse(" https://hooks.example.com/spot?x=1 ").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((u.host(), u.port(), u.is_https()), ("hooks.example.com", 443, true));
        assert_eq!(u.as_str(), "https://hooks.example.com/spot?x=1");
        let u = WebhookUrl::parse("HTTP://127.0.0.1:8099/hook").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((u.host(), u.port(), u.is_https()), ("127.0.0.1", 8099, false));
        let u = WebhookUrl::parse("http://[::1]:9000").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((u.host(), u.port()), ("::1", 9000));
    }

    #[test]
    fn refuses_other_schemes_and_broken_urls() {
        for bad in [
            "ftp://example.com/x",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "example.com/hook",
            "http://",
            "http:///path",
            "http://user:pw@example.com/",
            "http://example.com:99999/",
            "http://example.com:abc/",
            "http://exa mple.com/",
            "http://[::1/",
            "",
        ] {
            let err = WebhookUrl::parse(bad).err();
            assert!(matches!(err, Some(WebhookError::Url(_))), "{bad:?} was accepted");
            assert_eq!(err.map(|e| (e.code(), e.field())), Some(("invalid_webhook_url", "url")));
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(WebhookUrl::parse(&long).is_err());
    }

    #[test]
    fn kinds_must_be_known_and_present() {
        let k =
            WebhookKinds::parse(&["agent_offline".into(), "failover_done".into(), "agent_offline".into()]);
        let k = k.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(k.kinds(), [NotificationKind::AgentOffline, NotificationKind::FailoverDone]);
        assert!(k.contains(NotificationKind::FailoverDone) && !k.contains(NotificationKind::DeadlineMissed));
        assert_eq!(WebhookKinds::parse(&[]), Err(WebhookError::NoKinds));
        let err = WebhookKinds::parse(&["agent_offline".into(), "nope".into()]);
        assert_eq!(err, Err(WebhookError::UnknownKind { index: 1, name: "nope".into() }));
        assert!(err.is_err_and(|e| e.to_string().starts_with("kinds[1]") && e.field() == "kinds"));
    }

    #[test]
    fn secrets_have_a_length_range_and_never_print() {
        assert!(WebhookSecret::parse(&"s".repeat(16)).is_ok());
        assert!(WebhookSecret::parse(&"s".repeat(15)).is_err());
        assert!(WebhookSecret::parse(&"s".repeat(201)).is_err());
        assert!(WebhookSecret::parse("abcdefghijklmnop\n").is_err());
        let s = WebhookSecret::parse("0123456789abcdef-secret").unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{s:?}").contains("secret"));
        assert_eq!(s.expose(), "0123456789abcdef-secret");
    }
}
