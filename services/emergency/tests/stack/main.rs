//! The emergency service end to end: the whole stack in-process (the test
//! kit's `TestStack`) against real Postgres and a private nats-server,
//! driven over HTTP like agent v4 and operators would, and a simulated fleet
//! losing an AZ.

/// The stack helpers of the test kit, under the name the tests use.
use spot_testkit::stack as helpers;

mod direct;
mod emergency;
mod emergency_v4;
mod mass_interruption;
