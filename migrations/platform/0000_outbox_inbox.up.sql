-- Transactional outbox: events written in the same transaction as the state
-- change they describe; the relay publishes them and stamps published_at.
CREATE TABLE __SCHEMA__.outbox (
    id           BIGSERIAL PRIMARY KEY,
    event_id     UUID        NOT NULL UNIQUE,
    subject      TEXT        NOT NULL,
    event_type   TEXT        NOT NULL,
    payload      BYTEA       NOT NULL,
    traceparent  TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_at TIMESTAMPTZ
);
CREATE INDEX outbox_unpublished ON __SCHEMA__.outbox (id) WHERE published_at IS NULL;

-- Inbox: ids of messages a consumer already applied, written in the same
-- transaction as their effect, so a redelivery changes nothing.
CREATE TABLE __SCHEMA__.inbox (
    consumer     TEXT        NOT NULL,
    message_id   TEXT        NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
);
CREATE INDEX inbox_processed_at ON __SCHEMA__.inbox (processed_at);
