-- Deleted agents (docs/OPERATORS_API.md, "Deleting an agent"): refused (404)
-- on every call, except the first GET /config after the deletion, which
-- answers enabled=false so the agent stops acting (farewell_at records it).
ALTER TABLE gateway.agents
    ADD COLUMN deleted_at TIMESTAMPTZ,
    ADD COLUMN farewell_at TIMESTAMPTZ,
    ADD CONSTRAINT agents_farewell_after_delete CHECK (farewell_at IS NULL OR deleted_at IS NOT NULL);
