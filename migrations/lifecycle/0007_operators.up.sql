-- manual_replica mode keeps exactly one replica per group
-- (docs/OPERATORS_API.md, "Replicas"). `kept` marks the replica the mode keeps
-- (the one the operator asked for); agents may still report other replicas
-- they launch themselves. At most one kept replica is live per group.
ALTER TABLE lifecycle.replicas ADD COLUMN kept BOOLEAN NOT NULL DEFAULT false;
-- Operator requests so far: manual rows recorded before any instance existed.
UPDATE lifecycle.replicas SET kept = true WHERE replica_type = 'manual' AND instance_id IS NULL;
-- Older duplicates, if any, are terminated (the newest one is kept).
UPDATE lifecycle.replicas r SET status = 'terminated', updated_at = now(), version = version + 1
 WHERE r.kept AND r.status IN ('launching', 'syncing', 'ready')
   AND EXISTS (SELECT 1 FROM lifecycle.replicas n
                WHERE n.group_id = r.group_id AND n.kept AND n.status IN ('launching', 'syncing', 'ready')
                  AND (n.created_at, n.id) > (r.created_at, r.id));
CREATE UNIQUE INDEX replicas_one_kept_per_group ON lifecycle.replicas (group_id)
    WHERE kept AND status IN ('launching', 'syncing', 'ready');
ALTER TABLE lifecycle.replicas ADD CONSTRAINT replicas_kept_is_manual CHECK (NOT kept OR replica_type = 'manual');

-- Deleted agents (docs/OPERATORS_API.md, "Deleting an agent"): the row stays
-- for the audit trail; listings and counts leave it out.
ALTER TABLE lifecycle.agents ADD COLUMN deleted_at TIMESTAMPTZ;
