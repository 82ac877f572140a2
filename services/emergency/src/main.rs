//! `spot-emergency`: the emergency service as its own process.

spot_platform::service_main!(
    spot_emergency,
    "Termination and rebalance notices: picks the safe pool, asks lifecycle for replicas or switches before the deadline"
);
