//! A raw HTTP/1.1 client over `std::net`, with exact control of every byte sent: chunked
//! bodies, missing `Content-Length`, slow senders, odd headers. For tests only.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use channeltalk_webhook::testing::ChannelView;

/// How the body is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawBody {
    /// No body and no `Content-Length`.
    None,
    /// One piece, with `Content-Length`.
    Full(Vec<u8>),
    /// `Transfer-Encoding: chunked`, one chunk per piece, no `Content-Length`.
    Chunked(Vec<Vec<u8>>),
    /// With `Content-Length`, written piece by piece with a pause before each.
    Slow(Vec<Vec<u8>>, Duration),
}

/// A request, sent as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRequest {
    /// `POST`, `GET`, …
    pub method: String,
    /// Path and query, e.g. `/webhook?token=t`.
    pub target: String,
    /// Extra headers (`Host`, `Connection: close` and the body's framing are added).
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body.
    pub body: RawBody,
}

impl RawRequest {
    /// A `POST` of a JSON body with `Content-Length`, as Channel sends.
    pub fn post(target: impl Into<String>, body: impl Into<Vec<u8>>) -> Self {
        RawRequest {
            method: "POST".into(),
            target: target.into(),
            headers: vec![("Content-Type".into(), b"application/json".to_vec())],
            body: RawBody::Full(body.into()),
        }
    }

    /// Changes the method.
    pub fn method(mut self, method: &str) -> Self {
        self.method = method.into();
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the body.
    pub fn body(mut self, body: RawBody) -> Self {
        self.body = body;
        self
    }

    fn head(&self, addr: SocketAddr) -> Vec<u8> {
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n",
            self.method, self.target
        )
        .into_bytes();
        for (name, value) in &self.headers {
            head.extend_from_slice(name.as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(value);
            head.extend_from_slice(b"\r\n");
        }
        match &self.body {
            RawBody::None => {}
            RawBody::Full(body) => {
                head.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes())
            }
            RawBody::Slow(pieces, _) => {
                let length: usize = pieces.iter().map(Vec::len).sum();
                head.extend_from_slice(format!("Content-Length: {length}\r\n").as_bytes());
            }
            RawBody::Chunked(_) => head.extend_from_slice(b"Transfer-Encoding: chunked\r\n"),
        }
        head.extend_from_slice(b"\r\n");
        head
    }

    fn write_body(&self, stream: &mut TcpStream) -> io::Result<()> {
        match &self.body {
            RawBody::None => Ok(()),
            RawBody::Full(body) => stream.write_all(body),
            RawBody::Slow(pieces, pause) => {
                for piece in pieces {
                    thread::sleep(*pause);
                    stream.write_all(piece)?;
                    stream.flush()?;
                }
                Ok(())
            }
            RawBody::Chunked(pieces) => {
                for piece in pieces.iter().filter(|piece| !piece.is_empty()) {
                    stream.write_all(format!("{:x}\r\n", piece.len()).as_bytes())?;
                    stream.write_all(piece)?;
                    stream.write_all(b"\r\n")?;
                }
                stream.write_all(b"0\r\n\r\n")
            }
        }
    }
}

/// A response as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawResponse {
    /// The status code.
    pub status: u16,
    /// The headers, names lower-cased.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body (de-chunked).
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// The response as Channel sees it.
    pub fn view(&self) -> ChannelView {
        ChannelView::new(
            self.status,
            self.headers.iter().map(|(n, v)| (n.as_str(), v.as_slice())),
            &self.body,
        )
    }
}

/// Sends `request` on a new connection and reads the whole response. The body is written from
/// a second thread so that a server that answers early (413) is still read.
pub fn send(addr: SocketAddr, request: &RawRequest) -> io::Result<RawResponse> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.write_all(&request.head(addr))?;
    let mut writer = stream.try_clone()?;
    let request = request.clone();
    let writing = thread::spawn(move || {
        // The server may answer and close before the body is written; that is not an error here.
        let _ = request
            .write_body(&mut writer)
            .and_then(|()| writer.flush());
    });
    let mut received = Vec::new();
    let read = stream.read_to_end(&mut received);
    let _ = stream.shutdown(Shutdown::Both);
    let _ = writing.join();
    match (read, parse_response(&received)) {
        (_, Some(response)) => Ok(response),
        (Err(error), None) => Err(error),
        (Ok(_), None) => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "incomplete HTTP response: {:?}",
                String::from_utf8_lossy(&received)
            ),
        )),
    }
}

fn parse_response(bytes: &[u8]) -> Option<RawResponse> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(head_len) = response.parse(bytes).ok()? else {
        return None;
    };
    let status = response.code?;
    let headers: Vec<(String, Vec<u8>)> = response
        .headers
        .iter()
        .map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec()))
        .collect();
    let rest = &bytes[head_len..];
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    };
    let body = if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case(b"chunked")) {
        dechunk(rest)?
    } else if let Some(length) = find("content-length")
        .and_then(|v| std::str::from_utf8(v).ok()?.trim().parse::<usize>().ok())
    {
        rest.get(..length)?.to_vec()
    } else {
        rest.to_vec()
    };
    Some(RawResponse {
        status,
        headers,
        body,
    })
}

fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_chunked_and_sized_responses() {
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Bot-Name: \xec\x83\x81\r\n\r\n2\r\nok\r\n1\r\n!\r\n0\r\n\r\n";
        let response = parse_response(chunked).unwrap();
        assert_eq!(
            (response.status, response.body.as_slice()),
            (200, &b"ok!"[..])
        );
        assert_eq!(response.header("x-bot-name"), Some("상".as_bytes()));
        let sized =
            parse_response(b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 3\r\n\r\nnoXX").unwrap();
        assert_eq!((sized.status, sized.body.as_slice()), (401, &b"noX"[..]));
    }
}
