DROP INDEX IF EXISTS lifecycle.commands_open_by_group;
DROP INDEX IF EXISTS lifecycle.commands_open_deadline;
ALTER TABLE lifecycle.commands
    DROP CONSTRAINT IF EXISTS commands_expired_has_time,
    DROP CONSTRAINT IF EXISTS commands_superseded_is_expired,
    DROP COLUMN IF EXISTS expired_at,
    DROP COLUMN IF EXISTS superseded_by;
