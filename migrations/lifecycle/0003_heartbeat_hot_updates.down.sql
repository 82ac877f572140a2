ALTER TABLE lifecycle.agents RESET (fillfactor);
CREATE INDEX IF NOT EXISTS agents_online_by_heartbeat ON lifecycle.agents (last_heartbeat_at) WHERE status = 'online';
