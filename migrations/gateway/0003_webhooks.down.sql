DROP TABLE IF EXISTS gateway.webhook_deliveries;
DROP TABLE IF EXISTS gateway.webhooks;
