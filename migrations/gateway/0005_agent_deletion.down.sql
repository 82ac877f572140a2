ALTER TABLE gateway.agents
    DROP CONSTRAINT IF EXISTS agents_farewell_after_delete,
    DROP COLUMN IF EXISTS farewell_at,
    DROP COLUMN IF EXISTS deleted_at;
