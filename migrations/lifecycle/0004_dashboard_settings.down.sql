ALTER TABLE lifecycle.groups DROP COLUMN IF EXISTS replica_count;
ALTER TABLE lifecycle.agents DROP COLUMN IF EXISTS operator_enabled;
