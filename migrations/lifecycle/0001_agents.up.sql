-- One row per agent process (a registration). A reinstall or a new instance
-- registers again and gets a new agent_id; history stays with the old id.
CREATE TABLE lifecycle.agents (
    agent_id            UUID        PRIMARY KEY,
    client_id           UUID        NOT NULL,
    logical_agent_id    TEXT        NOT NULL CHECK (length(logical_agent_id) BETWEEN 1 AND 255),
    instance_id         TEXT        NOT NULL,
    instance_type       TEXT        NOT NULL DEFAULT '',
    region              TEXT        NOT NULL DEFAULT '',
    az                  TEXT        NOT NULL DEFAULT '',
    ami_id              TEXT        NOT NULL DEFAULT '',
    mode                TEXT        NOT NULL CHECK (mode IN ('spot', 'ondemand')),
    hostname            TEXT        NOT NULL DEFAULT '',
    agent_version       TEXT        NOT NULL DEFAULT '',
    private_ip          TEXT,
    public_ip           TEXT,
    -- Connectivity as we see it: a missed heartbeat makes an agent offline, never terminated.
    status              TEXT        NOT NULL DEFAULT 'online' CHECK (status IN ('online', 'offline')),
    -- Last status the agent itself reported (online, disabled, offline).
    reported_status     TEXT        CHECK (reported_status IN ('online', 'disabled', 'offline')),
    enabled             BOOLEAN     NOT NULL DEFAULT true,
    last_heartbeat_at   TIMESTAMPTZ,
    -- Stream sequence of the newest applied heartbeat; breaks timestamp ties.
    last_heartbeat_seq  BIGINT      NOT NULL DEFAULT 0,
    heartbeat_count     BIGINT      NOT NULL DEFAULT 0 CHECK (heartbeat_count >= 0),
    monitored_instances TEXT[]      NOT NULL DEFAULT '{}',
    registered_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    version             BIGINT      NOT NULL DEFAULT 1
);
CREATE INDEX agents_by_group ON lifecycle.agents (client_id, logical_agent_id, registered_at DESC);
CREATE INDEX agents_online_by_heartbeat ON lifecycle.agents (last_heartbeat_at) WHERE status = 'online';
