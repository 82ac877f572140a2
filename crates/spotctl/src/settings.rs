//! Every settings section of the stack in one place: the platform's and each
//! service's own. `spotctl up` checks the config file against all of them,
//! and the deploy checks and docs/CONFIGURATION.md list them.

use spot_platform::config::SettingDef;

/// The sections, platform first.
pub const SECTIONS: &[(&str, &[SettingDef])] = &[
    ("platform", spot_platform::config::SETTINGS),
    ("gateway", spot_gateway::settings::SETTINGS),
    ("lifecycle", spot_lifecycle::settings::SETTINGS),
    ("emergency", spot_emergency::settings::SETTINGS),
    ("pricing", spot_pricing::settings::SETTINGS),
    ("decisions", spot_decisions::settings::SETTINGS),
];

/// Every setting once (a client URL read by two services is listed once).
pub fn all() -> Vec<SettingDef> {
    let mut out: Vec<SettingDef> = Vec::new();
    for (_, defs) in SECTIONS {
        for def in defs.iter() {
            if !out.iter().any(|d| d.env == def.env) {
                out.push(*def);
            }
        }
    }
    out
}

/// Rejects a config file key no section reads (likely a typo).
pub fn check_file(settings: &spot_platform::Settings) -> Result<(), spot_platform::ConfigError> {
    let tables: Vec<&[SettingDef]> = SECTIONS.iter().map(|(_, defs)| *defs).collect();
    settings.source.check_file_keys(&tables)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_shared_by_two_sections_means_the_same_everywhere() {
        for (_, defs) in SECTIONS {
            for def in defs.iter() {
                let first = all().into_iter().find(|d| d.env == def.env);
                let same = first
                    .is_some_and(|d| d.key == def.key && d.default == def.default && d.secret == def.secret);
                assert!(same, "{} is declared differently in two sections", def.env);
            }
        }
    }
}
