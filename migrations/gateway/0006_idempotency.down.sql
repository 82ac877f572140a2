DROP TABLE IF EXISTS gateway.idempotency_keys;
-- The table as 0001 made it.
CREATE TABLE gateway.idempotency_keys (
    tenant_id     UUID        NOT NULL REFERENCES gateway.tenants (id) ON DELETE CASCADE,
    request_id    TEXT        NOT NULL CHECK (length(request_id) BETWEEN 1 AND 200),
    route         TEXT        NOT NULL,
    status_code   SMALLINT    NOT NULL,
    response_body JSONB       NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, request_id)
);
CREATE INDEX idempotency_keys_created ON gateway.idempotency_keys (created_at);
