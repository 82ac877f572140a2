//! Postgres errors classified by their SQLSTATE code, never by message
//! text: a unique or check violation that slipped past the domain checks
//! (two concurrent writers) is a conflict the caller may retry, not a bug.

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
