DROP TABLE IF EXISTS decisions.group_events;
DROP TABLE IF EXISTS decisions.price_points;
DROP TABLE IF EXISTS decisions.pools;
DROP TABLE IF EXISTS decisions.agents;
DROP TABLE IF EXISTS decisions.groups;
DROP TABLE IF EXISTS decisions.rejected_outputs;
DROP TABLE IF EXISTS decisions.decisions;
DROP TABLE IF EXISTS decisions.models;
