//! The inbox: which messages a consumer already applied.

use crate::bus::{Delivery, HandlerError};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, Statement, TransactionTrait,
};
use std::collections::HashSet;

/// Records `ids` as processed by `consumer` and returns the ones that were
/// new. Call it inside the transaction that applies the messages: applying
/// only the returned ids makes a redelivery a no-op.
pub async fn claim_new<C: ConnectionTrait>(
    conn: &C,
    schema: &str,
    consumer: &str,
    ids: &[String],
) -> Result<HashSet<String>, DbErr> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let sql = format!(
        "INSERT INTO {schema}.inbox (consumer, message_id)
         SELECT $1, id FROM unnest($2::text[]) AS t(id)
         ON CONFLICT DO NOTHING
         RETURNING message_id"
    );
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [consumer.into(), ids.to_vec().into()],
        ))
        .await?;
    rows.iter().map(|r| r.try_get::<String>("", "message_id")).collect()
}

/// [`claim_new`] for a consumer's batch: the deliveries not applied before,
/// in batch order (an id twice in the batch stays twice).
pub async fn claim_batch<'a, C: ConnectionTrait>(
    conn: &C,
    schema: &str,
    consumer: &str,
    batch: &'a [Delivery],
) -> Result<Vec<&'a Delivery>, DbErr> {
    let ids: Vec<String> = batch.iter().map(|d| d.event_id.clone()).collect();
    let fresh = claim_new(conn, schema, consumer, &ids).await?;
    Ok(batch.iter().filter(|d| fresh.contains(&d.event_id)).collect())
}

/// Opens the transaction a consumer applies `batch` in and claims the batch
/// there ([`claim_batch`]): the transaction and the deliveries to apply.
/// Database failures become a [`HandlerError`], so the batch is retried.
pub async fn begin_batch<'a>(
    db: &DatabaseConnection,
    schema: &str,
    consumer: &str,
    batch: &'a [Delivery],
) -> Result<(DatabaseTransaction, Vec<&'a Delivery>), HandlerError> {
    let txn = db.begin().await.map_err(HandlerError::from_display)?;
    let fresh = claim_batch(&txn, schema, consumer, batch).await.map_err(HandlerError::from_display)?;
    Ok((txn, fresh))
}
