DROP INDEX IF EXISTS gateway.api_tokens_request;
DROP INDEX IF EXISTS gateway.api_tokens_live_name;
ALTER TABLE gateway.api_tokens
    DROP CONSTRAINT IF EXISTS api_tokens_request_has_hash,
    DROP COLUMN IF EXISTS request_hash,
    DROP COLUMN IF EXISTS request_id,
    DROP COLUMN IF EXISTS last_used_at,
    DROP COLUMN IF EXISTS name;
DROP INDEX IF EXISTS gateway.tenants_name_lower;
DELETE FROM gateway.tenants WHERE status = 'deleted';
ALTER TABLE gateway.tenants
    DROP CONSTRAINT IF EXISTS tenants_deleted_has_time,
    DROP COLUMN IF EXISTS deleted_at,
    DROP COLUMN IF EXISTS status_changed_at,
    DROP CONSTRAINT tenants_status_check;
ALTER TABLE gateway.tenants ADD CONSTRAINT tenants_status_check CHECK (status IN ('active', 'suspended'));
