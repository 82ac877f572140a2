DROP TABLE IF EXISTS gateway.notifications;
