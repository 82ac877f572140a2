DROP TABLE IF EXISTS lifecycle.agents;
