-- Emergency's own view of lifecycle's groups, built from lifecycle events
-- (agent_registered, role_changed, replica_changed), so a notice is decided
-- without asking lifecycle what it already told us (docs/EMERGENCY.md).
CREATE TABLE emergency.group_agents (
    agent_id      UUID        PRIMARY KEY,
    client_id     UUID        NOT NULL,
    group_id      UUID        NOT NULL,
    instance_id   TEXT        NOT NULL,
    pool_id       TEXT,
    typed         BOOLEAN     NOT NULL DEFAULT false,
    registered_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX group_agents_group ON emergency.group_agents (group_id);

CREATE TABLE emergency.group_instances (
    group_id    UUID        NOT NULL,
    instance_id TEXT        NOT NULL,
    role        TEXT        NOT NULL CHECK (role IN ('PRIMARY', 'REPLICA', 'ZOMBIE', 'TERMINATED')),
    changed_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, instance_id)
);

CREATE TABLE emergency.group_replicas (
    replica_id  UUID        PRIMARY KEY,
    group_id    UUID        NOT NULL,
    instance_id TEXT,
    pool_id     TEXT,
    status      TEXT        NOT NULL,
    changed_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX group_replicas_ready ON emergency.group_replicas (group_id) WHERE status = 'ready';

-- The notice's timeline: where it is in the fallback chain.
ALTER TABLE emergency.notices
    ADD COLUMN az                   TEXT,
    ADD COLUMN typed                BOOLEAN     NOT NULL DEFAULT false,
    -- termination_time exactly as the agent sent it.
    ADD COLUMN termination_time_raw TEXT,
    -- When the current placement step must have produced a running
    -- replacement; NULL once the chain has nothing left to try.
    ADD COLUMN step_deadline        TIMESTAMPTZ,
    ADD COLUMN tried_pools          TEXT[]      NOT NULL DEFAULT '{}';
CREATE INDEX notices_az_time ON emergency.notices (az, received_at) WHERE kind = 'termination';
CREATE INDEX notices_step_due ON emergency.notices (step_deadline)
    WHERE kind = 'termination' AND status IN ('handling', 'failed') AND step_deadline IS NOT NULL;

-- Every placement step of a notice (first choice, escalation, fallbacks).
CREATE TABLE emergency.notice_steps (
    notice_id      UUID        NOT NULL REFERENCES emergency.notices (id) ON DELETE CASCADE,
    seq            INTEGER     NOT NULL CHECK (seq >= 1),
    at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    step           TEXT        NOT NULL,
    target_mode    TEXT        CHECK (target_mode IN ('spot', 'ondemand')),
    target_pool_id TEXT,
    command_id     UUID,
    reason         TEXT        NOT NULL DEFAULT '',
    PRIMARY KEY (notice_id, seq)
);

-- Groups that fell back to on-demand and should return to spot.
CREATE TABLE emergency.return_to_spot (
    group_id    UUID        PRIMARY KEY,
    client_id   UUID        NOT NULL,
    agent_id    UUID        NOT NULL,
    notice_id   UUID        NOT NULL,
    instance_id TEXT        NOT NULL,
    reason      TEXT        NOT NULL,
    marked_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Notices already waiting keep their deadline as the current step's.
UPDATE emergency.notices SET step_deadline = deadline WHERE kind = 'termination' AND status = 'handling';
