-- Answers of writes made with X-Request-ID, replayed to their retries
-- (docs/HARDENING.md, "Idempotent writes"). The table 0001 created for this
-- was never written (it required a tenant, so admin writes had no key) and
-- is replaced. `scope` is the SHA-256 of the caller's bearer token (never
-- the token); `status` and `body` are NULL while the first attempt runs.
-- Rows older than SPOT_IDEMPOTENCY_RETENTION_SECS are pruned.
DROP TABLE IF EXISTS gateway.idempotency_keys;
CREATE TABLE gateway.idempotency_keys (
    scope        BYTEA       NOT NULL CHECK (length(scope) = 32),
    request_id   TEXT        NOT NULL CHECK (length(request_id) BETWEEN 1 AND 200),
    fingerprint  BYTEA       NOT NULL CHECK (length(fingerprint) = 32),
    started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    status       SMALLINT,
    content_type TEXT,
    body         BYTEA,
    PRIMARY KEY (scope, request_id),
    CONSTRAINT idempotency_answer_whole CHECK ((status IS NULL) = (body IS NULL))
);
CREATE INDEX idempotency_keys_started_at ON gateway.idempotency_keys (started_at);
