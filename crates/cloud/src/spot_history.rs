//! `DescribeSpotPriceHistory`, paginated, per region, instance type and AZ.

use aws_sdk_ec2::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ec2::types::Filter;
use chrono::{DateTime, Utc};

/// Where and as whom to call AWS.
#[derive(Debug, Clone, Default)]
pub struct AwsSettings {
    /// Endpoint override (e.g. `http://127.0.0.1:5000` for moto); `None` uses AWS.
    pub endpoint: Option<String>,
    /// Static credentials; `None` uses the default provider chain (env,
    /// profile, instance role).
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Product description filter, `Linux/UNIX (Amazon VPC)` by default.
    pub product_description: Option<String>,
}

/// One price change: the price in force from `at` on.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceChange {
    pub az: String,
    pub instance_type: String,
    pub at: DateTime<Utc>,
    pub price: f64,
}

/// The call failed.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// AWS (or the emulator) answered with an error or not at all.
    #[error("DescribeSpotPriceHistory in {region}: {message}")]
    Api { region: String, message: String },
}

/// A client per region.
#[derive(Debug, Clone)]
pub struct SpotPriceHistory {
    settings: AwsSettings,
}

/// Pages are capped so one run cannot loop forever on a misbehaving endpoint.
const MAX_PAGES: usize = 1000;

impl SpotPriceHistory {
    pub fn new(settings: AwsSettings) -> Self {
        Self { settings }
    }

    async fn client(&self, region: &str) -> aws_sdk_ec2::Client {
        let mut loader =
            aws_config::defaults(BehaviorVersion::latest()).region(Region::new(region.to_owned()));
        if let (Some(key), Some(secret)) = (&self.settings.access_key_id, &self.settings.secret_access_key) {
            loader = loader.credentials_provider(Credentials::new(key, secret, None, None, "spot-config"));
        }
        if let Some(endpoint) = &self.settings.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        aws_sdk_ec2::Client::new(&loader.load().await)
    }

    /// Every price change of `instance_type` in `az` between `start` and `end`,
    /// following `NextToken` until the last page. Results are sorted by time.
    pub async fn fetch(
        &self,
        region: &str,
        instance_type: &str,
        az: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<PriceChange>, HistoryError> {
        let client = self.client(region).await;
        let product =
            self.settings.product_description.clone().unwrap_or_else(|| "Linux/UNIX (Amazon VPC)".into());
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let response = client
                .describe_spot_price_history()
                .instance_types(instance_type.into())
                .filters(Filter::builder().name("availability-zone").values(az).build())
                .product_descriptions(product.clone())
                .start_time(aws_sdk_ec2::primitives::DateTime::from_secs(start.timestamp()))
                .end_time(aws_sdk_ec2::primitives::DateTime::from_secs(end.timestamp()))
                .max_results(1000)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| HistoryError::Api {
                    region: region.to_owned(),
                    message: aws_sdk_ec2::error::DisplayErrorContext(&e).to_string(),
                })?;
            for item in response.spot_price_history() {
                let (Some(at), Some(price)) = (item.timestamp(), item.spot_price()) else { continue };
                let Ok(price) = price.parse::<f64>() else { continue };
                let Some(at) = DateTime::<Utc>::from_timestamp(at.secs(), at.subsec_nanos()) else {
                    continue;
                };
                let item_az = item.availability_zone().unwrap_or_default();
                let item_type = item.instance_type().map(|t| t.as_str()).unwrap_or_default();
                // Emulators may ignore filters: keep only what was asked for.
                if item_az != az || item_type != instance_type || !price.is_finite() || price < 0.0 {
                    continue;
                }
                out.push(PriceChange {
                    az: item_az.to_owned(),
                    instance_type: item_type.to_owned(),
                    at,
                    price,
                });
            }
            token = response.next_token().filter(|t| !t.is_empty()).map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        out.sort_by_key(|c| c.at);
        Ok(out)
    }
}
