//! The adapter in a real actix-web `HttpServer` on 127.0.0.1, spoken to over TCP. Each server
//! runs on a thread of its own and every exchange is bounded (`tests/it/common`): a hang fails the
//! test instead of stalling the run.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use actix_web::{App, web};
use channeltalk_webhook::testing::SampleEvent;
use channeltalk_webhook::{Event, QuickReply, Receiver, WebhookToken};
use channeltalk_webhook_actix::{Webhook, WebhookReply, resource};
use channeltalk_webhook_conformance::{Contract, RawRequest, send};

const TOKEN: &str = "s3cr3t+/=&é";
const ENCODED_TOKEN: &str = "s3cr3t%2B%2F%3D%26%C3%A9";

use crate::common;
use channeltalk_webhook_conformance::{GUARD, guarded_blocking as guarded};
use common::TestServer;

fn receiver() -> Receiver {
    Receiver::new(WebhookToken::new(TOKEN).unwrap())
}

fn assert_matrix_passes(server: TestServer) {
    let addr = server.addr();
    let failures = guarded("the shared matrix", move || {
        Contract::echo(TOKEN).run_matrix(addr)
    });
    server.stop();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_panicking_handler_gets_500_and_the_server_keeps_serving() {
    let handler = |event: Event| async move {
        let text = event.message().and_then(|m| m.text())?.into_owned();
        assert!(text != "panic", "the handler panicked on purpose");
        Some(
            QuickReply::new()
                .bot_name(channeltalk_webhook::BotName::from_static("상담봇"))
                .text(text),
        )
    };
    let server = start!(move || App::new().service(resource("/webhook", receiver(), handler)));
    let (addr, target) = (server.addr(), format!("/webhook?token={ENCODED_TOKEN}"));
    let responses = guarded(
        "four deliveries, two of them to a panicking handler",
        move || {
            ["panic", "still there?", "panic", "and now?"].map(|text| {
                let body = SampleEvent::user_message(text).body();
                send(addr, &RawRequest::post(target.clone(), body)).unwrap()
            })
        },
    );
    server.stop();

    for (panicked, served) in [
        (&responses[0], &responses[1]),
        (&responses[2], &responses[3]),
    ] {
        assert_eq!(panicked.status, 500, "{:?}", panicked);
        let view = served.view();
        assert!(view.is_quick_reply(), "{served:?}");
        assert_eq!(served.header("x-bot-name"), Some("상담봇".as_bytes()));
    }
    assert_eq!(responses[3].view().texts(), ["and now?"]);
}

// `resource` with the echo handler is the echo-actix example's mount: its binary runs the
// matrix (examples/echo-actix/tests/binary.rs).

async fn extracted_echo(event: Webhook) -> WebhookReply {
    channeltalk_webhook_conformance::echo(event.into_inner()).into()
}

#[test]
fn the_extractor_based_echo_passes_the_shared_matrix() {
    let receiver = receiver();
    let server = start!(move || {
        App::new()
            .app_data(web::Data::new(receiver.clone()))
            .service(web::resource("/webhook").to(extracted_echo)) // the core answers 405
    });
    assert_matrix_passes(server);
}

#[test]
fn an_oversized_stream_is_refused_before_it_ends() {
    let receiver = receiver().body_limit(4096);
    let server = start!(move || {
        App::new().service(resource(
            "/webhook",
            receiver.clone(),
            channeltalk_webhook_conformance::echo_async,
        ))
    });
    let addr = server.addr();
    // 8 KiB of a chunked body that never ends: the answer must come anyway.
    let (status, body, written) = guarded("an endless chunked body", move || {
        // Each step bounded like the raw client's reads.
        let step = Some(Duration::from_secs(30));
        let mut stream = TcpStream::connect_timeout(&addr, GUARD).unwrap();
        stream.set_read_timeout(step).unwrap();
        stream.set_write_timeout(step).unwrap();
        // The server may answer 413 and close before the last chunks are out, so a write may
        // fail (broken pipe, reset): the answer is read either way.
        let written = (|| -> io::Result<()> {
            let head = format!(
                "POST /webhook?token={ENCODED_TOKEN} HTTP/1.1\r\nHost: {addr}\r\n\
                 Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(head.as_bytes())?;
            for _ in 0..8 {
                stream.write_all(b"400\r\n")?;
                stream.write_all(&[b' '; 0x400])?;
                stream.write_all(b"\r\n")?;
            }
            stream.flush()
        })();
        let mut received = Vec::new();
        let mut buffer = [0u8; 4096];
        // Read up to the end of the response head and the short body.
        while !String::from_utf8_lossy(&received).contains("limit") {
            match stream.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
        let text = String::from_utf8_lossy(&received).into_owned();
        (text.get(9..12).map(str::to_owned), text, written)
    });
    server.stop();
    assert_eq!(
        status.as_deref(),
        Some("413"),
        "{body} (writing: {written:?})"
    );
    assert!(body.contains("4096-byte limit"), "{body}");
}
