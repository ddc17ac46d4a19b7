//! How long a subject must wait after repeated failed sign-ins, and which
//! client address is throttled.
use std::net::IpAddr;

/// Seconds to wait after `failures` failures, given the policy: nothing below
/// `max_failures`, then `base` seconds doubling with each further failure, capped.
pub fn delay_secs(failures: i64, max_failures: i64, base: i64, cap: i64) -> i64 {
    if failures < max_failures {
        return 0;
    }
    let doublings = (failures - max_failures).clamp(0, 30) as u32;
    base.saturating_mul(1i64 << doublings).min(cap)
}

/// Seconds left to wait, given when the last failure happened (unix seconds).
pub fn remaining_secs(
    failures: i64,
    last_failed_unix: i64,
    now_unix: i64,
    max_failures: i64,
    base: i64,
    cap: i64,
) -> i64 {
    let until = last_failed_unix.saturating_add(delay_secs(failures, max_failures, base, cap));
    (until - now_unix).max(0)
}

/// The client's address for throttling. Without a trusted proxy in front
/// (`trust_proxy` off) it is the connection's `peer`. Behind one, the
/// proxy appends the address it saw to `X-Forwarded-For`, so the client is
/// the rightmost hop that is not itself one of our `trusted` proxies:
/// everything to its left was written by the client and proves nothing (a
/// client that sends `X-Forwarded-For: 1.2.3.4` must not get a new
/// address, and a new throttle, with each request). A hop that is not an
/// address, or a header with nothing untrusted, falls back to the peer.
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: &[&str],
    trust_proxy: bool,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    if !trust_proxy {
        return peer;
    }
    let hops = forwarded_for
        .iter()
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return Some(ip),
            Err(_) => return peer,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_client_is_the_rightmost_hop_our_proxies_did_not_write() {
        let peer = Some(ip("10.0.0.2"));
        // No proxy trusted: the header is the client's own words.
        assert_eq!(client_address(peer, &["6.6.6.6"], false, &[]), peer);
        // One proxy: it appended what it saw; the forged hop on the left is ignored.
        assert_eq!(
            client_address(peer, &["6.6.6.6, 203.0.113.7"], true, &[]),
            Some(ip("203.0.113.7"))
        );
        // Two proxies (the inner one trusted): one more hop from the right,
        // also across repeated headers.
        assert_eq!(
            client_address(
                peer,
                &["6.6.6.6, 203.0.113.7", "10.0.0.9"],
                true,
                &[ip("10.0.0.9")]
            ),
            Some(ip("203.0.113.7"))
        );
        // IPv6, garbage, and a header of trusted hops only.
        assert_eq!(
            client_address(peer, &["2001:db8::1"], true, &[]),
            Some(ip("2001:db8::1"))
        );
        assert_eq!(
            client_address(peer, &["1.2.3.4, not-an-ip"], true, &[]),
            peer
        );
        assert_eq!(
            client_address(peer, &["10.0.0.9"], true, &[ip("10.0.0.9")]),
            peer
        );
        assert_eq!(client_address(peer, &[], true, &[]), peer);
    }

    #[test]
    fn no_delay_below_the_limit_then_doubling_to_the_cap() {
        assert_eq!(delay_secs(0, 5, 30, 3600), 0);
        assert_eq!(delay_secs(4, 5, 30, 3600), 0);
        assert_eq!(delay_secs(5, 5, 30, 3600), 30);
        assert_eq!(delay_secs(6, 5, 30, 3600), 60);
        assert_eq!(delay_secs(7, 5, 30, 3600), 120);
        assert_eq!(delay_secs(12, 5, 30, 3600), 3600);
        assert_eq!(delay_secs(1_000, 5, 30, 3600), 3600);
    }

    #[test]
    fn remaining_counts_down_from_the_last_failure() {
        assert_eq!(remaining_secs(5, 1_000, 1_010, 5, 30, 3600), 20);
        assert_eq!(remaining_secs(5, 1_000, 1_031, 5, 30, 3600), 0);
        assert_eq!(remaining_secs(3, 1_000, 1_000, 5, 30, 3600), 0);
    }
}
