//! The smallest HTTP/1.1 client that posts a timestamp query: one request per connection
//! (`Connection: close`), a deadline on connecting, writing and reading, a size cap on the
//! reply, `Content-Length` or chunked bodies.
//!
//! Plain `http://` only: `https://` is refused with a clear error until a TLS stack is
//! chosen (none is a dependency today). RFC 3161 tokens are signed, so a token that was
//! tampered with on the way fails its checks and is never embedded; what plain HTTP gives
//! away is only which hash was timestamped.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::tsa::TsaError;

/// How long a TSA gets to answer, connecting included.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// The largest reply read (a token with a certificate chain is a few KB).
const MAX_REPLY_BYTES: usize = 1024 * 1024;

/// Host, port and path of an `http://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// Port (80 unless given).
    pub port: u16,
    /// Path and query, `/` at least.
    pub path: String,
}

/// Reads an `http://host[:port][/path]` URL; `https://` and anything else is refused.
pub fn parse_url(url: &str) -> Result<HttpUrl, TsaError> {
    let url = url.trim();
    if url
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
    {
        return Err(TsaError::Url(format!(
            "{url}: https:// is not supported yet (no TLS in prescreen); use the TSA's http:// \
             address — the token is signed, so a change on the way is caught"
        )));
    }
    let rest = match url.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("http://") => &url[7..],
        _ => return Err(TsaError::Url(format!("{url}: not an http:// URL"))),
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(at) if rest.as_bytes()[at] == b'/' => (&rest[..at], rest[at..].to_owned()),
        Some(at) => (&rest[..at], format!("/{}", &rest[at..])),
        None => (rest, "/".to_owned()),
    };
    if authority.contains('@') {
        return Err(TsaError::Url(format!(
            "{url}: credentials in the URL are not supported"
        )));
    }
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (host, after) = inner
            .split_once(']')
            .ok_or_else(|| TsaError::Url(format!("{url}: unclosed [")))?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(port) => port
            .parse::<u16>()
            .map_err(|_| TsaError::Url(format!("{url}: bad port {port}")))?,
        None => 80,
    };
    if host.is_empty() || path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(TsaError::Url(format!(
            "{url}: no host, or spaces in the path"
        )));
    }
    Ok(HttpUrl {
        host: host.to_owned(),
        port,
        path,
    })
}

/// POSTs `body` as `application/timestamp-query` and returns the reply's body when the
/// status is 200 and the type is a timestamp reply.
pub fn post(url: &str, body: &[u8], timeout: Duration) -> Result<Vec<u8>, TsaError> {
    let target = parse_url(url)?;
    let deadline = Instant::now() + timeout;
    let net = |e: std::io::Error| TsaError::Network(format!("{url}: {e}"));
    let addresses: Vec<_> = (target.host.as_str(), target.port)
        .to_socket_addrs()
        .map_err(net)?
        .collect();
    let mut last = None;
    let mut stream = None;
    for address in addresses {
        match TcpStream::connect_timeout(&address, remaining(deadline)?) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let mut stream = match (stream, last) {
        (Some(stream), _) => stream,
        (None, Some(e)) => return Err(net(e)),
        (None, None) => return Err(TsaError::Network(format!("{url}: no address"))),
    };
    stream
        .set_write_timeout(Some(remaining(deadline)?))
        .map_err(net)?;
    let host = if target.host.contains(':') {
        format!("[{}]", target.host)
    } else {
        target.host.clone()
    };
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {host}:{}\r\nUser-Agent: prescreen\r\n\
         Content-Type: application/timestamp-query\r\nAccept: application/timestamp-reply\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        target.path,
        target.port,
        body.len()
    );
    stream.write_all(head.as_bytes()).map_err(net)?;
    stream.write_all(body).map_err(net)?;
    stream.flush().map_err(net)?;
    let mut reply = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        stream
            .set_read_timeout(Some(remaining(deadline)?))
            .map_err(net)?;
        let n = stream.read(&mut buffer).map_err(net)?;
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&buffer[..n]);
        if reply.len() > MAX_REPLY_BYTES {
            return Err(TsaError::Http(format!(
                "the reply is larger than {MAX_REPLY_BYTES} bytes"
            )));
        }
        if complete(&reply) {
            break;
        }
    }
    parse_reply(&reply)
}

fn remaining(deadline: Instant) -> Result<Duration, TsaError> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| TsaError::Network("the TSA did not answer in time".to_owned()))
}

/// Whether a `Content-Length` reply has all its body (a server may keep the connection).
fn complete(reply: &[u8]) -> bool {
    let Some(end) = find(reply, b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&reply[..end]);
    header(&head, "content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|len| reply.len() >= end + 4 + len)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then_some(value.trim())
    })
}

/// The body of a complete HTTP/1.1 reply, if it is a 200 timestamp reply.
pub fn parse_reply(reply: &[u8]) -> Result<Vec<u8>, TsaError> {
    let end = find(reply, b"\r\n\r\n")
        .ok_or_else(|| TsaError::Http("no complete HTTP header".to_owned()))?;
    let head = String::from_utf8_lossy(&reply[..end]).into_owned();
    let status_line = head.lines().next().unwrap_or_default();
    let mut parts = status_line.split_whitespace();
    let version = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(TsaError::Http(format!(
            "not an HTTP/1.x reply: {status_line}"
        )));
    }
    if code != "200" {
        return Err(TsaError::Http(format!("status {status_line}")));
    }
    let content_type = header(&head, "content-type").unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/timestamp-")
    {
        return Err(TsaError::Http(format!(
            "Content-Type {content_type:?}, not application/timestamp-reply"
        )));
    }
    let body = &reply[end + 4..];
    let chunked = header(&head, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        return dechunk(body);
    }
    match header(&head, "content-length") {
        Some(len) => {
            let len = len
                .parse::<usize>()
                .map_err(|_| TsaError::Http(format!("Content-Length {len}")))?;
            body.get(..len)
                .map(<[u8]>::to_vec)
                .ok_or_else(|| TsaError::Http("the reply was cut short".to_owned()))
        }
        None => Ok(body.to_vec()),
    }
}

fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, TsaError> {
    let bad = || TsaError::Http("a malformed chunked body".to_owned());
    let mut out = Vec::new();
    loop {
        let line_end = find(body, b"\r\n").ok_or_else(bad)?;
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| bad())?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = body.get(..size).ok_or_else(bad)?;
        out.extend_from_slice(chunk);
        body = body.get(size + 2..).ok_or_else(bad)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_and_https_is_refused_clearly() {
        let url = parse_url("http://127.0.0.1:3180/tsa?x=1").unwrap();
        assert_eq!(
            (url.host.as_str(), url.port, url.path.as_str()),
            ("127.0.0.1", 3180, "/tsa?x=1")
        );
        let url = parse_url("http://tsa.example").unwrap();
        assert_eq!((url.port, url.path.as_str()), (80, "/"));
        let url = parse_url("http://[::1]:8080").unwrap();
        assert_eq!((url.host.as_str(), url.port), ("::1", 8080));
        let https = parse_url("https://freetsa.org/tsr").unwrap_err();
        assert!(https.to_string().contains("https:// is not supported"));
        assert!(parse_url("ftp://x").is_err());
        assert!(parse_url("http://:80/").is_err());
        assert!(parse_url("http://h:99999/").is_err());
    }

    #[test]
    fn replies_are_read_by_length_or_chunks_and_refused_otherwise() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: 3\r\n\r\nabcdef";
        assert_eq!(parse_reply(ok).unwrap(), b"abc");
        let chunked = b"HTTP/1.1 200 OK\r\ncontent-type: application/timestamp-reply\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n";
        assert_eq!(parse_reply(chunked).unwrap(), b"abc");
        let html = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>";
        assert!(parse_reply(html).is_err());
        let error = b"HTTP/1.1 500 Oops\r\nContent-Type: application/timestamp-reply\r\n\r\n";
        assert!(parse_reply(error).is_err());
        let short = b"HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: 9\r\n\r\nab";
        assert!(parse_reply(short).is_err());
        assert!(parse_reply(b"HTTP/1.1 200").is_err());
    }

    #[test]
    fn nothing_listening_is_a_network_error_in_time() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let started = Instant::now();
        let error = post(
            &format!("http://127.0.0.1:{port}/"),
            b"x",
            Duration::from_secs(2),
        )
        .unwrap_err();
        assert!(matches!(error, TsaError::Network(_)), "{error}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }
}
