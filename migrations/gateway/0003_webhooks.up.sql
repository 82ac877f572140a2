-- Webhooks per tenant and their deliveries (docs/NOTIFICATIONS.md).
-- The secret is kept as given: signing (HMAC-SHA256) needs it; it is shown
-- to the caller once, when the webhook is created, and never listed.
CREATE TABLE gateway.webhooks (
    id           UUID        PRIMARY KEY,
    tenant_id    UUID        NOT NULL REFERENCES gateway.tenants (id) ON DELETE CASCADE,
    url          TEXT        NOT NULL CHECK (url ~* '^https?://' AND length(url) <= 2048),
    kinds        TEXT[]      NOT NULL CHECK (cardinality(kinds) >= 1 AND kinds <@ ARRAY[
                     'termination_notice', 'failover_done', 'failover_failed', 'deadline_missed',
                     'fell_back_to_on_demand', 'auto_switch_executed', 'agent_offline',
                     'consolidation_failed']::TEXT[]),
    secret       TEXT        NOT NULL CHECK (length(secret) BETWEEN 16 AND 200),
    -- X-Request-ID of the creating request: a retry returns the same webhook.
    request_id   TEXT        CHECK (length(request_id) BETWEEN 1 AND 200),
    request_hash BYTEA,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, request_id)
);
CREATE INDEX webhooks_by_tenant ON gateway.webhooks (tenant_id, id);

-- One row per (webhook, notification): written in the same transaction as
-- the notification (an outbox), so an accepted event is never lost; the
-- worker sends pending rows and records each attempt's result here.
-- `id` travels as the X-Spot-Delivery header (receivers dedupe on it).
CREATE TABLE gateway.webhook_deliveries (
    id               UUID        PRIMARY KEY,
    webhook_id       UUID        NOT NULL REFERENCES gateway.webhooks (id) ON DELETE CASCADE,
    tenant_id        UUID        NOT NULL REFERENCES gateway.tenants (id) ON DELETE CASCADE,
    notification_id  UUID        NOT NULL REFERENCES gateway.notifications (id) ON DELETE CASCADE,
    kind             TEXT        NOT NULL,
    -- The exact bytes sent (and signed) on every attempt.
    payload          TEXT        NOT NULL,
    status           TEXT        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts         INTEGER     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_attempt_at  TIMESTAMPTZ,
    last_status_code INTEGER,
    last_error       TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at     TIMESTAMPTZ,
    CHECK ((status = 'delivered') = (delivered_at IS NOT NULL)),
    CHECK (status = 'pending' OR attempts >= 1),
    UNIQUE (webhook_id, notification_id)
);
-- The worker's queue: due pending rows.
CREATE INDEX webhook_deliveries_due ON gateway.webhook_deliveries (next_attempt_at) WHERE status = 'pending';
-- The delivery log of a webhook, newest first.
CREATE INDEX webhook_deliveries_by_webhook ON gateway.webhook_deliveries (webhook_id, id DESC);
