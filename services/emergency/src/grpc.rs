//! gRPC API of the emergency service (the gateway calls it on behalf of
//! agents and operators).

use crate::error::{EmergencyError, Result};
use crate::ops::{Emergency, rebalance, status, termination, uuid};
use crate::store::{notice_events, notices, policies, projection, timeline};
use spot_contracts::v1;
use spot_contracts::v1::emergency_service_server::EmergencyService;
use spot_domain::emergency::RebalancePolicy;

spot_platform::grpc_service! {
    impl EmergencyService for Emergency, |api| api;
    termination_notice(v1::TerminationNoticeRequest) -> v1::NoticeAnswer = termination_notice;
    rebalance_notice(v1::RebalanceNoticeRequest) -> v1::NoticeAnswer = rebalance_notice;
    emergency_status(v1::AgentRef) -> v1::EmergencyStatusRecord = emergency_status;
    get_policy(v1::AgentRef) -> v1::PolicyRecord = get_policy;
    set_policy(v1::SetPolicyRequest) -> v1::PolicyRecord = set_policy;
    list_notice_events(v1::NoticeEventsRequest) -> v1::NoticeEventsResponse = list_notice_events;
}

async fn termination_notice(em: &Emergency, r: v1::TerminationNoticeRequest) -> Result<v1::NoticeAnswer> {
    termination::handle(em, termination::Notice::from_request(&r)?).await
}

async fn rebalance_notice(em: &Emergency, r: v1::RebalanceNoticeRequest) -> Result<v1::NoticeAnswer> {
    rebalance::handle(em, rebalance::Recommendation::from_request(&r)?).await
}

async fn emergency_status(em: &Emergency, r: v1::AgentRef) -> Result<v1::EmergencyStatusRecord> {
    let (client, agent) = (uuid(&r.client_id, "agent")?, uuid(&r.agent_id, "agent")?);
    // 404 for unknown agents and other tenants' agents.
    let group = em.group_agent(client, agent).await?;
    let latest = notices::latest_for_agent(&em.db, client, agent).await?;
    // A promotion this service made is its own fact; the projection only
    // learns it from lifecycle's event a moment later.
    let replica_status = match latest.as_ref().map(|n| (n.replica_id, n.promoted_at)) {
        Some((Some(_), Some(_))) => Some("promoted".to_owned()),
        Some((Some(id), None)) => projection::replica_status(&em.db, id).await?,
        _ => None,
    };
    let steps = match &latest {
        Some(n) => timeline::steps(&em.db, n.id).await?,
        None => Vec::new(),
    };
    let back = timeline::returns_to_spot(&em.db, Some(group.group_id)).await?;
    Ok(status::record(latest.as_ref(), &replica_status.unwrap_or_default(), &steps, back))
}

async fn get_policy(em: &Emergency, r: v1::AgentRef) -> Result<v1::PolicyRecord> {
    let (client, agent) = (uuid(&r.client_id, "agent")?, uuid(&r.agent_id, "agent")?);
    let record = em.lifecycle.agent(client, agent).await?;
    let group = uuid(&record.group_id, "group").ok();
    let (policy, default) = rebalance::policy_of(em, client, agent, group).await?;
    Ok(v1::PolicyRecord { group_id: record.group_id, policy: policy.as_str().into(), default })
}

async fn set_policy(em: &Emergency, r: v1::SetPolicyRequest) -> Result<v1::PolicyRecord> {
    let a = r.agent.ok_or_else(|| EmergencyError::invalid("agent is required"))?;
    let (client, agent) = (uuid(&a.client_id, "agent")?, uuid(&a.agent_id, "agent")?);
    let policy = RebalancePolicy::parse(&r.policy).ok_or_else(|| {
        EmergencyError::invalid(format!("policy must be monitor, prespin or switch, got {:?}", r.policy))
    })?;
    let record = em.lifecycle.agent(client, agent).await?;
    let group = uuid(&record.group_id, "group")?;
    policies::set(&em.db, client, group, policy, &r.actor).await?;
    Ok(v1::PolicyRecord { group_id: record.group_id, policy: policy.as_str().into(), default: false })
}

async fn list_notice_events(em: &Emergency, r: v1::NoticeEventsRequest) -> Result<v1::NoticeEventsResponse> {
    let client = uuid(&r.client_id, "client")?;
    let (limit, after) = spot_domain::ops::paging::parse_request(r.limit, r.after.as_deref())
        .map_err(|e| EmergencyError::invalid(e.to_string()))?;
    let (from, to) = (crate::ops::from_ts(&r.from), crate::ops::from_ts(&r.to));
    let (items, next_cursor) = notice_events::page(&em.db, client, from, to, limit, after).await?;
    Ok(v1::NoticeEventsResponse { items_json: items.iter().map(|v| v.to_string()).collect(), next_cursor })
}
