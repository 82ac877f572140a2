DROP TABLE IF EXISTS emergency.group_policies;
DROP TABLE IF EXISTS emergency.pool_risk;
DROP TABLE IF EXISTS emergency.boot_samples;
DROP TABLE IF EXISTS emergency.notices;
