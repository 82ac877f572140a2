ALTER TABLE lifecycle.agents DROP COLUMN IF EXISTS deleted_at;
ALTER TABLE lifecycle.replicas DROP CONSTRAINT IF EXISTS replicas_kept_is_manual;
DROP INDEX IF EXISTS lifecycle.replicas_one_kept_per_group;
ALTER TABLE lifecycle.replicas DROP COLUMN IF EXISTS kept;
