-- Model registry. A (name, version) is registered once. At most two versions
-- are active at a time: slot 1 is arm A, slot 2 is arm B and receives
-- `ab_share_bp` basis points of the groups (stable hash of the group id).
CREATE TABLE decisions.models (
    id                   UUID             PRIMARY KEY,
    name                 TEXT             NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
    version              TEXT             NOT NULL CHECK (version ~ '^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$'),
    kind                 TEXT             NOT NULL CHECK (kind IN ('builtin', 'onnx', 'external')),
    description          TEXT             NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    policy               TEXT,
    onnx                 BYTEA,
    onnx_sha256          TEXT,
    endpoint             TEXT,
    deadline_ms          INTEGER          CHECK (deadline_ms BETWEEN 1 AND 60000),
    confidence_threshold DOUBLE PRECISION NOT NULL DEFAULT 0.5 CHECK (confidence_threshold BETWEEN 0 AND 1),
    active_slot          SMALLINT         CHECK (active_slot IN (1, 2)),
    ab_share_bp          INTEGER          NOT NULL DEFAULT 0 CHECK (ab_share_bp BETWEEN 0 AND 10000),
    activated_at         TIMESTAMPTZ,
    created_by           TEXT             NOT NULL DEFAULT 'system',
    created_at           TIMESTAMPTZ      NOT NULL DEFAULT now(),
    row_version          BIGINT           NOT NULL DEFAULT 1,
    UNIQUE (name, version),
    CONSTRAINT models_builtin_has_policy CHECK ((kind = 'builtin') = (policy IS NOT NULL)),
    CONSTRAINT models_onnx_has_file CHECK ((kind = 'onnx') = (onnx IS NOT NULL)),
    CONSTRAINT models_external_has_endpoint CHECK ((kind = 'external') = (endpoint IS NOT NULL))
);
CREATE UNIQUE INDEX models_one_per_slot ON decisions.models (active_slot) WHERE active_slot IS NOT NULL;

-- The built-in risk-aware policy is registered and active from the start.
INSERT INTO decisions.models (id, name, version, kind, description, policy, confidence_threshold, active_slot, activated_at)
VALUES ('00000000-0000-7000-8000-000000000001', 'risk_aware', '1', 'builtin',
        'Built-in expected-cost policy with the group''s availability target', 'risk_aware', 0.5, 1, now());

-- Decision log: every decision, acted on or not. `evaluation_key` makes one
-- decision per group per scheduled evaluation, whichever replica or restart
-- gets there first.
CREATE TABLE decisions.decisions (
    id                       UUID             PRIMARY KEY,
    evaluation_key           TEXT             NOT NULL UNIQUE,
    client_id                UUID             NOT NULL,
    group_id                 UUID             NOT NULL,
    agent_id                 UUID,
    trigger                  TEXT             NOT NULL CHECK (trigger IN ('timer', 'price', 'risk', 'return_to_spot', 'settings')),
    model_id                 UUID,
    model_name               TEXT             NOT NULL,
    model_version            TEXT             NOT NULL,
    arm                      TEXT             NOT NULL CHECK (arm IN ('a', 'b')),
    fallback_reason          TEXT,
    input_digest             TEXT             NOT NULL,
    input_summary            JSONB            NOT NULL,
    action                   TEXT             NOT NULL CHECK (action IN ('STAY', 'SWITCH', 'CREATE_REPLICA', 'NO_ACTION')),
    target_mode              TEXT             CHECK (target_mode IN ('spot', 'ondemand')),
    target_pool_id           TEXT,
    confidence               DOUBLE PRECISION NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    reasoning                TEXT             NOT NULL,
    expected_saving_per_hour DOUBLE PRECISION NOT NULL,
    guardrails               JSONB            NOT NULL DEFAULT '[]',
    blocked                  BOOLEAN          NOT NULL DEFAULT false,
    from_mode                TEXT,
    from_pool_id             TEXT,
    -- queueing (decided, command not yet confirmed by lifecycle) -> queued |
    -- refused; queued -> succeeded | failed. NULL when nothing was to be done.
    command_status           TEXT             CHECK (command_status IN ('queueing', 'queued', 'refused', 'succeeded', 'failed')),
    command_id               UUID,
    execution_message        TEXT,
    executed_at              TIMESTAMPTZ,
    realised_savings         DOUBLE PRECISION,
    realised_hours           DOUBLE PRECISION,
    realised_updated_at      TIMESTAMPTZ,
    interruptions_after      INTEGER          NOT NULL DEFAULT 0,
    decided_at               TIMESTAMPTZ      NOT NULL DEFAULT now(),
    CONSTRAINT decisions_command_only_when_acting CHECK (command_status IS NULL OR action IN ('SWITCH', 'CREATE_REPLICA')),
    CONSTRAINT decisions_blocked_never_acts CHECK (NOT (blocked AND command_status IS NOT NULL))
);
CREATE INDEX decisions_by_group ON decisions.decisions (group_id, decided_at DESC);
CREATE INDEX decisions_by_client ON decisions.decisions (client_id, id DESC);
CREATE INDEX decisions_by_model ON decisions.decisions (model_name, model_version, arm);
CREATE INDEX decisions_open_commands ON decisions.decisions (decided_at) WHERE command_status IN ('queueing', 'queued');
CREATE INDEX decisions_realising ON decisions.decisions (executed_at) WHERE command_status = 'succeeded';

-- Answers of a model that failed validation (or never came: error, timeout).
CREATE TABLE decisions.rejected_outputs (
    id            UUID        PRIMARY KEY,
    decision_id   UUID        NOT NULL,
    client_id     UUID        NOT NULL,
    group_id      UUID        NOT NULL,
    model_id      UUID,
    model_name    TEXT        NOT NULL,
    model_version TEXT        NOT NULL,
    code          TEXT        NOT NULL,
    reason        TEXT        NOT NULL,
    raw_output    JSONB,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX rejected_by_client ON decisions.rejected_outputs (client_id, id DESC);

-- Projections of other services' events (never their tables).
-- Groups: settings from lifecycle group_settings_changed, the PRIMARY from
-- agent_registered / switch_completed, failovers from emergency.
CREATE TABLE decisions.groups (
    group_id                    UUID             PRIMARY KEY,
    client_id                   UUID             NOT NULL,
    logical_agent_id            TEXT             NOT NULL DEFAULT '',
    auto_switch                 BOOLEAN          NOT NULL DEFAULT false,
    manual_replica              BOOLEAN          NOT NULL DEFAULT false,
    auto_terminate              BOOLEAN          NOT NULL DEFAULT false,
    min_savings_percent         DOUBLE PRECISION NOT NULL DEFAULT 10,
    max_switches_per_week       INTEGER          NOT NULL DEFAULT 10,
    min_pool_duration_hours     INTEGER          NOT NULL DEFAULT 2,
    availability_target_percent DOUBLE PRECISION NOT NULL DEFAULT 99.9,
    settings_version            BIGINT           NOT NULL DEFAULT -1,
    primary_agent_id            UUID,
    primary_instance_id         TEXT,
    instance_type               TEXT,
    region                      TEXT,
    az                          TEXT,
    mode                        TEXT,
    pool_id                     TEXT,
    primary_since               TIMESTAMPTZ,
    pool_since                  TIMESTAMPTZ,
    last_failover_at            TIMESTAMPTZ,
    return_to_spot              BOOLEAN          NOT NULL DEFAULT false,
    -- Next evaluation; events pull it forward. Part of the evaluation key.
    next_eval_at                TIMESTAMPTZ      NOT NULL DEFAULT now(),
    next_trigger                TEXT             NOT NULL DEFAULT 'timer',
    updated_at                  TIMESTAMPTZ      NOT NULL DEFAULT now()
);
CREATE INDEX groups_due ON decisions.groups (next_eval_at) WHERE auto_switch;
CREATE INDEX groups_by_type ON decisions.groups (instance_type) WHERE auto_switch;

-- Agent -> group, for events that name only the agent.
CREATE TABLE decisions.agents (
    agent_id    UUID PRIMARY KEY,
    group_id    UUID NOT NULL,
    instance_id TEXT NOT NULL DEFAULT ''
);

-- Pools: on-demand price from agents' pricing reports, risk from pricing.
CREATE TABLE decisions.pools (
    pool_id          TEXT             PRIMARY KEY,
    instance_type    TEXT             NOT NULL,
    az               TEXT             NOT NULL,
    on_demand_price  DOUBLE PRECISION CHECK (on_demand_price > 0),
    risk             TEXT             NOT NULL DEFAULT 'unknown',
    risk_score       DOUBLE PRECISION,
    interruptions_30d INTEGER         NOT NULL DEFAULT 0,
    risk_at          TIMESTAMPTZ,
    synced_until     TIMESTAMPTZ,
    updated_at       TIMESTAMPTZ      NOT NULL DEFAULT now()
);
CREATE INDEX pools_by_type ON decisions.pools (instance_type);

-- Consolidated price points copied from pricing's gRPC after each
-- consolidation (7 days kept), for model inputs and realised savings.
CREATE TABLE decisions.price_points (
    pool_id      TEXT             NOT NULL,
    bucket_start TIMESTAMPTZ      NOT NULL,
    price        DOUBLE PRECISION NOT NULL CHECK (price > 0),
    source       TEXT             NOT NULL CHECK (source IN ('agent', 'interpolated', 'backfilled')),
    PRIMARY KEY (pool_id, bucket_start)
);

-- Switches and notices per group (7-day guardrail counts, cool-downs).
CREATE TABLE decisions.group_events (
    event_key  TEXT        PRIMARY KEY,
    group_id   UUID        NOT NULL,
    kind       TEXT        NOT NULL CHECK (kind IN ('switch', 'notice')),
    pool_id    TEXT,
    open       BOOLEAN     NOT NULL DEFAULT false,
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX group_events_recent ON decisions.group_events (group_id, kind, at DESC);
