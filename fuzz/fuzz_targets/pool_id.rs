//! Pool ids (`<instance-type>.<az>`, e.g. `m5.large.us-east-1a`): the parser
//! and the parts the services take from a parsed id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spot_domain::pricing::PoolId;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let pool = match PoolId::parse(text) {
        Ok(pool) => pool,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    assert_eq!(pool.as_str(), text);
    assert_eq!(pool.to_string(), text);
    assert_eq!(format!("{}.{}", pool.instance_type(), pool.az()), text);
    let az = pool.az();
    assert_eq!(format!("{}{}", pool.region(), &az[pool.region().len()..]), az);
    assert_eq!(az.len(), pool.region().len() + 1);
    assert_eq!(PoolId::new(pool.instance_type(), az).as_ref(), Ok(&pool));
});
