//! Reading counters from a service's Prometheus `/metrics` page.

use std::collections::BTreeMap;

/// Every sample of metric `name`, keyed by its label set as written
/// (e.g. `kind="config",outcome="hit"`).
pub fn samples(text: &str, name: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let rest = l.strip_prefix(name)?;
            let (labels, value) = match rest.strip_prefix('{') {
                Some(r) => r.split_once('}')?,
                None if rest.starts_with(' ') => ("", rest),
                None => return None,
            };
            Some((labels.to_owned(), value.split_whitespace().next()?.parse().ok()?))
        })
        .collect()
}

/// Fetches `url` (a `/metrics` page) and returns the samples of `name`.
pub async fn scrape(http: &reqwest::Client, url: &str, name: &str) -> anyhow::Result<BTreeMap<String, f64>> {
    let text = http.get(url).send().await?.error_for_status()?.text().await?;
    Ok(samples(&text, name))
}

/// The value of one label set, 0 when absent.
pub fn value(samples: &BTreeMap<String, f64>, labels: &str) -> f64 {
    samples.get(labels).copied().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn reads_labelled_and_bare_samples() {
        let text = "# HELP spot_gateway_cache_lookups_total x\n\
                    spot_gateway_cache_lookups_total{kind=\"config\",outcome=\"hit\"} 42\n\
                    spot_gateway_cache_lookups_total{kind=\"config\",outcome=\"miss\"} 3\n\
                    spot_gateway_cache_lookups_total_other 9\n\
                    spot_up 1\n";
        let s = samples(text, "spot_gateway_cache_lookups_total");
        assert_eq!(s.len(), 2);
        assert_eq!(value(&s, "kind=\"config\",outcome=\"hit\""), 42.0);
        assert_eq!(value(&s, "kind=\"pending_commands\",outcome=\"hit\""), 0.0);
        assert_eq!(samples(text, "spot_up").get(""), Some(&1.0));
    }
}
