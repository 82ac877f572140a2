//! Per-group settings, their validation, and partial updates.

use serde::{Deserialize, Serialize};

/// Defines [`GroupSettings`] and [`SettingsPatch`] from one field list, so
/// the partial update has exactly the settings' fields, each optional, and
/// applying it (`GroupSettings::patched`) cannot forget one.
macro_rules! group_settings {
    ($($(#[doc = $doc:literal])* pub $field:ident: $ty:ty,)*) => {
        /// How a group reacts to prices and interruptions.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        // Rows stored before a field existed still load, with that field's default.
        #[serde(default)]
        pub struct GroupSettings {
            $($(#[doc = $doc])* pub $field: $ty,)*
        }

        /// A partial update: `None` keeps the current value.
        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        pub struct SettingsPatch {
            $(#[doc = concat!("New `", stringify!($field), "`.")] pub $field: Option<$ty>,)*
        }

        impl GroupSettings {
            /// The settings with every field `patch` sets replaced, unvalidated.
            fn patched(&self, patch: &SettingsPatch) -> Self {
                Self { $($field: patch.$field.unwrap_or(self.$field),)* }
            }
        }
    };
}

group_settings! {
    /// The decision engine may switch the primary on its own.
    pub auto_switch: bool,
    /// Operators manage the replica by hand; excludes `auto_switch`, since both
    /// would fight over the same standby.
    pub manual_replica: bool,
    /// Retired primaries are terminated at once instead of becoming ZOMBIE.
    pub auto_terminate: bool,
    /// Grace period before a ZOMBIE is terminated.
    pub terminate_wait_seconds: i32,
    /// Smallest saving that justifies a switch.
    pub min_savings_percent: f64,
    /// Cap on switches in a rolling week, against price flapping.
    pub max_switches_per_week: i32,
    /// How long to stay in a pool before switching away again.
    pub min_pool_duration_hours: i32,
    /// Share of time the workload must be served, in percent; the decision
    /// policies trade savings against it (docs/DECISIONS.md).
    pub availability_target_percent: f64,
}

impl Default for GroupSettings {
    fn default() -> Self {
        Self {
            auto_switch: false,
            manual_replica: false,
            auto_terminate: false,
            terminate_wait_seconds: 300,
            min_savings_percent: 10.0,
            max_switches_per_week: 10,
            min_pool_duration_hours: 2,
            availability_target_percent: 99.9,
        }
    }
}

/// Why settings were rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingsError {
    /// Both exclusive modes were requested.
    #[error("auto_switch and manual_replica cannot both be on")]
    AutoSwitchWithManualReplica,
    /// A numeric field is outside its range.
    #[error("{field} must be between {min} and {max}")]
    OutOfRange {
        /// Field name as in the API.
        field: &'static str,
        /// Smallest allowed value.
        min: f64,
        /// Largest allowed value.
        max: f64,
    },
}

impl SettingsError {
    /// Stable machine-readable code for API errors.
    pub fn code(&self) -> &'static str {
        match self {
            Self::AutoSwitchWithManualReplica => "auto_switch_manual_replica_conflict",
            Self::OutOfRange { .. } => "invalid_field",
        }
    }

    /// The offending field; None for the conflict, which involves two.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::AutoSwitchWithManualReplica => None,
            Self::OutOfRange { field, .. } => Some(field),
        }
    }
}

fn check_int(field: &'static str, value: i32, min: i32, max: i32) -> Result<(), SettingsError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(SettingsError::OutOfRange { field, min: f64::from(min), max: f64::from(max) })
    }
}

impl GroupSettings {
    /// Checks the exclusive modes and every range (24 h of grace at most, a
    /// month of pool duration at most).
    pub fn validate(&self) -> Result<(), SettingsError> {
        if self.auto_switch && self.manual_replica {
            return Err(SettingsError::AutoSwitchWithManualReplica);
        }
        check_int("terminate_wait_seconds", self.terminate_wait_seconds, 0, 86_400)?;
        // NaN fails `contains`, so a non-finite value never slips through.
        if !(0.0..=100.0).contains(&self.min_savings_percent) {
            return Err(SettingsError::OutOfRange { field: "min_savings_percent", min: 0.0, max: 100.0 });
        }
        check_int("max_switches_per_week", self.max_switches_per_week, 0, 1_000)?;
        if !(0.0..=100.0).contains(&self.availability_target_percent) {
            return Err(SettingsError::OutOfRange {
                field: "availability_target_percent",
                min: 0.0,
                max: 100.0,
            });
        }
        check_int("min_pool_duration_hours", self.min_pool_duration_hours, 0, 720)
    }

    /// The settings with `patch` applied, validated as a whole: a patch that
    /// turns one mode on while the other stays on is rejected.
    pub fn apply(&self, patch: &SettingsPatch) -> Result<GroupSettings, SettingsError> {
        let next = self.patched(patch);
        next.validate()?;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out_of_range(field: &'static str) -> impl Fn(Result<(), SettingsError>) -> bool {
        move |r| matches!(r, Err(SettingsError::OutOfRange { field: f, .. }) if f == field)
    }

    #[test]
    fn defaults_are_valid() {
        let s = GroupSettings::default();
        assert_eq!(
            (s.auto_switch, s.manual_replica, s.auto_terminate, s.terminate_wait_seconds),
            (false, false, false, 300)
        );
        assert_eq!(
            (s.min_savings_percent, s.max_switches_per_week, s.min_pool_duration_hours),
            (10.0, 10, 2)
        );
        assert_eq!(s.availability_target_percent, 99.9);
        assert_eq!(s.validate(), Ok(()));
    }

    #[test]
    fn exclusive_modes_conflict() {
        let s = GroupSettings { auto_switch: true, manual_replica: true, ..GroupSettings::default() };
        let err = s.validate();
        assert_eq!(err, Err(SettingsError::AutoSwitchWithManualReplica));
        let err = SettingsError::AutoSwitchWithManualReplica;
        assert_eq!(err.code(), "auto_switch_manual_replica_conflict");
        assert_eq!(err.field(), None);
        assert_eq!(err.to_string(), "auto_switch and manual_replica cannot both be on");
    }

    #[test]
    fn every_range_is_inclusive_at_both_ends() {
        let base = GroupSettings::default();
        type SetEdge = fn(&mut GroupSettings, bool);
        let cases: [(&'static str, SetEdge); 4] = [
            ("terminate_wait_seconds", |s, hi| s.terminate_wait_seconds = if hi { 86_400 } else { 0 }),
            ("min_savings_percent", |s, hi| s.min_savings_percent = if hi { 100.0 } else { 0.0 }),
            ("max_switches_per_week", |s, hi| s.max_switches_per_week = if hi { 1_000 } else { 0 }),
            ("min_pool_duration_hours", |s, hi| s.min_pool_duration_hours = if hi { 720 } else { 0 }),
        ];
        for (field, set) in cases {
            for hi in [false, true] {
                let mut s = base.clone();
                set(&mut s, hi);
                assert_eq!(s.validate(), Ok(()), "{field} edge hi={hi}");
            }
        }
    }

    #[test]
    fn values_just_outside_are_rejected_with_their_field() {
        let base = GroupSettings::default();
        let bad: Vec<(&'static str, GroupSettings)> = vec![
            ("terminate_wait_seconds", GroupSettings { terminate_wait_seconds: -1, ..base.clone() }),
            ("terminate_wait_seconds", GroupSettings { terminate_wait_seconds: 86_401, ..base.clone() }),
            ("min_savings_percent", GroupSettings { min_savings_percent: -0.1, ..base.clone() }),
            ("min_savings_percent", GroupSettings { min_savings_percent: 100.5, ..base.clone() }),
            ("min_savings_percent", GroupSettings { min_savings_percent: f64::NAN, ..base.clone() }),
            ("min_savings_percent", GroupSettings { min_savings_percent: f64::INFINITY, ..base.clone() }),
            ("max_switches_per_week", GroupSettings { max_switches_per_week: -1, ..base.clone() }),
            ("max_switches_per_week", GroupSettings { max_switches_per_week: 1_001, ..base.clone() }),
            ("min_pool_duration_hours", GroupSettings { min_pool_duration_hours: -1, ..base.clone() }),
            ("min_pool_duration_hours", GroupSettings { min_pool_duration_hours: 721, ..base.clone() }),
            (
                "availability_target_percent",
                GroupSettings { availability_target_percent: 100.1, ..base.clone() },
            ),
            (
                "availability_target_percent",
                GroupSettings { availability_target_percent: f64::NAN, ..base.clone() },
            ),
        ];
        for (field, s) in bad {
            let result = s.validate();
            assert!(out_of_range(field)(result.clone()), "{field}: {result:?}");
            let Err(err) = result else { continue };
            assert_eq!(err.code(), "invalid_field");
            assert_eq!(err.field(), Some(field));
        }
    }

    #[test]
    fn out_of_range_message_names_the_bounds() {
        let s = GroupSettings { max_switches_per_week: 5_000, ..GroupSettings::default() };
        let msg = s.validate().err().map(|e| e.to_string());
        assert_eq!(msg.as_deref(), Some("max_switches_per_week must be between 0 and 1000"));
    }

    #[test]
    fn empty_patch_keeps_everything() {
        let s = GroupSettings { auto_terminate: true, ..GroupSettings::default() };
        assert_eq!(s.apply(&SettingsPatch::default()), Ok(s));
    }

    #[test]
    fn patch_changes_only_given_fields() {
        let s = GroupSettings::default();
        let patch =
            SettingsPatch { auto_switch: Some(true), min_savings_percent: Some(25.5), ..Default::default() };
        let next = s.apply(&patch);
        let want = GroupSettings { auto_switch: true, min_savings_percent: 25.5, ..GroupSettings::default() };
        assert_eq!(next, Ok(want));
    }

    #[test]
    fn patch_is_validated_against_the_merged_result() {
        let s = GroupSettings { manual_replica: true, ..GroupSettings::default() };
        let on = SettingsPatch { auto_switch: Some(true), ..Default::default() };
        assert_eq!(s.apply(&on), Err(SettingsError::AutoSwitchWithManualReplica));
        let swap =
            SettingsPatch { auto_switch: Some(true), manual_replica: Some(false), ..Default::default() };
        assert!(s.apply(&swap).is_ok());
        let bad = SettingsPatch { terminate_wait_seconds: Some(-5), ..Default::default() };
        assert!(out_of_range("terminate_wait_seconds")(s.apply(&bad).map(|_| ())));
    }
}
