-- Operators' API (docs/OPERATORS_API.md): tenants can be deleted (kept as a
-- tombstone so their audit trail and ids stay meaningful), tokens have names,
-- a last-used time and the X-Request-ID that created them (idempotent create).
ALTER TABLE gateway.tenants DROP CONSTRAINT tenants_status_check;
ALTER TABLE gateway.tenants
    ADD CONSTRAINT tenants_status_check CHECK (status IN ('active', 'suspended', 'deleted')),
    ADD COLUMN status_changed_at TIMESTAMPTZ,
    ADD COLUMN deleted_at TIMESTAMPTZ,
    ADD CONSTRAINT tenants_deleted_has_time CHECK ((status = 'deleted') = (deleted_at IS NOT NULL));
CREATE INDEX tenants_name_lower ON gateway.tenants (lower(name));

ALTER TABLE gateway.api_tokens
    ADD COLUMN name TEXT NOT NULL DEFAULT 'default' CHECK (length(name) BETWEEN 1 AND 100),
    ADD COLUMN last_used_at TIMESTAMPTZ,
    ADD COLUMN request_id TEXT CHECK (length(request_id) BETWEEN 1 AND 200),
    ADD COLUMN request_hash BYTEA CHECK (request_hash IS NULL OR length(request_hash) = 32),
    ADD CONSTRAINT api_tokens_request_has_hash CHECK ((request_id IS NULL) = (request_hash IS NULL));
-- A name names one live token of a tenant (a regenerated token keeps it).
CREATE UNIQUE INDEX api_tokens_live_name ON gateway.api_tokens (tenant_id, name) WHERE revoked_at IS NULL;
-- A retried create (same X-Request-ID) finds the token it made.
CREATE UNIQUE INDEX api_tokens_request ON gateway.api_tokens (tenant_id, request_id) WHERE request_id IS NOT NULL;
