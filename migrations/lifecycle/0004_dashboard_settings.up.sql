-- The operators' dashboard (docs/CLIENT_DASHBOARD.md).
-- operator_enabled: the operator's switch on one agent process. GET /config
-- answers true only for the group's PRIMARY *and* while this is true, so
-- turning it off makes a v4 agent passive within one config poll.
ALTER TABLE lifecycle.agents ADD COLUMN operator_enabled BOOLEAN NOT NULL DEFAULT true;
-- replica_count: how many standbys the operator asks for (0-5). A setting of
-- the group, kept apart from the replicas that actually run.
ALTER TABLE lifecycle.groups
    ADD COLUMN replica_count INTEGER NOT NULL DEFAULT 0 CHECK (replica_count BETWEEN 0 AND 5);
