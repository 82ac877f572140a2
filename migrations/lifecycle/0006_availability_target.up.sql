-- Share of time a group's workload must be served, in percent; the decision
-- policies receive it (docs/DECISIONS.md). Additive: existing groups get 99.9.
ALTER TABLE lifecycle.groups
    ADD COLUMN availability_target_percent DOUBLE PRECISION NOT NULL DEFAULT 99.9
        CHECK (availability_target_percent BETWEEN 0 AND 100);
