//! Who a request comes from: the peer's address, or, when the peer is one of
//! `BLOG_TRUSTED_PROXIES`, the client its `X-Forwarded-For` names (the nearest
//! address that is not a trusted proxy). A header from anyone else is ignored,
//! so a client cannot choose the address it is throttled under.

use std::net::IpAddr;
use std::str::FromStr;

use actix_web::HttpRequest;

/// An address or a CIDR range (`10.0.0.0/8`, `::1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// True when `ip` is in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let expected = || format!("an address or CIDR range such as 10.0.0.0/8, not {text:?}");
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let network: IpAddr = address.parse().map_err(|_| expected())?;
        let network = network.to_canonical();
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(expected)?,
        };
        Ok(IpRange { network, prefix })
    }
}

/// The address of the client that sent `req`, as far as it can be trusted.
pub fn client_address(req: &HttpRequest, trusted: &[IpRange]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip().to_canonical();
    let is_trusted = |ip: IpAddr| trusted.iter().any(|range| range.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map_while(|hop| hop.trim().parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
        .collect();
    Some(
        forwarded
            .iter()
            .rev()
            .copied()
            .find(|ip| !is_trusted(*ip))
            .or_else(|| forwarded.first().copied())
            .unwrap_or(peer),
    )
}

/// True when `req` came straight from one of the `trusted` proxies, whose
/// forwarded headers (`X-Forwarded-Proto`, `X-Request-Id`) may be believed.
pub fn from_trusted_proxy(req: &HttpRequest, trusted: &[IpRange]) -> bool {
    req.peer_addr().is_some_and(|peer| {
        let ip = peer.ip().to_canonical();
        trusted.iter().any(|range| range.contains(ip))
    })
}

/// True when a trusted proxy says the client reached it over HTTPS.
pub fn forwarded_https(req: &HttpRequest, trusted: &[IpRange]) -> bool {
    from_trusted_proxy(req, trusted)
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn ranges(text: &str) -> Vec<IpRange> {
        text.split(',').map(|r| r.parse().unwrap()).collect()
    }

    #[test]
    fn ranges_parse_and_match() {
        let lan: IpRange = "10.0.0.0/8".parse().unwrap();
        assert!(lan.contains("10.1.2.3".parse().unwrap()));
        assert!(!lan.contains("11.0.0.1".parse().unwrap()));
        assert!(lan.contains("::ffff:10.0.0.9".parse().unwrap()));
        let one: IpRange = "::1".parse().unwrap();
        assert!(one.contains("::1".parse().unwrap()));
        assert!(
            "0.0.0.0/0"
                .parse::<IpRange>()
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        for bad in ["10.0.0.0/33", "nonsense", "10.0.0/8", ""] {
            assert!(bad.parse::<IpRange>().is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let trusted = ranges("127.0.0.1,10.0.0.0/8");
        let from = |peer: &str, xff: Option<&str>| {
            let mut req = TestRequest::default().peer_addr(peer.parse().unwrap());
            if let Some(xff) = xff {
                req = req.insert_header(("x-forwarded-for", xff));
            }
            client_address(&req.to_http_request(), &trusted)
        };
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert_eq!(from("203.0.113.9:4000", Some("1.2.3.4")), ip("203.0.113.9"));
        assert_eq!(from("127.0.0.1:4000", Some("1.2.3.4")), ip("1.2.3.4"));
        assert_eq!(
            from("127.0.0.1:4000", Some("6.6.6.6, 1.2.3.4, 10.0.0.5")),
            ip("1.2.3.4")
        );
        assert_eq!(from("127.0.0.1:4000", None), ip("127.0.0.1"));
        assert_eq!(from("127.0.0.1:4000", Some("garbage")), ip("127.0.0.1"));
    }
}
