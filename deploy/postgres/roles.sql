-- One login role per service, each owning its own schema and nothing else
-- (docs/DEPLOYMENT.md, "Database roles"). Run once per database, as its
-- owner, before the services first start:
--   psql "postgres://admin@host/spot" -f deploy/postgres/roles.sql
-- then give each role its password (ALTER ROLE spot_gateway PASSWORD '...')
-- and put its URL in the service's Secret key (deploy/k8s/secret.yaml).
-- Idempotent: running it again changes nothing.
DO $$
DECLARE
  svc text;
BEGIN
  FOREACH svc IN ARRAY ARRAY['gateway', 'lifecycle', 'emergency', 'pricing', 'decisions'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'spot_' || svc) THEN
      EXECUTE format('CREATE ROLE %I LOGIN', 'spot_' || svc);
    END IF;
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', svc, 'spot_' || svc);
    EXECUTE format('ALTER SCHEMA %I OWNER TO %I', svc, 'spot_' || svc);
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), 'spot_' || svc);
  END LOOP;
END
$$;
-- Nobody but the owner creates objects outside the services' schemas.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
