//! Webhooks (docs/NOTIFICATIONS.md): a tenant's URLs that receive its
//! notifications as signed JSON POSTs. `store` keeps webhooks and their
//! deliveries (written with the notification, so nothing accepted is lost),
//! `payload` builds the body, `signature` signs it, `worker` sends due
//! deliveries and applies the retry policy of `spot_domain::notify`, over
//! http or https (`tls`).

pub mod payload;
pub mod signature;
pub mod store;
pub mod tls;
pub mod worker;
