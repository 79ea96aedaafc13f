//! `queued-memory [N] [CONNECTIONS] [axum|actix]` — what each event waiting in the quick-ack
//! channel costs in memory when nobody consumes it yet (a slow or stalled consumer): an axum
//! server with `QuickAck` (or an actix-web one with `QuickAck`) on loopback, a
//! channel of N places and no consumer; N distinct 1 KiB GitHub-signed deliveries sent over
//! CONNECTIONS keep-alive connections (default 4096, 8, axum). Prints the process's resident
//! memory before and after, and the growth per queued event.
//! Figures in `BENCHMARKS.md` (§3, session 8).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use hookgate_bench::{endpoint, signed};
use hookgate_tower::QuickAck;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).expect("VmRSS in kB")
}

/// Sends `requests` (already formatted) one after another on one connection, reading each answer.
fn send_all(port: u16, requests: Vec<Vec<u8>>) -> usize {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut writer = stream;
    let mut accepted = 0;
    for req in requests {
        writer.write_all(&req).expect("write");
        let mut status = String::new();
        reader.read_line(&mut status).expect("status line");
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("header line");
            if line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().expect("content-length");
                }
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("body");
        accepted += usize::from(status.contains(" 202 "));
    }
    accepted
}

/// Serves `QuickAck` on a loopback port in a runtime thread of its own; returns the port.
fn serve_axum(tx: hookgate_core::EventSender) -> u16 {
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
            port_tx.send(listener.local_addr().expect("addr").port()).expect("port");
            let app = axum::Router::new().route_service("/webhooks", QuickAck::new(endpoint(), tx));
            axum::serve(listener, app).await.expect("serve");
        });
    });
    port_rx.recv().expect("port")
}

/// Serves `QuickAck` (one worker) on a loopback port; returns the port.
fn serve_actix(tx: hookgate_core::EventSender) -> u16 {
    use actix_web::{App, HttpResponse, HttpServer, web};
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(move || {
                App::new().service(
                    web::resource("/webhooks")
                        .wrap(hookgate_actix::QuickAck::new(endpoint(), tx.clone()))
                        .route(web::post().to(HttpResponse::NoContent)),
                )
            })
            .workers(1)
            .listen(listener)
            .expect("listen")
            .run()
            .await
            .expect("serve");
        });
    });
    port
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(4096);
    let conns: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(8).max(1);
    let requests: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let (body, headers) = signed(i);
            let mut r = format!("POST /webhooks HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {}\r\n", body.len());
            for (k, v) in headers {
                r.push_str(&format!("{k}: {v}\r\n"));
            }
            r.push_str("\r\n");
            r.push_str(&body);
            r.into_bytes()
        })
        .collect();
    let framework = args.next().unwrap_or_else(|| "axum".into());
    let (tx, rx) = hookgate_core::channel(n);
    let port = match framework.as_str() {
        "axum" => serve_axum(tx),
        "actix" => serve_actix(tx),
        other => panic!("unknown framework {other}: axum | actix"),
    };
    let before = rss_kib();
    let mut shares: Vec<Vec<Vec<u8>>> = vec![Vec::new(); conns];
    for (i, r) in requests.into_iter().enumerate() {
        shares[i % conns].push(r);
    }
    let handles: Vec<_> = shares.into_iter().map(|s| std::thread::spawn(move || send_all(port, s))).collect();
    let accepted: usize = handles.into_iter().map(|h| h.join().expect("client")).sum();
    let after = rss_kib();
    let queued = rx.len();
    println!(
        "{accepted} accepted, {queued} events queued, RSS {before} KiB -> {after} KiB: {:.0} bytes per queued event",
        (after.saturating_sub(before) * 1024) as f64 / queued.max(1) as f64
    );
}
