DROP TABLE IF EXISTS emergency.return_to_spot;
DROP TABLE IF EXISTS emergency.notice_steps;
DROP INDEX IF EXISTS emergency.notices_step_due;
DROP INDEX IF EXISTS emergency.notices_az_time;
ALTER TABLE emergency.notices
    DROP COLUMN IF EXISTS tried_pools,
    DROP COLUMN IF EXISTS step_deadline,
    DROP COLUMN IF EXISTS termination_time_raw,
    DROP COLUMN IF EXISTS typed,
    DROP COLUMN IF EXISTS az;
DROP TABLE IF EXISTS emergency.group_replicas;
DROP TABLE IF EXISTS emergency.group_instances;
DROP TABLE IF EXISTS emergency.group_agents;
