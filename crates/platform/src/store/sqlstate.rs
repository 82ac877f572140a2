//! Postgres errors classified by their SQLSTATE code, never by message
//! text: a unique or check violation that slipped past the domain checks
//! (two concurrent writers) is a conflict the caller may retry, not a bug;
//! a database that cannot be reached or is going away is unavailable (the
//! caller retries later: 503), not a bug either.

use sea_orm::{DbErr, RuntimeErr};

/// The SQLSTATE of a database error, if Postgres sent one.
pub fn sqlstate(e: &DbErr) -> Option<String> {
    match e {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => match e.as_ref() {
            sea_orm::sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
            _ => None,
        },
        _ => None,
    }
}

/// A unique (`23505`) or check (`23514`) constraint rejected the write.
pub fn is_constraint_conflict(e: &DbErr) -> bool {
    matches!(sqlstate(e).as_deref(), Some("23505" | "23514"))
}

/// The database could not be reached or went away: connection refused or
/// cut, pool exhausted or closed, the server shutting down, starting or
/// restarting (SQLSTATE classes `08` and `57P`). The fault suite
/// (docs/HARDENING.md) restarts Postgres under load to see these answered 503.
pub fn is_unavailable(e: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    match e {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => match e.as_ref() {
            Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => true,
            Sqlx::Database(db) => db.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_connections_are_unavailable_and_constraint_errors_are_not() {
        let io = || sea_orm::sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(is_unavailable(&DbErr::Conn(RuntimeErr::SqlxError(io().into()))));
        assert!(is_unavailable(&DbErr::Query(RuntimeErr::SqlxError(io().into()))));
        assert!(is_unavailable(&DbErr::Exec(RuntimeErr::SqlxError(
            sea_orm::sqlx::Error::PoolTimedOut.into()
        ))));
        assert!(!is_unavailable(&DbErr::RecordNotFound("x".into())));
        assert!(!is_constraint_conflict(&DbErr::Conn(RuntimeErr::SqlxError(io().into()))));
    }
}
