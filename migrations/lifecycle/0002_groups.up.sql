-- A group is (tenant, logical_agent_id): exactly one PRIMARY instance, its
-- replicas, and its settings. Transitions lock the group row (FOR UPDATE) and
-- bump `version`; callers may pass an expected version (optimistic check).
CREATE TABLE lifecycle.groups (
    id                      UUID             PRIMARY KEY,
    client_id               UUID             NOT NULL,
    logical_agent_id        TEXT             NOT NULL CHECK (length(logical_agent_id) BETWEEN 1 AND 255),
    auto_switch             BOOLEAN          NOT NULL DEFAULT false,
    manual_replica          BOOLEAN          NOT NULL DEFAULT false,
    auto_terminate          BOOLEAN          NOT NULL DEFAULT false,
    terminate_wait_seconds  INTEGER          NOT NULL DEFAULT 300 CHECK (terminate_wait_seconds BETWEEN 0 AND 86400),
    min_savings_percent     DOUBLE PRECISION NOT NULL DEFAULT 10 CHECK (min_savings_percent BETWEEN 0 AND 100),
    max_switches_per_week   INTEGER          NOT NULL DEFAULT 10 CHECK (max_switches_per_week BETWEEN 0 AND 1000),
    min_pool_duration_hours INTEGER          NOT NULL DEFAULT 2 CHECK (min_pool_duration_hours BETWEEN 0 AND 720),
    version                 BIGINT           NOT NULL DEFAULT 0,
    created_at              TIMESTAMPTZ      NOT NULL DEFAULT now(),
    updated_at              TIMESTAMPTZ      NOT NULL DEFAULT now(),
    UNIQUE (client_id, logical_agent_id),
    -- Invariant 3: the two modes are mutually exclusive.
    CONSTRAINT groups_auto_switch_xor_manual_replica CHECK (NOT (auto_switch AND manual_replica))
);

-- Instances of a group with their role. Invariant 1 lives in the partial
-- unique index: at most one PRIMARY per group, whatever the code does.
CREATE TABLE lifecycle.instances (
    id              UUID        PRIMARY KEY,
    group_id        UUID        NOT NULL REFERENCES lifecycle.groups (id) ON DELETE CASCADE,
    instance_id     TEXT        NOT NULL,
    role            TEXT        NOT NULL CHECK (role IN ('PRIMARY', 'REPLICA', 'ZOMBIE', 'TERMINATED')),
    instance_type   TEXT        NOT NULL DEFAULT '',
    region          TEXT        NOT NULL DEFAULT '',
    az              TEXT        NOT NULL DEFAULT '',
    ami_id          TEXT        NOT NULL DEFAULT '',
    mode            TEXT        NOT NULL DEFAULT 'spot' CHECK (mode IN ('spot', 'ondemand')),
    pool_id         TEXT,
    -- Live in our records but missing from the PRIMARY agent's monitored list.
    missing_since   TIMESTAMPTZ,
    version         BIGINT      NOT NULL DEFAULT 1,
    role_changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (group_id, instance_id)
);
CREATE UNIQUE INDEX instances_one_primary_per_group ON lifecycle.instances (group_id) WHERE role = 'PRIMARY';
CREATE INDEX instances_zombies ON lifecycle.instances (role_changed_at) WHERE role = 'ZOMBIE';

ALTER TABLE lifecycle.agents
    ADD COLUMN group_id UUID REFERENCES lifecycle.groups (id),
    ADD COLUMN capabilities TEXT[] NOT NULL DEFAULT '{}';
CREATE INDEX agents_by_group_id ON lifecycle.agents (group_id, registered_at DESC);

CREATE TABLE lifecycle.replicas (
    id                 UUID             PRIMARY KEY,
    group_id           UUID             NOT NULL REFERENCES lifecycle.groups (id) ON DELETE CASCADE,
    agent_id           UUID             NOT NULL,
    instance_id        TEXT,
    parent_instance_id TEXT,
    replica_type       TEXT             NOT NULL CHECK (replica_type IN ('manual', 'emergency', 'prespin')),
    pool_id            TEXT,
    status             TEXT             NOT NULL CHECK (status IN ('launching', 'syncing', 'ready', 'promoted', 'failed', 'terminated')),
    request_id         TEXT,
    launched_at        TIMESTAMPTZ      NOT NULL DEFAULT now(),
    ready_at           TIMESTAMPTZ,
    boot_seconds       DOUBLE PRECISION CHECK (boot_seconds >= 0),
    version            BIGINT           NOT NULL DEFAULT 1,
    created_at         TIMESTAMPTZ      NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ      NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX replicas_one_per_instance ON lifecycle.replicas (group_id, instance_id) WHERE instance_id IS NOT NULL;
CREATE UNIQUE INDEX replicas_request ON lifecycle.replicas (group_id, request_id) WHERE request_id IS NOT NULL;

-- Command queue. Invariant 6: priority 100 (emergency) is served first;
-- invariant 9: a request id is unique per tenant.
CREATE TABLE lifecycle.commands (
    id             UUID        PRIMARY KEY,
    client_id      UUID        NOT NULL,
    group_id       UUID        NOT NULL REFERENCES lifecycle.groups (id) ON DELETE CASCADE,
    agent_id       UUID        NOT NULL,
    command_type   TEXT        NOT NULL CHECK (command_type IN ('SWITCH', 'CREATE_REPLICA', 'PROMOTE_REPLICA', 'TERMINATE_INSTANCE', 'CLEANUP')),
    priority       INTEGER     NOT NULL CHECK (priority IN (100, 75, 50, 25, 10)),
    target_mode    TEXT        CHECK (target_mode IN ('spot', 'ondemand')),
    target_pool_id TEXT,
    request_id     TEXT        NOT NULL CHECK (length(request_id) BETWEEN 1 AND 200),
    status         TEXT        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'succeeded', 'failed', 'expired')),
    actor          TEXT        NOT NULL,
    pre_state      JSONB,
    post_state     JSONB,
    deadline       TIMESTAMPTZ,
    result_message TEXT,
    version        BIGINT      NOT NULL DEFAULT 1,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at   TIMESTAMPTZ,
    completed_at   TIMESTAMPTZ,
    UNIQUE (client_id, request_id)
);
CREATE INDEX commands_open_by_agent ON lifecycle.commands (agent_id, priority DESC, created_at)
    WHERE status IN ('pending', 'delivered');

CREATE TABLE lifecycle.switches (
    id                         UUID             PRIMARY KEY,
    client_id                  UUID             NOT NULL,
    group_id                   UUID             NOT NULL REFERENCES lifecycle.groups (id) ON DELETE CASCADE,
    agent_id                   UUID             NOT NULL,
    command_id                 UUID,
    old_instance_id            TEXT             NOT NULL,
    new_instance_id            TEXT             NOT NULL,
    old_pool_id                TEXT,
    new_pool_id                TEXT,
    old_mode                   TEXT,
    new_mode                   TEXT,
    old_az                     TEXT,
    new_az                     TEXT,
    instance_type              TEXT,
    region                     TEXT,
    new_ami_id                 TEXT,
    snapshot_used              BOOLEAN          NOT NULL DEFAULT false,
    snapshot_ami_id            TEXT,
    snapshot_ami_name          TEXT,
    on_demand_price            DOUBLE PRECISION,
    old_spot_price             DOUBLE PRECISION,
    new_spot_price             DOUBLE PRECISION,
    switch_initiated_at        TIMESTAMPTZ,
    snapshot_created_at        TIMESTAMPTZ,
    ami_created_at             TIMESTAMPTZ,
    new_instance_launched_at   TIMESTAMPTZ,
    new_instance_ready_at      TIMESTAMPTZ,
    traffic_switched_at        TIMESTAMPTZ,
    old_instance_terminated_at TIMESTAMPTZ,
    downtime_seconds           DOUBLE PRECISION CHECK (downtime_seconds >= 0),
    total_seconds              DOUBLE PRECISION,
    trigger                    TEXT             NOT NULL CHECK (trigger IN ('manual', 'model', 'emergency', 'scheduled')),
    actor                      TEXT,
    request_id                 TEXT,
    old_role_after             TEXT             NOT NULL,
    created_at                 TIMESTAMPTZ      NOT NULL DEFAULT now(),
    UNIQUE (group_id, old_instance_id, new_instance_id)
);
CREATE INDEX switches_by_client ON lifecycle.switches (client_id, created_at DESC);

CREATE TABLE lifecycle.cleanup_logs (
    id                UUID        PRIMARY KEY,
    client_id         UUID        NOT NULL,
    agent_id          UUID        NOT NULL,
    reported_at       TIMESTAMPTZ,
    snapshots         JSONB       NOT NULL,
    amis              JSONB       NOT NULL,
    deleted_snapshots INTEGER     NOT NULL DEFAULT 0,
    deleted_amis      INTEGER     NOT NULL DEFAULT 0,
    failed            INTEGER     NOT NULL DEFAULT 0,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX cleanup_logs_by_agent ON lifecycle.cleanup_logs (agent_id, created_at DESC);

CREATE TABLE lifecycle.agent_health_metrics (
    agent_id             UUID             NOT NULL,
    recorded_at          TIMESTAMPTZ      NOT NULL,
    cpu_usage            DOUBLE PRECISION,
    memory_usage         DOUBLE PRECISION,
    heartbeat_latency_ms DOUBLE PRECISION,
    error_count          BIGINT,
    PRIMARY KEY (agent_id, recorded_at)
);

-- Inventory reconciliation: instances a group's PRIMARY agent monitors that
-- we never registered or heard of in a report.
CREATE TABLE lifecycle.unknown_instances (
    group_id    UUID        NOT NULL REFERENCES lifecycle.groups (id) ON DELETE CASCADE,
    instance_id TEXT        NOT NULL,
    reported_by UUID        NOT NULL,
    first_seen  TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, instance_id)
);

-- Invariant 8: every transition is an audit row.
CREATE TABLE lifecycle.lifecycle_events (
    id         UUID        PRIMARY KEY,
    client_id  UUID        NOT NULL,
    group_id   UUID,
    agent_id   UUID,
    event_type TEXT        NOT NULL,
    pre_state  JSONB,
    post_state JSONB,
    actor      TEXT        NOT NULL,
    request_id TEXT,
    trace_id   TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX lifecycle_events_by_group ON lifecycle.lifecycle_events (group_id, created_at DESC);
