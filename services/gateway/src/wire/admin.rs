//! Admin API bodies.

use crate::error::ApiError;
use serde::{Deserialize, Serialize};

/// `POST /api/admin/clients`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateClientRequest {
    pub name: Option<String>,
    pub email: Option<String>,
}

/// A validated tenant to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClient {
    pub name: String,
    pub email: String,
}

impl TryFrom<CreateClientRequest> for NewClient {
    type Error = ApiError;
    fn try_from(req: CreateClientRequest) -> Result<Self, ApiError> {
        let name = super::clean(req.name).ok_or_else(|| ApiError::InvalidField("name is required".into()))?;
        if name.chars().count() > 200 {
            return Err(ApiError::InvalidField("name is longer than 200 characters".into()));
        }
        let email =
            super::clean(req.email).ok_or_else(|| ApiError::InvalidField("email is required".into()))?;
        let plausible = email.len() <= 320
            && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
        if !plausible {
            return Err(ApiError::InvalidField("email is not a valid address".into()));
        }
        Ok(Self { name, email })
    }
}

/// Answer to a tenant creation: the token is shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreateClientResponse {
    pub id: String,
    pub token: String,
    pub name: String,
    pub email: String,
}

/// `GET /api/client/validate`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ValidateResponse {
    pub valid: bool,
    pub client_id: String,
    pub name: String,
    pub email: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(name: Option<&str>, email: Option<&str>) -> CreateClientRequest {
        CreateClientRequest { name: name.map(Into::into), email: email.map(Into::into) }
    }

    #[test]
    fn validates_name_and_email() {
        assert!(
            NewClient::try_from(req(Some(" Acme "), Some("ops@acme.io"))).is_ok_and(|c| c.name == "Acme")
        );
        assert!(NewClient::try_from(req(None, Some("ops@acme.io"))).is_err());
        assert!(NewClient::try_from(req(Some("Acme"), Some("nope"))).is_err());
        assert!(NewClient::try_from(req(Some("Acme"), Some("@acme.io"))).is_err());
    }
}
