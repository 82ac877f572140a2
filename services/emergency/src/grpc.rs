//! gRPC API of the emergency service (the gateway calls it on behalf of
//! agents and operators).

use crate::error::EmergencyError;
use crate::ops::{Emergency, rebalance, status, termination, uuid};
use crate::store::{notice_events, notices, policies, projection, timeline};
use spot_contracts::v1;
use spot_contracts::v1::emergency_service_server::EmergencyService;
use spot_domain::emergency::RebalancePolicy;
use tonic::{Request, Response, Status};

#[tonic::async_trait]
impl EmergencyService for Emergency {
    async fn termination_notice(
        &self,
        request: Request<v1::TerminationNoticeRequest>,
    ) -> Result<Response<v1::NoticeAnswer>, Status> {
        let notice = termination::Notice::from_request(request.get_ref())?;
        Ok(Response::new(termination::handle(self, notice).await?))
    }

    async fn rebalance_notice(
        &self,
        request: Request<v1::RebalanceNoticeRequest>,
    ) -> Result<Response<v1::NoticeAnswer>, Status> {
        let rec = rebalance::Recommendation::from_request(request.get_ref())?;
        Ok(Response::new(rebalance::handle(self, rec).await?))
    }

    async fn emergency_status(
        &self,
        request: Request<v1::AgentRef>,
    ) -> Result<Response<v1::EmergencyStatusRecord>, Status> {
        let r = request.into_inner();
        let (client, agent) = (uuid(&r.client_id, "agent")?, uuid(&r.agent_id, "agent")?);
        // 404 for unknown agents and other tenants' agents.
        let group = self.group_agent(client, agent).await?;
        let latest =
            notices::latest_for_agent(&self.db, client, agent).await.map_err(EmergencyError::from)?;
        // A promotion this service made is its own fact; the projection only
        // learns it from lifecycle's event a moment later.
        let replica_status = match latest.as_ref().map(|n| (n.replica_id, n.promoted_at)) {
            Some((Some(_), Some(_))) => Some("promoted".to_owned()),
            Some((Some(id), None)) => {
                projection::replica_status(&self.db, id).await.map_err(EmergencyError::from)?
            }
            _ => None,
        };
        let steps = match &latest {
            Some(n) => timeline::steps(&self.db, n.id).await.map_err(EmergencyError::from)?,
            None => Vec::new(),
        };
        let back =
            timeline::returns_to_spot(&self.db, Some(group.group_id)).await.map_err(EmergencyError::from)?;
        Ok(Response::new(status::record(latest.as_ref(), &replica_status.unwrap_or_default(), &steps, back)))
    }

    async fn get_policy(&self, request: Request<v1::AgentRef>) -> Result<Response<v1::PolicyRecord>, Status> {
        let r = request.into_inner();
        let (client, agent) = (uuid(&r.client_id, "agent")?, uuid(&r.agent_id, "agent")?);
        let record = self.lifecycle.agent(client, agent).await?;
        let group = uuid(&record.group_id, "group").ok();
        let (policy, default) = rebalance::policy_of(self, client, agent, group).await?;
        Ok(Response::new(v1::PolicyRecord {
            group_id: record.group_id,
            policy: policy.as_str().into(),
            default,
        }))
    }

    async fn set_policy(
        &self,
        request: Request<v1::SetPolicyRequest>,
    ) -> Result<Response<v1::PolicyRecord>, Status> {
        let r = request.into_inner();
        let a = r.agent.ok_or_else(|| EmergencyError::invalid("agent is required"))?;
        let (client, agent) = (uuid(&a.client_id, "agent")?, uuid(&a.agent_id, "agent")?);
        let policy = RebalancePolicy::parse(&r.policy).ok_or_else(|| {
            EmergencyError::invalid(format!("policy must be monitor, prespin or switch, got {:?}", r.policy))
        })?;
        let record = self.lifecycle.agent(client, agent).await?;
        let group = uuid(&record.group_id, "group")?;
        policies::set(&self.db, client, group, policy, &r.actor).await.map_err(EmergencyError::from)?;
        Ok(Response::new(v1::PolicyRecord {
            group_id: record.group_id,
            policy: policy.as_str().into(),
            default: false,
        }))
    }

    async fn list_notice_events(
        &self,
        request: Request<v1::NoticeEventsRequest>,
    ) -> Result<Response<v1::NoticeEventsResponse>, Status> {
        use spot_domain::ops::{Cursor, PageLimit};
        let r = request.into_inner();
        let client = uuid(&r.client_id, "client")?;
        let invalid = |e: spot_domain::ops::PagingError| EmergencyError::invalid(e.to_string());
        let limit = PageLimit::parse((r.limit > 0).then_some(i64::from(r.limit))).map_err(invalid)?;
        let after = Cursor::decode_opt(r.after.as_deref()).map_err(invalid)?;
        let (from, to) = (crate::ops::from_ts(&r.from), crate::ops::from_ts(&r.to));
        let (items, next_cursor) = notice_events::page(&self.db, client, from, to, limit, after)
            .await
            .map_err(EmergencyError::from)?;
        Ok(Response::new(v1::NoticeEventsResponse {
            items_json: items.iter().map(|v| v.to_string()).collect(),
            next_cursor,
        }))
    }
}
