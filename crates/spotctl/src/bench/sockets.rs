//! Open TCP connections of one process to one local port, read from /proc:
//! the socket inodes among the process's file descriptors, matched against
//! the established connections in /proc/net/tcp. The soak bench counts each
//! service's Postgres and NATS connections with it.

use std::collections::HashSet;

/// Socket inodes the process holds.
fn socket_inodes(pid: u32) -> HashSet<u64> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return HashSet::new() };
    dir.filter_map(Result::ok)
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .filter_map(|target| {
            let t = target.to_string_lossy();
            t.strip_prefix("socket:[").and_then(|r| r.strip_suffix(']')).and_then(|n| n.parse().ok())
        })
        .collect()
}

/// Established connections of `pid` whose remote port is `port` (IPv4 and IPv6).
pub fn connections_to(pid: u32, port: u16) -> usize {
    let inodes = socket_inodes(pid);
    if inodes.is_empty() {
        return 0;
    }
    ["tcp", "tcp6"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(format!("/proc/{pid}/net/{f}")).ok())
        .map(|table| established_to(&table, port).filter(|inode| inodes.contains(inode)).count())
        .sum()
}

/// Inodes of the established rows of a /proc/net/tcp table with remote port `port`.
fn established_to(table: &str, port: u16) -> impl Iterator<Item = u64> + '_ {
    table.lines().skip(1).filter_map(move |line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
        let remote_port = f.get(2)?.rsplit_once(':').and_then(|(_, p)| u16::from_str_radix(p, 16).ok())?;
        let established = *f.get(3)? == "01";
        (established && remote_port == port).then(|| f.get(9)?.parse().ok()).flatten()
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rows_to_the_port_that_are_established_are_counted() {
        let table =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:C350 0100007F:1538 01 00000000:00000000 00:00000000 00000000     0        0 111 1
   1: 0100007F:C351 0100007F:1538 06 00000000:00000000 00:00000000 00000000     0        0 112 1
   2: 0100007F:C352 0100007F:107E 01 00000000:00000000 00:00000000 00000000     0        0 113 1";
        assert_eq!(established_to(table, 5432).collect::<Vec<_>>(), vec![111]);
        assert_eq!(established_to(table, 4222).collect::<Vec<_>>(), vec![113]);
    }

    #[test]
    fn its_own_connection_is_seen() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let _client = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let _server = listener.accept().unwrap();
        assert_eq!(connections_to(std::process::id(), port), 1);
    }
}
