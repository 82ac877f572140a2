//! Rebalance policy per group.

use sea_orm::{ConnectionTrait, DbErr};
use spot_domain::emergency::RebalancePolicy;
use spot_platform::store::sql;
use uuid::Uuid;

/// The group's policy, when an operator set one.
pub async fn get<C: ConnectionTrait>(conn: &C, group: Uuid) -> Result<Option<RebalancePolicy>, DbErr> {
    let r = conn
        .query_one_raw(sql("SELECT policy FROM emergency.group_policies WHERE group_id = $1", [group.into()]))
        .await?;
    Ok(r.map(|r| r.try_get::<String>("", "policy")).transpose()?.as_deref().and_then(RebalancePolicy::parse))
}

/// Sets the group's policy.
pub async fn set<C: ConnectionTrait>(
    conn: &C,
    client: Uuid,
    group: Uuid,
    policy: RebalancePolicy,
    actor: &str,
) -> Result<(), DbErr> {
    conn.execute_raw(sql(
        "INSERT INTO emergency.group_policies (group_id, client_id, policy, actor) VALUES ($1, $2, $3, $4)
         ON CONFLICT (group_id) DO UPDATE SET policy = EXCLUDED.policy, actor = EXCLUDED.actor, updated_at = now()",
        [group.into(), client.into(), policy.as_str().into(), actor.into()],
    ))
    .await?;
    Ok(())
}
