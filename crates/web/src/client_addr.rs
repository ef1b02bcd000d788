//! The address a request came from. Behind a load balancer the TCP peer is the balancer; the
//! client's address is then read from `Forwarded` (RFC 7239) or `X-Forwarded-For`, but only when
//! the peer is one of the configured trusted proxies, since anybody can send those headers.

use std::net::IpAddr;

use axum::http::{HeaderMap, header};
use ipnet::IpNet;

/// Parses a comma-separated list of trusted proxies, each a CIDR block (`10.0.0.0/8`) or a single
/// address (`127.0.0.1`).
pub fn parse_trusted(list: &str) -> Result<Vec<IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("trusted_proxies 中的“{s}”不是 IP 地址或 CIDR 网段"))
        })
        .collect()
}

fn trusted(addr: IpAddr, proxies: &[IpNet]) -> bool {
    let addr = canonical(addr);
    proxies.iter().any(|n| n.contains(&addr))
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, as a dual-stack socket reports them) as IPv4.
fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// One `for=` value of a `Forwarded` element: `192.0.2.1`, `192.0.2.1:80`, `"[2001:db8::1]:80"`.
fn forwarded_for(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    node.parse()
        .ok()
        .or_else(|| node.split(':').next()?.parse().ok())
}

/// The hops the headers name, nearest the client first; `None` for a hop that is not an address
/// (`unknown`, an obfuscated name, garbage).
fn hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers
        .get_all(header::FORWARDED)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| forwarded_for(v))
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().parse::<IpAddr>().ok())
        .collect()
}

/// The client's address: the peer itself unless it is a trusted proxy; then the nearest hop the
/// forwarding headers name that is not a trusted proxy. A hop that cannot be read ends the walk
/// at the trusted proxy that reported it.
pub fn client_addr(peer: Option<IpAddr>, headers: &HeaderMap, proxies: &[IpNet]) -> String {
    let Some(peer) = peer.map(canonical) else {
        return "unknown".to_owned();
    };
    if !trusted(peer, proxies) {
        return peer.to_string();
    }
    let mut nearest = peer;
    for hop in hops(headers).into_iter().rev() {
        match hop.map(canonical) {
            Some(addr) if trusted(addr, proxies) => nearest = addr,
            Some(addr) => return addr.to_string(),
            None => break,
        }
    }
    nearest.to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn forwarding_headers_are_ignored_without_trusted_proxies() {
        let h = headers(&[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(client_addr(ip("10.0.0.5"), &h, &[]), "10.0.0.5");
    }

    #[test]
    fn a_trusted_balancer_names_the_client() {
        let proxies = parse_trusted("10.0.0.0/8, 127.0.0.1").unwrap();
        let h = headers(&[("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(client_addr(ip("10.1.2.3"), &h, &proxies), "203.0.113.7");
        assert_eq!(client_addr(ip("127.0.0.1"), &h, &proxies), "203.0.113.7");
        // A dual-stack socket reports IPv4 peers as mapped IPv6.
        assert_eq!(
            client_addr(ip("::ffff:127.0.0.1"), &h, &proxies),
            "203.0.113.7"
        );
    }

    #[test]
    fn a_client_cannot_choose_its_address_by_prepending_to_the_header() {
        let proxies = parse_trusted("10.0.0.0/8").unwrap();
        // The client sent "X-Forwarded-For: 9.9.9.9"; the balancer appended the real peer.
        let h = headers(&[("x-forwarded-for", "9.9.9.9, 198.51.100.20")]);
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &proxies), "198.51.100.20");
        // Two trusted hops: the nearest untrusted one is the client.
        let h = headers(&[("x-forwarded-for", "9.9.9.9, 198.51.100.20, 10.0.0.9")]);
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &proxies), "198.51.100.20");
        // Split over two header lines.
        let h = headers(&[
            ("x-forwarded-for", "9.9.9.9"),
            ("x-forwarded-for", "198.51.100.20"),
        ]);
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &proxies), "198.51.100.20");
    }

    #[test]
    fn forwarded_is_read_with_ports_quotes_and_ipv6() {
        let proxies = parse_trusted("10.0.0.0/8").unwrap();
        let h = headers(&[(
            "forwarded",
            "for=9.9.9.9, for=\"[2001:db8:cafe::17]:4711\";proto=https",
        )]);
        assert_eq!(
            client_addr(ip("10.0.0.1"), &h, &proxies),
            "2001:db8:cafe::17"
        );
        let h = headers(&[("forwarded", "for=192.0.2.60:8080;proto=http;by=10.0.0.1")]);
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &proxies), "192.0.2.60");
    }

    #[test]
    fn an_unreadable_hop_ends_at_the_proxy_that_reported_it() {
        let proxies = parse_trusted("10.0.0.0/8").unwrap();
        let h = headers(&[("x-forwarded-for", "1.1.1.1, garbage")]);
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &proxies), "10.0.0.1");
        let h = headers(&[("x-forwarded-for", "garbage, 10.0.0.3")]);
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &proxies), "10.0.0.3");
        // No header at all: the proxy itself.
        assert_eq!(
            client_addr(ip("10.0.0.1"), &HeaderMap::new(), &proxies),
            "10.0.0.1"
        );
    }

    #[test]
    fn bad_trusted_proxy_entries_are_named() {
        let err = parse_trusted("10.0.0.0/8, nginx").unwrap_err();
        assert!(err.contains("“nginx”"), "{err}");
        assert!(parse_trusted("").unwrap().is_empty());
    }
}
