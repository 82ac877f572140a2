//! The decision engine against a real Postgres: the built-in policy's
//! switch with its log row and guardrail verdicts, one decision per
//! evaluation with two replicas deciding at once, ONNX and external
//! models, rejected outputs with fallback, A/B arms by group, and the
//! registry's conflicts.

mod support;

use sea_orm::ConnectionTrait;
use spot_contracts::v1;
use spot_decisions::engine::round::run_round;
use spot_decisions::error::DecisionsError;
use spot_decisions::store::models;
use spot_domain::decisions::{Arm, choose_arm};
use support::*;
use uuid::Uuid;

const ONNX: &[u8] = include_bytes!("../models/risk_linear.onnx");

fn onnx_request(version: &str) -> v1::RegisterModelRequest {
    v1::RegisterModelRequest {
        name: "linear".into(),
        version: version.into(),
        kind: "onnx".into(),
        confidence_threshold: 0.5,
        onnx: ONNX.to_vec(),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_builtin_policy_switches_to_the_cheapest_pool_once_per_evaluation() -> anyhow::Result<()> {
    let (env, now) = env_with_group_in_a([0.050, 0.030, 0.045]).await?;
    // Two replicas evaluate the same due group at the same time.
    let other = env.engine.clone();
    let (a, b) = tokio::join!(run_round(&env.engine, now), run_round(&other, now));
    let (a, b) = (a?, b?);
    assert_eq!(a.decided + b.decided, 1, "{a:?} {b:?}");
    let row = env
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT action, target_pool_id, model_name, arm, blocked, command_status, length(input_digest) AS d,
                    jsonb_array_length(guardrails) AS verdicts
             FROM decisions.decisions",
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no decision"))?;
    assert_eq!(row.try_get::<String>("", "action")?, "SWITCH");
    assert_eq!(row.try_get::<Option<String>>("", "target_pool_id")?.as_deref(), Some(POOL_B));
    assert_eq!(row.try_get::<String>("", "model_name")?, "risk_aware");
    assert_eq!(row.try_get::<String>("", "arm")?, "a");
    assert!(!row.try_get::<bool>("", "blocked")?);
    // Lifecycle is unreachable here: the command stays to be queued by the retry.
    assert_eq!(row.try_get::<Option<String>>("", "command_status")?.as_deref(), Some("queueing"));
    assert_eq!(row.try_get::<i32>("", "d")?, 64);
    assert_eq!(row.try_get::<i32>("", "verdicts")?, 9);
    // The same scheduled evaluation again decides nothing.
    assert_eq!(run_round(&env.engine, now).await?.decided, 0);
    Ok(())
}

#[tokio::test]
async fn guardrails_block_and_record_why() -> anyhow::Result<()> {
    let (env, now) = env_with_group_in_a([0.050, 0.030, 0.045]).await?;
    // A fresh pool: min_pool_duration_hours (2) blocks.
    exec(&env.db, "UPDATE decisions.groups SET pool_since = now()", vec![]).await?;
    let stats = run_round(&env.engine, now).await?;
    assert_eq!((stats.decided, stats.acted), (1, 0));
    let blocked = count(
        &env.db,
        "SELECT count(*) FROM decisions.decisions, jsonb_array_elements(guardrails) v
         WHERE blocked AND command_status IS NULL AND v->>'rule' = 'min_pool_duration_hours' AND NOT (v->>'passed')::bool",
        vec![],
    )
    .await?;
    assert_eq!(blocked, 1);
    // The blocked decision still went out as an event.
    assert_eq!(
        count(
            &env.db,
            "SELECT count(*) FROM decisions.outbox WHERE event_type = 'spot.v1.DecisionMade'",
            vec![]
        )
        .await?,
        1
    );
    Ok(())
}

#[tokio::test]
async fn an_onnx_model_decides_in_process() -> anyhow::Result<()> {
    let (env, now) = env_with_group_in_a([0.060, 0.020, 0.045]).await?;
    let id = register(&env, onnx_request("1")).await?;
    models::set_active(&env.db, BUILTIN, false, None).await?;
    models::set_active(&env.db, id, true, None).await?;
    run_round(&env.engine, now).await?;
    let n = count(
        &env.db,
        "SELECT count(*) FROM decisions.decisions
         WHERE model_name = 'linear' AND fallback_reason IS NULL AND action = 'SWITCH' AND target_pool_id = $1",
        vec![POOL_B.into()],
    )
    .await?;
    assert_eq!(n, 1);
    Ok(())
}

/// A ModelServer that answers what it is built with, after `delay`.
#[derive(Clone)]
struct Server {
    answer: v1::ModelDecideResponse,
    delay: std::time::Duration,
}

#[tonic::async_trait]
impl v1::model_server_server::ModelServer for Server {
    async fn decide(
        &self,
        request: tonic::Request<v1::ModelDecideRequest>,
    ) -> Result<tonic::Response<v1::ModelDecideResponse>, tonic::Status> {
        let input: serde_json::Value = serde_json::from_str(&request.get_ref().input_json)
            .map_err(|e| tonic::Status::invalid_argument(e.to_string()))?;
        if input["settings"]["availability_target_percent"].as_f64().is_none() {
            return Err(tonic::Status::invalid_argument("no availability target in the input"));
        }
        tokio::time::sleep(self.delay).await;
        Ok(tonic::Response::new(self.answer.clone()))
    }
}

async fn serve(server: Server) -> anyhow::Result<String> {
    let incoming = tonic::transport::server::TcpIncoming::bind("127.0.0.1:0".parse()?)?;
    let addr = incoming.local_addr()?;
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(v1::model_server_server::ModelServerServer::new(server))
            .serve_with_incoming(incoming),
    );
    Ok(format!("http://{addr}"))
}

async fn external(env: &Env, version: &str, url: &str, deadline_ms: i32) -> anyhow::Result<Uuid> {
    let id = register(
        env,
        v1::RegisterModelRequest {
            name: "remote".into(),
            version: version.into(),
            kind: "external".into(),
            confidence_threshold: 0.2,
            endpoint: url.into(),
            deadline_ms,
            ..Default::default()
        },
    )
    .await?;
    models::set_active(&env.db, BUILTIN, false, None).await?;
    models::set_active(&env.db, id, true, None).await?;
    Ok(id)
}

#[tokio::test]
async fn an_external_model_decides_and_bad_or_slow_answers_fall_back() -> anyhow::Result<()> {
    let (env, now) = env_with_market([0.050, 0.030, 0.045]).await?;
    let good = v1::ModelDecideResponse {
        action: "SWITCH".into(),
        target_mode: "spot".into(),
        target_pool_id: POOL_C.into(),
        confidence: 0.7,
        reasoning: "remote says c".into(),
        ..Default::default()
    };
    let url = serve(Server { answer: good, delay: std::time::Duration::ZERO }).await?;
    let id = external(&env, "1", &url, 500).await?;
    group(&env.db, Uuid::now_v7(), POOL_A, now).await?;
    run_round(&env.engine, now).await?;
    let sql =
        "SELECT count(*) FROM decisions.decisions WHERE model_name = 'remote' AND fallback_reason IS NULL
               AND target_pool_id = $1";
    assert_eq!(count(&env.db, sql, vec![POOL_C.into()]).await?, 1);

    // Garbage: rejected, logged with its code, and the built-in policy answers.
    let garbage = v1::ModelDecideResponse { action: "JUMP".into(), confidence: 7.0, ..Default::default() };
    let url = serve(Server { answer: garbage, delay: std::time::Duration::ZERO }).await?;
    models::set_active(&env.db, id, false, None).await?;
    external(&env, "2", &url, 500).await?;
    group(&env.db, Uuid::now_v7(), POOL_A, now).await?;
    run_round(&env.engine, now).await?;
    let rejected = count(
        &env.db,
        "SELECT count(*) FROM decisions.rejected_outputs r JOIN decisions.decisions d ON d.id = r.decision_id
         WHERE r.code = 'unknown_action' AND r.raw_output->>'action' = 'JUMP'
           AND d.fallback_reason LIKE 'unknown_action%' AND d.target_pool_id = $1",
        vec![POOL_B.into()],
    )
    .await?;
    assert_eq!(rejected, 1);

    // Too slow for its 100 ms deadline: a timeout, counted, and the fallback answers.
    let slow = v1::ModelDecideResponse { action: "STAY".into(), confidence: 0.9, ..Default::default() };
    let url = serve(Server { answer: slow, delay: std::time::Duration::from_secs(3) }).await?;
    let active =
        count(&env.db, "SELECT count(*) FROM decisions.models WHERE active_slot IS NOT NULL", vec![]).await?;
    assert_eq!(active, 1);
    exec(&env.db, "UPDATE decisions.models SET active_slot = NULL", vec![]).await?;
    external(&env, "3", &url, 100).await?;
    group(&env.db, Uuid::now_v7(), POOL_A, now).await?;
    let started = std::time::Instant::now();
    run_round(&env.engine, now).await?;
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "the deadline bounds the wait");
    let timeouts = count(
        &env.db,
        "SELECT count(*) FROM decisions.rejected_outputs WHERE code = 'timeout' AND model_version = '3'",
        vec![],
    )
    .await?;
    assert_eq!(timeouts, 1);
    let fallbacks = env.engine.metrics.fallbacks.with_label_values(&["timeout"]).get();
    assert_eq!(fallbacks, 1);
    Ok(())
}

#[tokio::test]
async fn two_active_versions_split_groups_by_a_stable_hash() -> anyhow::Result<()> {
    let (env, now) = env_with_market([0.050, 0.030, 0.045]).await?;
    let onnx = register(&env, onnx_request("ab")).await?;
    models::set_active(&env.db, onnx, true, Some(5_000)).await?;
    let groups: Vec<Uuid> = (0..120).map(|_| Uuid::now_v7()).collect();
    for g in &groups {
        group(&env.db, *g, POOL_A, now).await?;
    }
    run_round(&env.engine, now).await?;
    let mut seen = [0, 0];
    for g in &groups {
        let row = env
            .db
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT arm, model_name FROM decisions.decisions WHERE group_id = $1",
                [(*g).into()],
            ))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no decision for {g}"))?;
        let (arm, model): (String, String) = (row.try_get("", "arm")?, row.try_get("", "model_name")?);
        let want = choose_arm(*g, 5_000);
        assert_eq!(arm, want.as_str());
        assert_eq!(model, if want == Arm::B { "linear" } else { "risk_aware" });
        seen[usize::from(want == Arm::B)] += 1;
    }
    assert!(seen[0] > 30 && seen[1] > 30, "{seen:?}");
    Ok(())
}

#[tokio::test]
async fn the_registry_refuses_duplicates_and_a_third_active_version() -> anyhow::Result<()> {
    let env = env().await?;
    let first = register(&env, onnx_request("1")).await?;
    let dup = spot_decisions::registry::check(&onnx_request("1"))?;
    match models::insert(&env.db, &dup).await {
        Err(DecisionsError::Conflict { code, .. }) => assert_eq!(code, "duplicate_version"),
        other => anyhow::bail!("expected a conflict, got {other:?}"),
    }
    let second = register(&env, onnx_request("2")).await?;
    models::set_active(&env.db, first, true, Some(2_000)).await?;
    match models::set_active(&env.db, second, true, None).await {
        Err(DecisionsError::Conflict { code, .. }) => assert_eq!(code, "two_models_active"),
        other => anyhow::bail!("expected a conflict, got {other:?}"),
    }
    // Deactivating arm A promotes B; deleting an active model is refused.
    models::set_active(&env.db, BUILTIN, false, None).await?;
    assert_eq!(models::get(&env.db, first).await?.active_slot, Some(1));
    assert!(matches!(models::delete(&env.db, first).await, Err(DecisionsError::Conflict { .. })));
    assert!(models::delete(&env.db, second).await.is_ok());
    assert_eq!(count(&env.db, "SELECT count(*) FROM decisions.models", vec![]).await?, 2);
    Ok(())
}
