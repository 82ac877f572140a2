-- Tenants (clients) of the control plane.
CREATE TABLE gateway.tenants (
    id         UUID        PRIMARY KEY,
    name       TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email      TEXT        NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
    status     TEXT        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- API tokens, stored only as SHA-256 of the token (tokens carry 256 random
-- bits, so a fast hash is enough: there is nothing to brute-force).
CREATE TABLE gateway.api_tokens (
    id           UUID        PRIMARY KEY,
    tenant_id    UUID        NOT NULL REFERENCES gateway.tenants (id) ON DELETE CASCADE,
    token_hash   BYTEA       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    token_prefix TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_by_tenant ON gateway.api_tokens (tenant_id);

-- Which tenant owns which agent: every agent call is checked against it.
CREATE TABLE gateway.agents (
    agent_id         UUID        PRIMARY KEY,
    tenant_id        UUID        NOT NULL REFERENCES gateway.tenants (id) ON DELETE CASCADE,
    logical_agent_id TEXT        NOT NULL,
    registered_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX agents_by_tenant ON gateway.agents (tenant_id);

-- Idempotency keys (X-Request-ID) with the first answer, replayed on retry.
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
