//! The domain's enums travel as text in one spelling each, their `as_str`.
//! These macros derive the rest from it once: `Display` writes the spelling,
//! and [`spelled!`] adds a `parse` that finds the member of the type's `ALL`
//! spelled that way, trimmed and in any case (older agents and hand-written
//! SQL use either case).

/// `Display` writes the type's `as_str` spelling.
macro_rules! display_as_str {
    ($($ty:ty),+ $(,)?) => {$(
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}

/// `parse` (trimmed, case-insensitive, over `ALL`) and `Display`.
macro_rules! spelled {
    ($($ty:ty),+ $(,)?) => {$(
        impl $ty {
            /// Parses the database spelling, trimmed and case-insensitive.
            pub fn parse(raw: &str) -> Option<Self> {
                let raw = raw.trim();
                Self::ALL.into_iter().find(|v| v.as_str().eq_ignore_ascii_case(raw))
            }
        }

        display_as_str!($ty);
    )+};
}
