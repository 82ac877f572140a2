//! The text of an SSE message (HTML Living Standard, "Server-sent events"):
//! `id:`, `event:` and one `data:` line, ended by a blank line. A comment
//! line starts with `:` and is ignored by clients (the keep-alive).

use bytes::Bytes;

/// A numbered message. `data` is compact JSON, which has no raw line breaks
/// (serde escapes them inside strings); any stray CR or LF is removed anyway
/// so one message can never split into two.
pub fn message(id: u64, kind: &str, data: &serde_json::Value) -> Bytes {
    let data = data.to_string().replace(['\r', '\n'], "");
    let kind: String = kind.chars().filter(|c| !c.is_control()).collect();
    Bytes::from(format!("id: {id}\nevent: {kind}\ndata: {data}\n\n"))
}

/// The first message of a stream that cannot resume: the client must reload
/// what it shows. Carries the newest id so a reconnect resumes from here.
pub fn reset(newest: u64) -> Bytes {
    Bytes::from(format!("id: {newest}\nevent: reset\ndata: {{}}\n\n"))
}

/// The keep-alive comment.
pub const KEEP_ALIVE: &[u8] = b": keep-alive\n\n";

/// Sent first on every stream so the client knows it is connected (and
/// proxies flush the headers).
pub const HELLO: &[u8] = b": connected\n\n";

/// Parses a `Last-Event-ID` header value: a decimal u64, surrounding spaces
/// allowed; anything else is garbage (`None`).
pub fn parse_last_event_id(raw: &str) -> Option<u64> {
    let t = raw.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_three_lines_and_a_blank_one() {
        let data = serde_json::json!({"kind": "agent.status_changed", "note": "a\nb"});
        let text = message(42, "agent.status_changed", &data);
        let text = std::str::from_utf8(&text).unwrap_or_default();
        let lines: Vec<&str> = text.split('\n').collect();
        assert_eq!(lines.len(), 5, "{text:?}");
        assert_eq!(lines[0], "id: 42");
        assert_eq!(lines[1], "event: agent.status_changed");
        assert!(lines[2].starts_with("data: {") && lines[2].contains(r#""note":"a\nb""#));
        assert_eq!((lines[3], lines[4]), ("", ""));
        let back: serde_json::Value =
            serde_json::from_str(lines[2].trim_start_matches("data: ")).unwrap_or_default();
        assert_eq!(back, data);
    }

    #[test]
    fn reset_and_keep_alive() {
        assert_eq!(&reset(7)[..], b"id: 7\nevent: reset\ndata: {}\n\n");
        assert!(KEEP_ALIVE.starts_with(b":") && KEEP_ALIVE.ends_with(b"\n\n"));
        assert!(HELLO.starts_with(b":") && HELLO.ends_with(b"\n\n"));
    }

    #[test]
    fn last_event_id_is_a_decimal_u64_or_garbage() {
        assert_eq!(parse_last_event_id(" 123 "), Some(123));
        assert_eq!(parse_last_event_id("18446744073709551615"), Some(u64::MAX));
        for bad in ["", "  ", "-1", "+1", "1.5", "abc", "0x10", "18446744073709551616", "1 2"] {
            assert_eq!(parse_last_event_id(bad), None, "{bad:?}");
        }
    }
}
