ALTER TABLE lifecycle.groups DROP COLUMN availability_target_percent;
