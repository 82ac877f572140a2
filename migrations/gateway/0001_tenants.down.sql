DROP TABLE IF EXISTS gateway.idempotency_keys;
DROP TABLE IF EXISTS gateway.agents;
DROP TABLE IF EXISTS gateway.api_tokens;
DROP TABLE IF EXISTS gateway.tenants;
