//! Bearer tokens: generation, hashing, and resolving a request's tenant.
//!
//! A token is `spot_` + 64 hex chars (256 random bits). Only its SHA-256 is
//! stored; with that much entropy a slow password hash buys nothing. Resolved
//! tokens are cached in memory so agent polling does not hit the database.

use crate::error::ApiError;
use crate::http::rate::RateLimits;
use crate::store::tenants;
use actix_web::HttpRequest;
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};
use spot_domain::ClientId;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;
use uuid::Uuid;

/// The tenant a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: ClientId,
    pub name: String,
    pub email: String,
    /// The token the request carried (the audit actor is `token:<id>`).
    pub token_id: Uuid,
}

impl Tenant {
    /// Audit actor of a request made with this tenant's token: the token's
    /// id, never characters of the secret.
    pub fn actor(&self) -> String {
        format!("token:{}", self.token_id)
    }
}

/// SHA-256 of a token.
pub type TokenHash = [u8; 32];

/// Hashes a token.
pub fn hash_token(token: &str) -> TokenHash {
    Sha256::digest(token.as_bytes()).into()
}

/// A new random token.
pub fn generate_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(ApiError::internal)?;
    Ok(format!("spot_{}", hex::encode(bytes)))
}

/// The bearer token of a request, if any.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// How long a resolved token is trusted without hearing from the bus. A
/// revocation or suspension is announced on NATS and drops entries at once
/// on every gateway (`crate::invalidation`); this bounds the damage when that
/// announcement is lost (the gateway was disconnected and missed it).
pub const TOKEN_TTL: Duration = Duration::from_secs(300);

/// How often a token's `last_used_at` is written: its precision, so polling
/// agents do not turn every request into a database write.
pub const LAST_USED_RESOLUTION: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
struct Entry {
    tenant: Tenant,
    stored: Instant,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<TokenHash, Entry>,
    /// Bumped by every invalidation: a fill that started before one must not
    /// store what it read (it may be the revoked token).
    generation: u64,
    /// When each token's last use was last written.
    touched: HashMap<Uuid, Instant>,
}

/// Token hash -> tenant, filled on first use, dropped when the tenant's
/// tokens or status change (docs/OPERATORS_API.md, "Revocation").
///
/// A token is found by its SHA-256, never by comparing secrets, so lookup
/// time tells nothing about a secret's characters (docs/HARDENING.md).
#[derive(Debug, Clone, Default)]
pub struct TokenCache {
    inner: Arc<RwLock<Inner>>,
    /// Counts each resolved request against its tenant's rate.
    rates: Option<RateLimits>,
}

impl TokenCache {
    /// A cache whose resolutions count against the tenants' rate limits.
    pub fn with_rates(rates: RateLimits) -> Self {
        Self { inner: Arc::default(), rates: Some(rates) }
    }

    /// Resolves a request's tenant, from cache or database, names it (never
    /// the token) on the request's span, and counts the request against the
    /// tenant's rate (429 `rate_limited` over it).
    pub async fn tenant(&self, db: &DatabaseConnection, req: &HttpRequest) -> Result<Tenant, ApiError> {
        let tenant = self.lookup(db, req).await?;
        tracing::Span::current()
            .record(crate::http::trace::TENANT_FIELD, tracing::field::display(&tenant.id));
        if let Some(rates) = &self.rates {
            rates.tenant(tenant.id.as_uuid())?;
        }
        Ok(tenant)
    }

    async fn lookup(&self, db: &DatabaseConnection, req: &HttpRequest) -> Result<Tenant, ApiError> {
        let token = bearer(req).ok_or(ApiError::Unauthorized)?;
        let hash = hash_token(token);
        let cached = self.inner.read().ok().and_then(|m| {
            m.entries.get(&hash).filter(|e| e.stored.elapsed() < TOKEN_TTL).map(|e| e.tenant.clone())
        });
        if let Some(tenant) = cached {
            self.touch(db, &tenant);
            return Ok(tenant);
        }
        let generation = self.inner.read().map(|m| m.generation).unwrap_or(u64::MAX);
        let tenant = tenants::find_by_token_hash(db, &hash).await?.ok_or(ApiError::Unauthorized)?;
        if let Ok(mut inner) = self.inner.write()
            && inner.generation == generation
        {
            inner.entries.insert(hash, Entry { tenant: tenant.clone(), stored: Instant::now() });
        }
        self.touch(db, &tenant);
        Ok(tenant)
    }

    /// Records the token's use in the background at most once per
    /// [`LAST_USED_RESOLUTION`] per gateway.
    fn touch(&self, db: &DatabaseConnection, tenant: &Tenant) {
        let due = self
            .inner
            .read()
            .map(|m| m.touched.get(&tenant.token_id).is_none_or(|t| t.elapsed() >= LAST_USED_RESOLUTION))
            .unwrap_or(false);
        if !due {
            return;
        }
        if let Ok(mut inner) = self.inner.write() {
            inner.touched.insert(tenant.token_id, Instant::now());
        }
        let (db, token) = (db.clone(), tenant.token_id);
        tokio::spawn(async move {
            if let Err(e) = crate::store::tokens::touch(&db, token).await {
                tracing::warn!(error = %e, "cannot record a token's last use");
            }
        });
    }

    /// Drops every cached token of a tenant (its tokens or status changed).
    pub fn forget_tenant(&self, tenant: ClientId) {
        if let Ok(mut inner) = self.inner.write() {
            inner.entries.retain(|_, e| e.tenant.id != tenant);
            inner.generation += 1;
        }
    }

    /// Drops everything (after a bus reconnect: announcements may be lost).
    pub fn clear(&self) {
        if let Ok(mut inner) = self.inner.write() {
            inner.entries.clear();
            inner.generation += 1;
        }
    }
}

/// Checks the admin token in constant time: the hashes are compared with
/// `subtle`, whose comparison the optimiser cannot turn into an early exit.
pub fn require_admin(req: &HttpRequest, admin_hash: Option<&TokenHash>) -> Result<(), ApiError> {
    let expected = admin_hash.ok_or(ApiError::Forbidden("admin_api_disabled"))?;
    let given = bearer(req).map(hash_token).ok_or(ApiError::Unauthorized)?;
    if bool::from(given.ct_eq(expected)) { Ok(()) } else { Err(ApiError::Unauthorized) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn tokens_are_random_and_hash_stably() {
        let a = generate_token().ok();
        let b = generate_token().ok();
        assert_ne!(a, b);
        assert!(a.as_deref().is_some_and(|t| t.starts_with("spot_") && t.len() == 69));
        assert_eq!(hash_token("x"), hash_token("x"));
    }

    #[test]
    fn bearer_parsing_is_lenient_about_case_and_space() {
        let req = TestRequest::default().insert_header(("Authorization", "bearer  abc ")).to_http_request();
        assert_eq!(bearer(&req), Some("abc"));
        let req = TestRequest::default().insert_header(("Authorization", "Basic abc")).to_http_request();
        assert_eq!(bearer(&req), None);
    }

    #[test]
    fn admin_check() {
        let hash = hash_token("admin");
        let ok = TestRequest::default().insert_header(("Authorization", "Bearer admin")).to_http_request();
        let bad = TestRequest::default().insert_header(("Authorization", "Bearer nope")).to_http_request();
        assert!(require_admin(&ok, Some(&hash)).is_ok());
        assert!(matches!(require_admin(&bad, Some(&hash)), Err(ApiError::Unauthorized)));
        assert!(matches!(require_admin(&ok, None), Err(ApiError::Forbidden(_))));
    }
}
