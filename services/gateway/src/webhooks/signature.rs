//! `X-Spot-Signature: sha256=<hex>`: HMAC-SHA256 (RFC 2104) of the raw
//! request body with the webhook's secret. Receivers recompute it over the
//! bytes they received and compare in constant time.
//!
//! HMAC comes from the `hmac` crate (RFC 4231 test vectors below).

use hmac::{KeyInit, Mac};

type HmacSha256 = hmac::Hmac<sha2_for_hmac::Sha256>;

/// HMAC-SHA256 of `message` with `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts a key of any length (longer ones are hashed first), so
    // `new_from_slice` never refuses one; the zero answer is unreachable.
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else { return [0; 32] };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The signature header's name.
pub const HEADER: &str = "X-Spot-Signature";

/// The header value for `body` signed with `secret`: `sha256=<lower hex>`.
pub fn header_value(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex::encode(hmac_sha256(secret.as_bytes(), body)))
}

/// Checks a received header value in constant time (what a receiver does;
/// the tests use it as one).
pub fn verify(secret: &str, body: &[u8], header: &str) -> bool {
    let expected = header_value(secret, body);
    expected.len() == header.len()
        && expected.bytes().zip(header.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(key: &[u8], data: &[u8]) -> String {
        hex::encode(hmac_sha256(key, data))
    }

    #[test]
    fn rfc_4231_vectors() {
        // Test case 1.
        assert_eq!(
            h(&[0x0b; 20], b"Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        // Test case 2: a short key.
        assert_eq!(
            h(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block is hashed first.
        assert_eq!(
            h(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn header_round_trip() {
        let v = header_value("0123456789abcdef", b"{\"a\":1}");
        assert!(v.starts_with("sha256=") && v.len() == 7 + 64);
        assert!(verify("0123456789abcdef", b"{\"a\":1}", &v));
        assert!(!verify("0123456789abcdeF", b"{\"a\":1}", &v));
        assert!(!verify("0123456789abcdef", b"{\"a\":2}", &v));
        assert!(!verify("0123456789abcdef", b"{\"a\":1}", "sha256=00"));
    }
}
