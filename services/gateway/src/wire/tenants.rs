//! Bodies of the tenant and token admin API (docs/OPERATORS_API.md).

use crate::error::ApiError;
use crate::store::tenant_admin::TenantRow;
use crate::store::tokens::TokenRow;
use serde::{Deserialize, Serialize};

/// The `{tenant_id}` path parameter, documented once.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TenantPath {
    pub tenant_id: String,
}

/// The `{tenant_id}` and `{token_id}` path parameters, documented once.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TokenPath {
    pub tenant_id: String,
    pub token_id: String,
}

/// `GET /api/admin/tenants` query.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TenantQuery {
    /// Case-insensitive substring of the name or email
    pub q: Option<String>,
}

impl TenantQuery {
    /// The search text, trimmed; empty is no search. At most 200 characters.
    pub fn search(&self) -> Result<Option<&str>, ApiError> {
        let q = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        if q.is_some_and(|q| q.chars().count() > 200) {
            return Err(ApiError::Field { field: "q", message: "longer than 200 characters".into() });
        }
        Ok(q)
    }
}

/// A page of tenants.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TenantPage {
    pub items: Vec<TenantRow>,
    pub next_cursor: Option<String>,
}

/// A page of tokens.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenPage {
    pub items: Vec<TokenRow>,
    pub next_cursor: Option<String>,
}

/// `DELETE /api/admin/tenants/{id}` answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TenantDeleted {
    pub id: String,
    pub status: &'static str,
}

/// `POST .../tokens` body.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CreateTokenRequest {
    /// 1..100 characters, unique among the tenant's live tokens
    pub name: Option<String>,
}

impl CreateTokenRequest {
    /// The validated name.
    pub fn name(self) -> Result<String, ApiError> {
        let name = super::clean(self.name)
            .ok_or_else(|| ApiError::Field { field: "name", message: "is required".into() })?;
        if name.chars().count() > 100 {
            return Err(ApiError::Field { field: "name", message: "longer than 100 characters".into() });
        }
        Ok(name)
    }
}

/// A token just minted (`secret` set, shown this once) or the answer to a
/// retried request (`secret` null: it was shown to the first answer only).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MintedToken {
    #[serde(flatten)]
    pub token: TokenRow,
    pub secret: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_names_are_required_and_bounded() {
        let req = |n: Option<&str>| CreateTokenRequest { name: n.map(Into::into) };
        assert_eq!(req(Some(" ci ")).name().ok().as_deref(), Some("ci"));
        assert!(matches!(req(None).name(), Err(ApiError::Field { field: "name", .. })));
        assert!(matches!(req(Some("  ")).name(), Err(ApiError::Field { field: "name", .. })));
        assert!(req(Some(&"x".repeat(101))).name().is_err());
    }

    #[test]
    fn search_is_trimmed_and_bounded() {
        let q = |s: &str| TenantQuery { q: Some(s.into()) };
        assert_eq!(q("  acme ").search().ok().flatten(), Some("acme"));
        assert_eq!(q("   ").search().ok().flatten(), None);
        assert!(q(&"a".repeat(201)).search().is_err());
    }
}
