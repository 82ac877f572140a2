//! TLS of webhook deliveries (docs/NOTIFICATIONS.md, "https"). The client is
//! reqwest over rustls with the aws-lc provider; certificates are checked by
//! the platform verifier (on Linux: the system's CA bundle, which
//! `SSL_CERT_FILE` / `SSL_CERT_DIR` can point elsewhere) plus the extra CA
//! certificates of `SPOT_WEBHOOK_CA_FILE`, for receivers behind a private
//! CA. Invalid certificates are never accepted.

use std::path::Path;

/// Why the extra CA file cannot be used (the gateway refuses to start).
#[derive(Debug, thiserror::Error)]
pub enum CaFileError {
    #[error("webhook_ca_file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("webhook_ca_file {path}: not a PEM certificate bundle: {source}")]
    Parse { path: String, source: reqwest::Error },
    #[error("webhook_ca_file {path}: holds no certificate")]
    Empty { path: String },
}

/// The CA certificates of `path` (PEM, one or more), none without a path.
pub fn extra_roots(path: Option<&Path>) -> Result<Vec<reqwest::Certificate>, CaFileError> {
    let Some(path) = path else { return Ok(Vec::new()) };
    let shown = path.display().to_string();
    let pem = std::fs::read(path).map_err(|source| CaFileError::Read { path: shown.clone(), source })?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|source| CaFileError::Parse { path: shown.clone(), source })?;
    if certs.is_empty() {
        return Err(CaFileError::Empty { path: shown });
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_file_no_extra_roots_and_bad_files_are_refused() {
        assert!(extra_roots(None).is_ok_and(|c| c.is_empty()));
        let missing = extra_roots(Some(Path::new("/nonexistent/ca.pem")));
        assert!(matches!(missing, Err(CaFileError::Read { .. })));
        let dir = std::env::temp_dir().join(format!("spot-ca-{}", uuid::Uuid::now_v7()));
        std::fs::write(&dir, "not a certificate\n").unwrap_or_default();
        let empty = extra_roots(Some(&dir));
        let _ = std::fs::remove_file(&dir);
        assert!(matches!(empty, Err(CaFileError::Empty { .. } | CaFileError::Parse { .. })));
    }
}
