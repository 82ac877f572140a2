-- Staging: every pool price of every agent pricing report, with the role
-- of the reporting instance at ingest time (PRIMARY beats REPLICA later).
CREATE TABLE pricing.spot_price_snapshots (
    event_id      UUID             NOT NULL,
    client_id     UUID             NOT NULL,
    agent_id      UUID             NOT NULL,
    instance_id   TEXT             NOT NULL,
    reporter_role TEXT             NOT NULL CHECK (reporter_role IN ('PRIMARY', 'REPLICA', 'UNKNOWN')),
    pool_id       TEXT             NOT NULL,
    region        TEXT             NOT NULL,
    instance_type TEXT             NOT NULL,
    az            TEXT             NOT NULL,
    price         DOUBLE PRECISION NOT NULL CHECK (price >= 0),
    captured_at   TIMESTAMPTZ      NOT NULL,
    received_at   TIMESTAMPTZ      NOT NULL DEFAULT now(),
    -- A redelivered report adds nothing. No surrogate key: one index less per insert.
    PRIMARY KEY (event_id, pool_id)
);
CREATE INDEX spot_price_snapshots_pool_time ON pricing.spot_price_snapshots (pool_id, captured_at);
CREATE INDEX spot_price_snapshots_captured ON pricing.spot_price_snapshots (captured_at);

-- What each reporting instance ran as, per report: the basis of savings.
CREATE TABLE pricing.instance_usage (
    event_id        UUID             PRIMARY KEY,
    client_id       UUID             NOT NULL,
    instance_id     TEXT             NOT NULL,
    reporter_role   TEXT             NOT NULL CHECK (reporter_role IN ('PRIMARY', 'REPLICA', 'UNKNOWN')),
    mode            TEXT             NOT NULL CHECK (mode IN ('spot', 'ondemand')),
    pool_id         TEXT,
    hourly_price    DOUBLE PRECISION CHECK (hourly_price >= 0),
    on_demand_price DOUBLE PRECISION CHECK (on_demand_price >= 0),
    captured_at     TIMESTAMPTZ      NOT NULL
);
CREATE INDEX instance_usage_client_time ON pricing.instance_usage (client_id, captured_at);

-- On-demand price per instance type and region (latest reported).
CREATE TABLE pricing.on_demand_prices (
    region        TEXT             NOT NULL,
    instance_type TEXT             NOT NULL,
    price         DOUBLE PRECISION NOT NULL CHECK (price >= 0),
    updated_at    TIMESTAMPTZ      NOT NULL,
    PRIMARY KEY (region, instance_type)
);

-- Reports not ingested (ZOMBIE or TERMINATED reporters), counted per day.
CREATE TABLE pricing.ignored_reports (
    day    DATE   NOT NULL,
    reason TEXT   NOT NULL,
    count  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, reason)
);

-- Projection of lifecycle events: the current role of each instance.
CREATE TABLE pricing.instance_roles (
    client_id   UUID        NOT NULL,
    instance_id TEXT        NOT NULL,
    role        TEXT        NOT NULL CHECK (role IN ('PRIMARY', 'REPLICA', 'ZOMBIE', 'TERMINATED')),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, instance_id)
);

-- Projection of lifecycle switches, for the daily switch count.
CREATE TABLE pricing.switch_log (
    switch_id   UUID        PRIMARY KEY,
    client_id   UUID        NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX switch_log_client_time ON pricing.switch_log (client_id, occurred_at);

-- Interruptions seen per pool (fed by emergency events), for pool risk.
CREATE TABLE pricing.pool_interruptions (
    id          UUID        PRIMARY KEY,
    pool_id     TEXT        NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX pool_interruptions_pool_time ON pricing.pool_interruptions (pool_id, occurred_at);

-- One point per pool and bucket, with where it came from.
CREATE TABLE pricing.pricing_consolidated (
    pool_id      TEXT             NOT NULL,
    bucket_start TIMESTAMPTZ      NOT NULL,
    price        DOUBLE PRECISION NOT NULL CHECK (price >= 0),
    source       TEXT             NOT NULL CHECK (source IN ('agent', 'interpolated', 'backfilled')),
    samples      INTEGER          NOT NULL CHECK (samples >= 0),
    job_id       UUID             NOT NULL,
    PRIMARY KEY (pool_id, bucket_start)
);
CREATE INDEX pricing_consolidated_bucket ON pricing.pricing_consolidated (bucket_start);

-- The ML training layer: three months of consolidated points.
CREATE TABLE pricing.pricing_canonical (
    pool_id       TEXT             NOT NULL,
    bucket_start  TIMESTAMPTZ      NOT NULL,
    region        TEXT             NOT NULL,
    instance_type TEXT             NOT NULL,
    az            TEXT             NOT NULL,
    price         DOUBLE PRECISION NOT NULL CHECK (price >= 0),
    source        TEXT             NOT NULL CHECK (source IN ('agent', 'interpolated', 'backfilled')),
    refreshed_at  TIMESTAMPTZ      NOT NULL DEFAULT now(),
    PRIMARY KEY (pool_id, bucket_start)
);
CREATE INDEX pricing_canonical_bucket ON pricing.pricing_canonical (bucket_start);

CREATE TABLE pricing.consolidation_jobs (
    id                 UUID        PRIMARY KEY,
    status             TEXT        NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
    trigger            TEXT        NOT NULL,
    window_start       TIMESTAMPTZ NOT NULL,
    window_end         TIMESTAMPTZ NOT NULL,
    bucket_seconds     INTEGER     NOT NULL CHECK (bucket_seconds > 0),
    pools              BIGINT      NOT NULL DEFAULT 0,
    records_processed  BIGINT      NOT NULL DEFAULT 0,
    duplicates_removed BIGINT      NOT NULL DEFAULT 0,
    gaps_interpolated  BIGINT      NOT NULL DEFAULT 0,
    backfills_added    BIGINT      NOT NULL DEFAULT 0,
    backfill           TEXT        NOT NULL DEFAULT '',
    started_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at        TIMESTAMPTZ,
    duration_ms        BIGINT,
    error              TEXT
);
-- One run at a time across replicas (the advisory lock decides, this proves it).
CREATE UNIQUE INDEX consolidation_jobs_one_running ON pricing.consolidation_jobs ((true)) WHERE status = 'running';
CREATE INDEX consolidation_jobs_started ON pricing.consolidation_jobs (started_at DESC);

-- Pool risk history; the newest row per pool is the current value.
CREATE TABLE pricing.pool_risk_analysis (
    id                BIGSERIAL        PRIMARY KEY,
    pool_id           TEXT             NOT NULL,
    analyzed_at       TIMESTAMPTZ      NOT NULL,
    volatility        DOUBLE PRECISION NOT NULL,
    min_price         DOUBLE PRECISION NOT NULL,
    avg_price         DOUBLE PRECISION NOT NULL,
    max_price         DOUBLE PRECISION NOT NULL,
    interruptions_30d INTEGER          NOT NULL,
    score             DOUBLE PRECISION NOT NULL CHECK (score BETWEEN 0 AND 1),
    recommendation    TEXT             NOT NULL CHECK (recommendation IN ('safe', 'caution', 'avoid')),
    UNIQUE (pool_id, analyzed_at)
);
CREATE INDEX pool_risk_analysis_current ON pricing.pool_risk_analysis (pool_id, analyzed_at DESC);

CREATE TABLE pricing.savings_snapshots (
    client_id                 UUID             NOT NULL,
    day                       DATE             NOT NULL,
    spot_hours                DOUBLE PRECISION NOT NULL,
    on_demand_hours           DOUBLE PRECISION NOT NULL,
    actual_cost               DOUBLE PRECISION NOT NULL,
    on_demand_equivalent_cost DOUBLE PRECISION NOT NULL,
    savings                   DOUBLE PRECISION NOT NULL,
    savings_percent           DOUBLE PRECISION NOT NULL,
    switch_count              INTEGER          NOT NULL,
    computed_at               TIMESTAMPTZ      NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, day)
);

CREATE TABLE pricing.replica_cost_log (
    client_id     UUID             NOT NULL,
    hour          TIMESTAMPTZ      NOT NULL,
    replica_hours DOUBLE PRECISION NOT NULL,
    cost          DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (client_id, hour)
);
