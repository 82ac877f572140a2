-- Commands that expire and commands that are superseded (docs/EMERGENCY.md,
-- "Commands that expire"). A command whose deadline passed is `expired` and
-- never handed out again; a newer emergency command of the group expires the
-- older open switch commands and names itself in `superseded_by`.
ALTER TABLE lifecycle.commands
    ADD COLUMN superseded_by UUID,
    ADD COLUMN expired_at    TIMESTAMPTZ;
UPDATE lifecycle.commands SET expired_at = COALESCE(completed_at, now()) WHERE status = 'expired';
ALTER TABLE lifecycle.commands
    ADD CONSTRAINT commands_superseded_is_expired CHECK (superseded_by IS NULL OR status = 'expired'),
    ADD CONSTRAINT commands_expired_has_time CHECK ((status = 'expired') = (expired_at IS NOT NULL));
-- The expiry sweep reads only open commands with a deadline.
CREATE INDEX commands_open_deadline ON lifecycle.commands (deadline)
    WHERE status IN ('pending', 'delivered') AND deadline IS NOT NULL;
-- Superseding looks up a group's open switch commands.
CREATE INDEX commands_open_by_group ON lifecycle.commands (group_id)
    WHERE status IN ('pending', 'delivered') AND command_type = 'SWITCH';
