-- In-app notifications per tenant (docs/NOTIFICATIONS.md). Each row comes
-- from one bus event; (tenant, source event, kind) is unique so a
-- redelivered event never notifies twice.
CREATE TABLE gateway.notifications (
    id              UUID        PRIMARY KEY,
    tenant_id       UUID        NOT NULL REFERENCES gateway.tenants (id) ON DELETE CASCADE,
    kind            TEXT        NOT NULL CHECK (kind IN (
                        'termination_notice', 'failover_done', 'failover_failed', 'deadline_missed',
                        'fell_back_to_on_demand', 'auto_switch_executed', 'agent_offline',
                        'consolidation_failed')),
    severity        TEXT        NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    title           TEXT        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    body            TEXT        NOT NULL CHECK (length(body) <= 4000),
    group_id        UUID,
    agent_id        UUID,
    source_event_id TEXT        NOT NULL CHECK (length(source_event_id) BETWEEN 1 AND 200),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    read_at         TIMESTAMPTZ,
    CHECK (read_at IS NULL OR read_at >= created_at),
    UNIQUE (tenant_id, source_event_id, kind)
);
-- Newest first per tenant (ids are UUIDv7, so id order is creation order).
CREATE INDEX notifications_by_tenant ON gateway.notifications (tenant_id, id DESC);
-- The unread count and the unread filter.
CREATE INDEX notifications_unread ON gateway.notifications (tenant_id, id DESC) WHERE read_at IS NULL;
