DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'spot_gateway') THEN
    REVOKE SELECT ON __SCHEMA__.notices FROM spot_gateway;
    REVOKE USAGE ON SCHEMA __SCHEMA__ FROM spot_gateway;
  END IF;
END
$$;
