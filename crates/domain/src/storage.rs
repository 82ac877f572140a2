//! How the storage edge reads and writes the domain's enums (feature
//! `sea-orm`, off by default). Each enum is stored as its `as_str` spelling
//! in a text column and parsed back with its own `parse` when a row is read,
//! so row structs derive `FromQueryResult` with typed fields and no service
//! compares role or status strings. A spelling the domain does not know
//! fails the read with a type error that names it, never a default.
//!
//! Decoding a value is not I/O: the rules stay pure and the crate builds and
//! tests without a database.

use crate::group::{CommandStatus, CommandType, ReplicaStatus, Role};
use crate::notify::{DeliveryStatus, NotificationKind, Severity};
use crate::pricing::{ReporterRole, Source};
use crate::{AgentStatus, InstanceMode, ReportedStatus};
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value};

macro_rules! stored_as_text {
    ($($ty:ident: $parse:expr;)*) => {$(
        impl TryGetable for $ty {
            fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
                let raw = String::try_get_by(res, index)?;
                let parse: fn(&str) -> Option<$ty> = $parse;
                parse(&raw).ok_or_else(|| {
                    let what = stringify!($ty);
                    TryGetError::DbErr(DbErr::Type(format!("stored {what} {raw:?} is not one the domain knows")))
                })
            }
        }

        impl From<$ty> for Value {
            fn from(v: $ty) -> Self {
                Value::from(v.as_str())
            }
        }
    )*};
}

stored_as_text! {
    Role: Role::parse;
    AgentStatus: AgentStatus::parse;
    ReportedStatus: ReportedStatus::parse;
    ReplicaStatus: ReplicaStatus::parse;
    CommandStatus: CommandStatus::parse;
    CommandType: CommandType::parse;
    InstanceMode: |raw| InstanceMode::parse(raw).ok();
    ReporterRole: ReporterRole::parse;
    Source: Source::parse;
    NotificationKind: |raw| NotificationKind::parse(raw).ok();
    Severity: |raw| Severity::parse(raw).ok();
    DeliveryStatus: DeliveryStatus::parse;
}
