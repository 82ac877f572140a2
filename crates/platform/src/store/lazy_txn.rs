//! One transaction for a run of writes that may turn out to be none: it is
//! begun by the first write and committed when the caller says so. A
//! consumer that applies a batch of events row by row commits once per run
//! instead of once per row (docs/BENCHMARKS.md, "Storms"), and commits early
//! before a step that must see the rows from another connection.

use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};

/// A transaction begun on first use.
#[derive(Debug)]
pub struct LazyTransaction<'a> {
    db: &'a DatabaseConnection,
    open: Option<DatabaseTransaction>,
}

impl<'a> LazyTransaction<'a> {
    /// Nothing begun yet.
    pub fn new(db: &'a DatabaseConnection) -> Self {
        Self { db, open: None }
    }

    /// The open transaction, begun now if there is none.
    pub async fn conn(&mut self) -> Result<&DatabaseTransaction, DbErr> {
        match &mut self.open {
            Some(txn) => Ok(txn),
            slot @ None => Ok(slot.insert(self.db.begin().await?)),
        }
    }

    /// Commits what was written so far (nothing to do when nothing was).
    pub async fn commit(&mut self) -> Result<(), DbErr> {
        match self.open.take() {
            Some(txn) => txn.commit().await,
            None => Ok(()),
        }
    }
}
