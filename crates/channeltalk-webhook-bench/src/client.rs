//! A minimal HTTP/1.1 client for the load generator: one keep-alive TCP connection, one
//! request at a time, the request written while the response is read.
//!
//! Writing and reading at the same time matters for oversized bodies: a server may answer 413
//! from the head alone and close the connection without reading the rest of the body. The
//! write then fails (the peer reset the connection), but the 413 is already in the socket's
//! receive queue, and this client still reads it. (hyper's client gives up on the request at
//! the first write error, so a 413 that did arrive is lost to it.)

use std::io;
use std::net::SocketAddr;

use bytes::{Buf, Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The largest response head read.
const MAX_HEAD: usize = 64 * 1024;
/// The largest response body read.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// A whole response.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body, de-chunked.
    pub body: Bytes,
    /// Whether the connection can carry another request: the server did not say
    /// `Connection: close`, the body length was known and the whole request was written.
    pub reusable: bool,
}

/// Why no whole response was received.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The connection could not be opened.
    #[error("connect: {0}")]
    Connect(io::Error),
    /// Reading failed.
    #[error("reading the response after {received} bytes: {error}{}", write_note(.write))]
    Read {
        /// The error.
        error: io::Error,
        /// Response bytes received before it.
        received: usize,
        /// How writing the request ended, if it ended.
        write: Option<String>,
    },
    /// The server closed the connection before the response was whole.
    #[error("connection closed after {received} bytes of response{}", write_note(.write))]
    Closed {
        /// Response bytes received.
        received: usize,
        /// How writing the request ended, if it ended.
        write: Option<String>,
    },
    /// The bytes received are not an HTTP/1.1 response.
    #[error("invalid response: {0}")]
    Invalid(String),
}

fn write_note(write: &Option<String>) -> String {
    match write {
        Some(outcome) => format!(" (request write: {outcome})"),
        None => " (request still being written)".to_owned(),
    }
}

impl ClientError {
    fn with_write(mut self, outcome: Option<&io::Result<()>>) -> Self {
        let note = outcome.map(|result| match result {
            Ok(()) => "complete".to_owned(),
            Err(error) => error.to_string(),
        });
        match &mut self {
            ClientError::Read { write, .. } | ClientError::Closed { write, .. } => *write = note,
            ClientError::Connect(_) | ClientError::Invalid(_) => {}
        }
        self
    }
}

/// The bytes of a `POST` request with a `Content-Length` and a JSON content type.
pub fn raw_request(target: &str, host: &str, body: &[u8]) -> Bytes {
    let head = format!(
        "POST {target} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    let mut request = BytesMut::with_capacity(head.len() + body.len());
    request.extend_from_slice(head.as_bytes());
    request.extend_from_slice(body);
    request.freeze()
}

/// One keep-alive connection.
#[derive(Debug)]
pub struct Connection {
    stream: TcpStream,
    buffer: BytesMut,
}

impl Connection {
    /// Opens a connection (with `TCP_NODELAY`).
    pub async fn connect(addr: SocketAddr) -> Result<Connection, ClientError> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(ClientError::Connect)?;
        stream.set_nodelay(true).map_err(ClientError::Connect)?;
        Ok(Connection {
            stream,
            buffer: BytesMut::with_capacity(16 * 1024),
        })
    }

    /// Whether the server closed this idle connection (or sent something unasked).
    pub fn closed_by_peer(&mut self) -> bool {
        let mut probe = [0u8; 1];
        match self.stream.try_read(&mut probe) {
            Err(error) => error.kind() != io::ErrorKind::WouldBlock,
            Ok(_) => true,
        }
    }

    /// Sends `request` (whole request bytes, see [`raw_request`]) and reads the response,
    /// both at once.
    pub async fn send(&mut self, request: &Bytes) -> Result<Response, ClientError> {
        self.buffer.clear();
        let (mut reader, mut writer) = self.stream.split();
        let write = writer.write_all(request);
        let read = read_response(&mut reader, &mut self.buffer);
        tokio::pin!(write, read);
        let mut written: Option<io::Result<()>> = None;
        let response = loop {
            tokio::select! {
                biased;
                response = &mut read => break response,
                outcome = &mut write, if written.is_none() => written = Some(outcome),
            }
        };
        match response {
            Ok(mut response) => {
                if !matches!(written, Some(Ok(()))) {
                    // Answered before the whole request was taken: the connection is spent.
                    response.reusable = false;
                }
                Ok(response)
            }
            Err(error) => Err(error.with_write(written.as_ref())),
        }
    }
}

/// Reads more bytes into `buffer`; a closed connection is [`ClientError::Closed`].
async fn read_more<R: AsyncRead + Unpin>(
    reader: &mut R,
    buffer: &mut BytesMut,
    received: &mut usize,
) -> Result<(), ClientError> {
    buffer.reserve(16 * 1024);
    match reader.read_buf(buffer).await {
        Ok(0) => Err(ClientError::Closed {
            received: *received,
            write: None,
        }),
        Ok(n) => {
            *received += n;
            Ok(())
        }
        Err(error) => Err(ClientError::Read {
            error,
            received: *received,
            write: None,
        }),
    }
}

/// The head of a response: status, headers, and its length in bytes.
type Head = (StatusCode, HeaderMap, usize);

fn parse_head(buffer: &[u8]) -> Result<Option<Head>, ClientError> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let length = match response.parse(buffer) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) if buffer.len() > MAX_HEAD => {
            return Err(ClientError::Invalid("response head over 64 KiB".into()));
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(error) => return Err(ClientError::Invalid(error.to_string())),
    };
    let status = response
        .code
        .and_then(|code| StatusCode::from_u16(code).ok())
        .ok_or_else(|| ClientError::Invalid("no status code".into()))?;
    let mut map = HeaderMap::with_capacity(response.headers.len());
    for header in response.headers.iter() {
        let name = HeaderName::from_bytes(header.name.as_bytes())
            .map_err(|error| ClientError::Invalid(format!("header name: {error}")))?;
        let value = HeaderValue::from_bytes(header.value)
            .map_err(|error| ClientError::Invalid(format!("header {name}: {error}")))?;
        map.append(name, value);
    }
    if response.version == Some(0) && !has_token(&map, "connection", "keep-alive") {
        // HTTP/1.0 closes by default.
        map.insert("connection", HeaderValue::from_static("close"));
    }
    Ok(Some((status, map, length)))
}

/// Whether header `name` lists `token` (case-insensitive, comma-separated).
fn has_token(headers: &HeaderMap, name: &str, token: &str) -> bool {
    headers.get_all(name).iter().any(|value| {
        value
            .as_bytes()
            .split(|&b| b == b',')
            .any(|part| part.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
    })
}

/// Reads one whole response from `reader`, with `buffer` holding any bytes already read.
pub async fn read_response<R: AsyncRead + Unpin>(
    reader: &mut R,
    buffer: &mut BytesMut,
) -> Result<Response, ClientError> {
    let mut received = buffer.len();
    let (status, headers) = loop {
        match parse_head(buffer)? {
            // Informational answers (100 Continue) are skipped.
            Some((status, _, length)) if status.is_informational() => buffer.advance(length),
            Some((status, headers, length)) => {
                buffer.advance(length);
                break (status, headers);
            }
            None => read_more(reader, buffer, &mut received).await?,
        }
    };
    let mut reusable = !has_token(&headers, "connection", "close");
    let body = if has_token(&headers, "transfer-encoding", "chunked") {
        read_chunked(reader, buffer, &mut received).await?
    } else if let Some(length) = content_length(&headers)? {
        if length > MAX_BODY {
            return Err(ClientError::Invalid(format!("{length}-byte body")));
        }
        while buffer.len() < length {
            read_more(reader, buffer, &mut received).await?;
        }
        buffer.split_to(length).freeze()
    } else if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        Bytes::new()
    } else {
        // No length: the body ends with the connection.
        reusable = false;
        loop {
            match read_more(reader, buffer, &mut received).await {
                Ok(()) if buffer.len() > MAX_BODY => {
                    return Err(ClientError::Invalid("body over 16 MiB".into()));
                }
                Ok(()) => {}
                Err(ClientError::Closed { .. }) => break,
                Err(error) => return Err(error),
            }
        }
        buffer.split().freeze()
    };
    Ok(Response {
        status,
        headers,
        body,
        reusable,
    })
}

fn content_length(headers: &HeaderMap) -> Result<Option<usize>, ClientError> {
    let mut lengths = headers.get_all("content-length").iter();
    let Some(first) = lengths.next() else {
        return Ok(None);
    };
    let parse = |value: &HeaderValue| {
        std::str::from_utf8(value.as_bytes())
            .ok()
            .and_then(|text| text.trim().parse::<usize>().ok())
            .ok_or_else(|| ClientError::Invalid(format!("content-length {value:?}")))
    };
    let length = parse(first)?;
    for other in lengths {
        if parse(other)? != length {
            return Err(ClientError::Invalid("conflicting content-length".into()));
        }
    }
    Ok(Some(length))
}

async fn read_line<R: AsyncRead + Unpin>(
    reader: &mut R,
    buffer: &mut BytesMut,
    received: &mut usize,
) -> Result<BytesMut, ClientError> {
    loop {
        if let Some(end) = buffer.windows(2).position(|pair| pair == b"\r\n") {
            let line = buffer.split_to(end);
            buffer.advance(2);
            return Ok(line);
        }
        if buffer.len() > MAX_HEAD {
            return Err(ClientError::Invalid("chunk line over 64 KiB".into()));
        }
        read_more(reader, buffer, received).await?;
    }
}

async fn read_chunked<R: AsyncRead + Unpin>(
    reader: &mut R,
    buffer: &mut BytesMut,
    received: &mut usize,
) -> Result<Bytes, ClientError> {
    let mut body = BytesMut::new();
    loop {
        let line = read_line(reader, buffer, received).await?;
        let size_text = line[..].split(|&b| b == b';').next().unwrap_or_default();
        let size = std::str::from_utf8(size_text)
            .ok()
            .and_then(|text| usize::from_str_radix(text.trim(), 16).ok())
            .ok_or_else(|| ClientError::Invalid(format!("chunk size {line:?}")))?;
        if size == 0 {
            // Trailers, up to an empty line.
            while !read_line(reader, buffer, received).await?.is_empty() {}
            return Ok(body.freeze());
        }
        if body.len() + size > MAX_BODY {
            return Err(ClientError::Invalid("body over 16 MiB".into()));
        }
        while buffer.len() < size + 2 {
            read_more(reader, buffer, received).await?;
        }
        body.extend_from_slice(&buffer[..size]);
        if &buffer[size..size + 2] != b"\r\n" {
            return Err(ClientError::Invalid("chunk not followed by CRLF".into()));
        }
        buffer.advance(size + 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn parse(bytes: &[u8]) -> Result<Response, ClientError> {
        let mut reader = bytes;
        read_response(&mut reader, &mut BytesMut::new()).await
    }

    #[tokio::test]
    async fn reads_a_response_with_a_length() {
        let response = parse(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-bot-name: \xec\x83\x81\r\n\
              content-length: 5\r\n\r\nhello",
        )
        .await
        .unwrap();
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.headers["x-bot-name"].as_bytes(), "상".as_bytes());
        assert_eq!(response.body, "hello");
        assert!(response.reusable);
    }

    #[tokio::test]
    async fn reads_chunked_and_close_delimited_bodies() {
        let chunked = parse(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n",
        )
        .await
        .unwrap();
        assert_eq!(chunked.body, "abcde");
        assert!(chunked.reusable);
        let delimited = parse(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")
            .await
            .unwrap();
        assert_eq!(delimited.body, "until the end");
        assert!(!delimited.reusable);
        let old = parse(b"HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
        assert!(!old.reusable);
        let continued = parse(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 413 Payload Too Large\r\nConnection: close\r\ncontent-length: 2\r\n\r\nno")
            .await
            .unwrap();
        assert_eq!(continued.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(!continued.reusable);
    }

    #[tokio::test]
    async fn truncated_and_invalid_responses_are_errors() {
        let cut_short: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhello";
        let cut = parse(cut_short).await.unwrap_err();
        assert!(
            matches!(cut, ClientError::Closed { received, .. } if received == cut_short.len()),
            "{cut}"
        );
        assert!(matches!(
            parse(b"HTTP/1.1 200 OK\r\ncont").await,
            Err(ClientError::Closed { .. })
        ));
        assert!(matches!(
            parse(b"").await,
            Err(ClientError::Closed { received: 0, .. })
        ));
        assert!(matches!(
            parse(b"SMTP ready\r\n\r\n").await,
            Err(ClientError::Invalid(_))
        ));
        assert!(matches!(
            parse(b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab").await,
            Err(ClientError::Invalid(_))
        ));
    }

    #[test]
    fn builds_requests_with_their_length() {
        let request = raw_request("/webhook?token=t", "127.0.0.1:8080", b"{}");
        assert_eq!(
            request,
            "POST /webhook?token=t HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\
             Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        );
    }

    /// A server that answers 413 from the head alone and closes without reading the body
    /// (so the kernel resets the connection): the client still gets the 413.
    #[tokio::test]
    async fn an_early_answer_to_an_unread_oversized_body_is_received() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut head = vec![0u8; 1024];
            let _ = stream.read(&mut head).await.unwrap();
            stream
                .write_all(b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 9\r\n\r\ntoo large")
                .await
                .unwrap();
            drop(stream);
        });
        let mut connection = Connection::connect(addr).await.unwrap();
        let body = vec![b'a'; 8 * 1024 * 1024];
        let response = connection
            .send(&raw_request("/webhook", "x", &body))
            .await
            .unwrap();
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(response.body, "too large");
        assert!(!response.reusable);
        server.await.unwrap();
    }

    #[tokio::test]
    async fn keeps_a_connection_alive_and_notices_when_the_server_closes_it() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (close_tx, close_rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            for _ in 0..2 {
                let mut buffer = BytesMut::new();
                while !buffer.ends_with(b"{}") {
                    stream.read_buf(&mut buffer).await.unwrap();
                }
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                    .await
                    .unwrap();
            }
            let _ = close_rx.await;
        });
        let mut connection = Connection::connect(addr).await.unwrap();
        let request = raw_request("/", "x", b"{}");
        for _ in 0..2 {
            let response = connection.send(&request).await.unwrap();
            assert_eq!(response.body, "ok");
            assert!(response.reusable);
            assert!(!connection.closed_by_peer());
        }
        drop(close_tx);
        // The server task ends and drops its stream: the idle connection reads as closed.
        let mut closed = false;
        for _ in 0..200 {
            if connection.closed_by_peer() {
                closed = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert!(closed);
    }
}
