-- Notices: every termination notice and rebalance recommendation, its
-- decision, its emergency replica and its timings. Repeats of a notice
-- (v4 re-sends every 5 s / 30 s) hit the unique indexes and add nothing.
CREATE TABLE emergency.notices (
    id                  UUID        PRIMARY KEY,
    client_id           UUID        NOT NULL,
    agent_id            UUID        NOT NULL,
    group_id            UUID,
    instance_id         TEXT        NOT NULL CHECK (instance_id <> ''),
    pool_id             TEXT,
    kind                TEXT        NOT NULL CHECK (kind IN ('termination', 'rebalance')),
    status              TEXT        NOT NULL CHECK (status IN ('detected', 'handling', 'promoting', 'resolved', 'failed')),
    action              TEXT        NOT NULL DEFAULT '',
    policy              TEXT        CHECK (policy IN ('monitor', 'prespin', 'switch')),
    notice_time         TIMESTAMPTZ NOT NULL,
    detected_at         TIMESTAMPTZ,
    received_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    deadline            TIMESTAMPTZ,
    target_mode         TEXT,
    target_pool_id      TEXT,
    risk_score          DOUBLE PRECISION,
    replica_id          UUID,
    replica_instance_id TEXT,
    command_id          UUID,
    decided_at          TIMESTAMPTZ,
    replica_ready_at    TIMESTAMPTZ,
    promoted_at         TIMESTAMPTZ,
    finished_at         TIMESTAMPTZ,
    decision_ms         BIGINT,
    replica_ready_ms    BIGINT,
    promoted_ms         BIGINT,
    deadline_margin_ms  BIGINT,
    deadline_missed     BOOLEAN     NOT NULL DEFAULT false,
    reason              TEXT        NOT NULL DEFAULT '',
    fallback            TEXT        NOT NULL DEFAULT '',
    version             BIGINT      NOT NULL DEFAULT 1,
    CHECK (kind = 'rebalance' OR deadline IS NOT NULL)
);
-- An instance is terminated once: one termination notice per instance.
CREATE UNIQUE INDEX notices_one_termination ON emergency.notices (client_id, instance_id) WHERE kind = 'termination';
-- One open rebalance recommendation per instance.
CREATE UNIQUE INDEX notices_one_open_rebalance ON emergency.notices (client_id, instance_id)
    WHERE kind = 'rebalance' AND status IN ('detected', 'handling', 'promoting');
CREATE INDEX notices_deadline ON emergency.notices (deadline) WHERE status = 'handling' AND kind = 'termination';
CREATE INDEX notices_group_open ON emergency.notices (group_id) WHERE status IN ('handling', 'failed');
CREATE INDEX notices_agent ON emergency.notices (agent_id, received_at DESC);
CREATE INDEX notices_pool_time ON emergency.notices (pool_id, received_at) WHERE kind = 'termination';

-- Measured boot times per pool (emergency replicas, switches, replica reports).
CREATE TABLE emergency.boot_samples (
    sample_key  TEXT             PRIMARY KEY,
    pool_id     TEXT             NOT NULL,
    seconds     DOUBLE PRECISION NOT NULL CHECK (seconds >= 0),
    source      TEXT             NOT NULL,
    observed_at TIMESTAMPTZ      NOT NULL DEFAULT now()
);
CREATE INDEX boot_samples_pool ON emergency.boot_samples (pool_id, observed_at DESC);

-- Newest pool risk from the pricing service's events.
CREATE TABLE emergency.pool_risk (
    pool_id        TEXT             PRIMARY KEY,
    score          DOUBLE PRECISION NOT NULL,
    recommendation TEXT             NOT NULL CHECK (recommendation IN ('safe', 'caution', 'avoid')),
    analyzed_at    TIMESTAMPTZ      NOT NULL
);

-- Rebalance policy per group (absent: prespin when auto_switch is on, else monitor).
CREATE TABLE emergency.group_policies (
    group_id   UUID        PRIMARY KEY,
    client_id  UUID        NOT NULL,
    policy     TEXT        NOT NULL CHECK (policy IN ('monitor', 'prespin', 'switch')),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor      TEXT        NOT NULL
);
