-- Heartbeats rewrite an agent row several times a minute. With no index on
-- the columns they change and free room on each page, Postgres updates the
-- row in place (a HOT update): no index entries, far less bloat and WAL.
-- The offline sweep filters on COALESCE(last_heartbeat_at, registered_at),
-- which this index never served.
DROP INDEX IF EXISTS lifecycle.agents_online_by_heartbeat;
ALTER TABLE lifecycle.agents SET (fillfactor = 70);
