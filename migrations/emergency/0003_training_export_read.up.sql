-- The training export is served by the gateway and joins pricing's canonical
-- prices with emergency's notices and lifecycle's switches, replicas and
-- instances (docs/DECISIONS.md, "Training export"). Where each service has its
-- own role (deploy/postgres/roles.sql), this service, owner of its tables,
-- lets the gateway's role read exactly the ones the export needs, nothing
-- else of this schema. Without that role (one role for everything) there is
-- nothing to grant.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'spot_gateway') THEN
    GRANT USAGE ON SCHEMA __SCHEMA__ TO spot_gateway;
    GRANT SELECT ON __SCHEMA__.notices TO spot_gateway;
  END IF;
END
$$;
