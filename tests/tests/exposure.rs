//! The server when exposed: what `satark serve` refuses to start with, what it never
//! serves beyond this machine, how it treats slow and greedy clients, the modes of
//! what it writes, and what its request trace may say.
//!
//! Every test listens on loopback only (a configuration naming `0.0.0.0` is refused
//! before anything is bound), bounds each wait, and reads no calendar date.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use satark::config::{ConfigError, DEV_APP_SECRET, DEV_VERIFY_TOKEN};
use satark::simulator::{self, SimulatorState};
use satark::{ServeConfig, ServeError};
use satark_e2e::Harness;
use satark_e2e::LogBuffer;
use satark_whatsapp::fake::FakeGraph;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tower::ServiceExt;

/// The longest any single exchange in these tests may take before the test fails.
const BOUND: Duration = Duration::from_secs(10);
/// How late a timeout may fire on a machine busy with other tests and still count as
/// having fired: the property tested is "closed, and not before the timeout", where
/// without the limit the connection would stay open for ever.
const SLACK: Duration = Duration::from_secs(5);

fn real_secrets(c: &mut ServeConfig) {
    c.app_secret = "a-real-app-secret-9f8e7d".into();
    c.verify_token = "a-real-verify-token-1c2b3a".into();
    c.access_token = "a-real-access-token-4d5e6f".into();
}

/// A port nothing listens on at the moment (bound, then released).
async fn free_port() -> u16 {
    let probe = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("probe");
    probe.local_addr().expect("addr").port()
}

#[tokio::test]
async fn refused_configurations_name_the_settings_and_do_not_listen() {
    type Case = (&'static str, fn(&mut ServeConfig), &'static [&'static str]);
    let cases: [Case; 5] = [
        (
            "all interfaces, development secrets",
            |c| c.bind = "0.0.0.0".into(),
            &[
                "SATARK_BIND=0.0.0.0",
                "SATARK_WHATSAPP_APP_SECRET",
                "SATARK_WHATSAPP_VERIFY_TOKEN",
                "SATARK_WHATSAPP_ACCESS_TOKEN",
            ],
        ),
        (
            "a LAN address, one development secret",
            |c| {
                real_secrets(c);
                c.bind = "192.168.1.20".into();
                c.graph_base_url = Some("https://graph.facebook.com".into());
                c.app_secret = DEV_APP_SECRET.into();
            },
            &["SATARK_BIND=192.168.1.20", "SATARK_WHATSAPP_APP_SECRET"],
        ),
        (
            "loopback behind a tunnel, real Graph API, development secrets",
            |c| c.graph_base_url = Some("https://graph.facebook.com".into()),
            &["SATARK_GRAPH_BASE_URL", "SATARK_WHATSAPP_APP_SECRET"],
        ),
        (
            "real Graph API, an empty verify token",
            |c| {
                real_secrets(c);
                c.graph_base_url = Some("https://graph.facebook.com".into());
                c.verify_token = String::new();
            },
            &["SATARK_WHATSAPP_VERIFY_TOKEN"],
        ),
        (
            "all interfaces with the built-in fake Graph API",
            |c| {
                real_secrets(c);
                c.bind = "0.0.0.0".into();
            },
            &["SATARK_BIND=0.0.0.0", "SATARK_GRAPH_BASE_URL"],
        ),
    ];
    let root = tempfile::tempdir().expect("tempdir");
    for (what, adjust, settings) in cases {
        let data_dir = root.path().join("never-created");
        let mut config = ServeConfig::local(data_dir.clone());
        config.port = free_port().await;
        adjust(&mut config);
        let port = config.port;
        let error = match satark::start(config).await {
            Ok(running) => {
                running.shutdown();
                panic!("{what}: started");
            }
            Err(e) => e,
        };
        assert!(matches!(error, ServeError::Config(_)), "{what}: {error}");
        let message = error.to_string();
        assert!(message.starts_with("refusing to start"), "{what}: {message}");
        for setting in settings {
            assert!(message.contains(setting), "{what}: {setting} not named in: {message}");
        }
        assert!(
            TcpStream::connect(("127.0.0.1", port)).await.is_err(),
            "{what}: something listens on the port"
        );
        assert!(!data_dir.exists(), "{what}: the data directory was created");
    }
}

#[tokio::test]
async fn settings_that_cannot_work_are_refused() {
    let root = tempfile::tempdir().expect("tempdir");
    let mut config = ServeConfig::local(root.path().join("data"));
    config.idle_timeout_secs = config.request_timeout_secs;
    let e = satark::start(config).await.err().expect("refused");
    assert!(
        matches!(e, ServeError::Config(ConfigError::IdleNotLongerThanRequest { .. })),
        "{e}"
    );
    let mut config = ServeConfig::local(root.path().join("data"));
    config.max_connections = 0;
    let e = satark::start(config).await.err().expect("refused");
    assert!(e.to_string().contains("SATARK_MAX_CONNECTIONS"), "{e}");
}

// ---- the simulator and the fake Graph API stay on this machine ----

fn simulator_state() -> SimulatorState {
    let config = ServeConfig::local("unused".into());
    SimulatorState {
        fake: FakeGraph::new(&config.access_token, &config.phone_number_id, &config.graph_api_version),
        // Never reached: no request here gets as far as sending a webhook.
        webhook_url: "http://127.0.0.1:9/webhook".into(),
        app_secret: Arc::from(config.app_secret.as_bytes()),
        phone_number_id: config.phone_number_id.clone(),
        range_name: "Test Range".into(),
        http: reqwest::Client::new(),
        clock: config.clock.clone(),
    }
}

/// Every kind of simulator and fake Graph API request: the page, signing a webhook,
/// reading a number's replies, sending as the business, fetching media.
fn development_requests() -> Vec<(&'static str, String)> {
    let c = ServeConfig::local("unused".into());
    vec![
        ("GET", "/simulator".into()),
        ("GET", "/simulator/api/info".into()),
        ("POST", "/simulator/api/send".into()),
        ("GET", "/simulator/api/messages?to=919876543210".into()),
        (
            "POST",
            format!("/fake-graph/{}/{}/messages", c.graph_api_version, c.phone_number_id),
        ),
        ("GET", format!("/fake-graph/{}/1", c.graph_api_version)),
        ("GET", "/fake-graph/fake-lookaside/1".into()),
    ]
}

async fn status_from(app: &axum::Router, method: &str, uri: &str, peer: Option<SocketAddr>) -> StatusCode {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(peer) = peer {
        request = request.extension(ConnectInfo(peer));
    }
    let body = if method == "POST" {
        Body::from("{}")
    } else {
        Body::empty()
    };
    let request = request
        .header("content-type", "application/json")
        .body(body)
        .expect("request");
    app.clone().oneshot(request).await.expect("infallible").status()
}

#[tokio::test]
async fn the_simulator_and_fake_graph_are_not_mounted_beyond_loopback() {
    let app = simulator::mount(axum::Router::new(), false, Some(simulator_state()));
    // Even a peer on this machine (a port forward) finds nothing: the routes are absent.
    let local: SocketAddr = "127.0.0.1:40000".parse().expect("addr");
    for (method, uri) in development_requests() {
        assert_eq!(
            status_from(&app, method, &uri, Some(local)).await,
            StatusCode::NOT_FOUND,
            "{method} {uri} is mounted beyond loopback"
        );
    }
    assert_eq!(
        status_from(&app, "GET", "/", Some(local)).await,
        StatusCode::OK,
        "the front page stays"
    );
}

#[tokio::test]
async fn on_loopback_the_simulator_answers_only_loopback_peers() {
    let app = simulator::mount(axum::Router::new(), true, Some(simulator_state()));
    let loopback: [SocketAddr; 3] = [
        "127.0.0.1:40000".parse().expect("addr"),
        "127.3.2.1:40000".parse().expect("addr"),
        "[::1]:40000".parse().expect("addr"),
    ];
    for peer in loopback {
        for uri in ["/simulator", "/simulator/api/info"] {
            assert_eq!(
                status_from(&app, "GET", uri, Some(peer)).await,
                StatusCode::OK,
                "{peer} {uri}"
            );
        }
    }
    let outside: [SocketAddr; 3] = [
        "203.0.113.7:40000".parse().expect("addr"),
        "[2001:db8::1]:40000".parse().expect("addr"),
        "192.168.1.20:40000".parse().expect("addr"),
    ];
    for (method, uri) in development_requests() {
        for peer in outside.iter().copied().map(Some).chain([None]) {
            assert_eq!(
                status_from(&app, method, &uri, peer).await,
                StatusCode::NOT_FOUND,
                "{method} {uri} answered {peer:?}"
            );
        }
    }
}

#[tokio::test]
async fn the_running_server_gives_each_request_its_peer() {
    // The real server on loopback with the built-in fake: the guard lets this machine
    // in, which it only does when the server puts the peer address on the request.
    let data = tempfile::tempdir().expect("tempdir");
    let running = satark::start(ServeConfig::local(data.path().to_path_buf()))
        .await
        .expect("start");
    let http = reqwest::Client::builder().timeout(BOUND).build().expect("client");
    for path in ["/simulator", "/simulator/api/info"] {
        let status = http
            .get(format!("http://{}{path}", running.addr))
            .send()
            .await
            .expect("reachable")
            .status();
        assert_eq!(status, 200, "{path}");
    }
    running.shutdown();
}

// ---- slow and greedy clients ----

/// Reads until the server closes the connection (end of stream or reset), at most
/// `BOUND`; returns what arrived and when the connection closed (None: it did not).
async fn read_until_closed(stream: &mut tokio::net::tcp::OwnedReadHalf) -> (Vec<u8>, Option<Instant>) {
    let mut got = vec![];
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + BOUND;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return (got, None),
            Ok(Ok(0)) | Ok(Err(_)) => return (got, Some(Instant::now())),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// Writes `bytes` one at a time, `gap` apart, until they run out or the server stops
/// taking them.
fn trickle(mut writer: tokio::net::tcp::OwnedWriteHalf, bytes: Vec<u8>, gap: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        for b in bytes {
            if writer.write_all(&[b]).await.is_err() {
                return;
            }
            tokio::time::sleep(gap).await;
        }
        // Hold the connection open, sending nothing more.
        tokio::time::sleep(BOUND * 2).await;
    })
}

fn status_of(response: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(response).ok()?;
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

#[tokio::test]
async fn headers_sent_byte_by_byte_slower_than_the_timeout_are_cut() {
    let h = Harness::start_with(|c| c.header_read_timeout_secs = 1).await;
    let stream = TcpStream::connect(h.server.addr).await.expect("connect");
    let opened = Instant::now();
    let (mut reader, writer) = stream.into_split();
    // Ten bytes a second, each well inside the timeout; the head never ends in time.
    let mut head = b"GET /webhook HTTP/1.1\r\nHost: satark\r\nX-Padding: ".to_vec();
    head.extend(std::iter::repeat_n(b'a', 200));
    let sender = trickle(writer, head, Duration::from_millis(100));
    let (got, closed) = read_until_closed(&mut reader).await;
    sender.abort();
    let closed = closed.expect("the connection is still open");
    let after = closed - opened;
    assert!(after >= Duration::from_millis(900), "closed too early: {after:?}");
    assert!(after < Duration::from_secs(1) + SLACK, "closed too late: {after:?}");
    assert!(
        status_of(&got).is_none_or(|s| s >= 400),
        "answered {:?}",
        String::from_utf8_lossy(&got)
    );
}

#[tokio::test]
async fn silent_and_kept_alive_connections_are_closed() {
    let h = Harness::start_with(|c| c.header_read_timeout_secs = 1).await;
    // A connection that never says anything.
    let (mut reader, _writer) = TcpStream::connect(h.server.addr).await.expect("connect").into_split();
    let opened = Instant::now();
    let (got, closed) = read_until_closed(&mut reader).await;
    let after = closed.expect("the silent connection is still open") - opened;
    assert!(got.is_empty());
    assert!(
        (Duration::from_millis(900)..Duration::from_secs(1) + SLACK).contains(&after),
        "{after:?}"
    );

    // One answered request, then nothing: the kept-alive connection is closed too.
    let (mut reader, mut writer) = TcpStream::connect(h.server.addr).await.expect("connect").into_split();
    writer
        .write_all(b"GET /webhook HTTP/1.1\r\nHost: satark\r\n\r\n")
        .await
        .expect("write");
    let mut buf = [0u8; 1024];
    let n = tokio::time::timeout(BOUND, reader.read(&mut buf))
        .await
        .expect("answered in time")
        .expect("read");
    assert_eq!(
        status_of(&buf[..n]),
        Some(403),
        "the handshake without a token is refused"
    );
    let answered = Instant::now();
    let (_, closed) = read_until_closed(&mut reader).await;
    let after = closed.expect("the kept-alive connection is still open") - answered;
    assert!(after < Duration::from_secs(1) + SLACK, "{after:?}");
}

#[tokio::test]
async fn a_connection_on_which_nothing_moves_is_closed_as_idle() {
    // The header timeout is far away: only the idle timeout can close this one.
    let h = Harness::start_with(|c| {
        c.header_read_timeout_secs = 60;
        c.request_timeout_secs = 1;
        c.idle_timeout_secs = 2;
    })
    .await;
    let (mut reader, _writer) = TcpStream::connect(h.server.addr).await.expect("connect").into_split();
    let opened = Instant::now();
    let (_, closed) = read_until_closed(&mut reader).await;
    let after = closed.expect("the idle connection is still open") - opened;
    assert!(
        (Duration::from_millis(1800)..Duration::from_secs(2) + SLACK).contains(&after),
        "{after:?}"
    );
}

const PARTIAL_POST: &[u8] = b"POST /webhook HTTP/1.1\r\nHost: satark\r\nContent-Type: application/json\r\n\
                              Content-Length: 1000\r\n\r\n{\"object\":";

#[tokio::test]
async fn a_body_that_stalls_is_cut() {
    let h = Harness::start_with(|c| {
        c.body_timeout_secs = 1;
        c.request_timeout_secs = 5;
        c.idle_timeout_secs = 10;
    })
    .await;
    let (mut reader, mut writer) = TcpStream::connect(h.server.addr).await.expect("connect").into_split();
    writer.write_all(PARTIAL_POST).await.expect("write");
    let sent = Instant::now();
    let (got, closed) = read_until_closed(&mut reader).await;
    let after = closed.expect("the stalled upload is still open") - sent;
    // The body error reaches the webhook's body extractor, which answers 400.
    assert_eq!(status_of(&got), Some(400), "{:?}", String::from_utf8_lossy(&got));
    assert!(
        (Duration::from_millis(900)..Duration::from_secs(1) + SLACK).contains(&after),
        "{after:?}"
    );
    drop(writer);
    assert!(h.graph.sent().is_empty());
}

#[tokio::test]
async fn a_body_that_trickles_for_ever_is_cut_by_the_request_timeout() {
    let h = Harness::start_with(|c| {
        c.body_timeout_secs = 2;
        c.request_timeout_secs = 3;
        c.idle_timeout_secs = 10;
    })
    .await;
    let (mut reader, mut writer) = TcpStream::connect(h.server.addr).await.expect("connect").into_split();
    writer.write_all(PARTIAL_POST).await.expect("write");
    let sent = Instant::now();
    // A byte every 200 ms: never a pause the body timeout would catch.
    let sender = trickle(writer, vec![b' '; 900], Duration::from_millis(200));
    let (got, closed) = read_until_closed(&mut reader).await;
    sender.abort();
    let after = closed.expect("the trickling upload is still open") - sent;
    assert_eq!(status_of(&got), Some(408), "{:?}", String::from_utf8_lossy(&got));
    assert!(
        (Duration::from_millis(2800)..Duration::from_secs(3) + SLACK).contains(&after),
        "{after:?}"
    );
}

#[tokio::test]
async fn over_the_concurrency_limit_the_answer_is_503_at_once() {
    let h = Harness::start_with(|c| {
        c.max_concurrent_requests = 1;
        c.body_timeout_secs = 5;
        c.request_timeout_secs = 6;
        c.idle_timeout_secs = 10;
    })
    .await;
    let http = reqwest::Client::builder().timeout(BOUND).build().expect("client");
    let handshake = format!(
        "{}?hub.mode=subscribe&hub.verify_token={}&hub.challenge=4711",
        h.webhook_url(),
        DEV_VERIFY_TOKEN
    );
    // One request in flight, waiting for the rest of its body (for 5 s).
    let (reader, mut holder) = TcpStream::connect(h.server.addr).await.expect("connect").into_split();
    holder.write_all(PARTIAL_POST).await.expect("write");

    // Until the server has taken that request up, a handshake still gets through;
    // from then on it is answered 503 at once (queued, it would wait the 5 s out).
    let deadline = Instant::now() + BOUND;
    let (busy, waited) = loop {
        let asked = Instant::now();
        let response = http.get(&handshake).send().await.expect("answered");
        if response.status() == 503 {
            break (response, asked.elapsed());
        }
        assert_eq!(response.status(), 200);
        assert!(Instant::now() < deadline, "never over the limit");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        busy.headers().get("retry-after").and_then(|v| v.to_str().ok()),
        Some("1")
    );
    assert!(waited < Duration::from_secs(3), "shed, not queued: {waited:?}");

    // The request in flight goes away; the slot is free again.
    drop(holder);
    drop(reader);
    let deadline = Instant::now() + BOUND;
    loop {
        let response = http.get(&handshake).send().await.expect("answered");
        if response.status() == 200 {
            assert_eq!(response.text().await.expect("body"), "4711");
            break;
        }
        assert_eq!(response.status(), 503);
        assert!(Instant::now() < deadline, "the slot was never freed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---- file modes ----

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("metadata").permissions().mode() & 0o7777
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Every directory under `dir` (itself included) is 0700, every file 0600; returns
/// the file names seen.
#[cfg(unix)]
fn assert_private(dir: &Path) -> Vec<String> {
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    let mut names = vec![];
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            names.extend(assert_private(&path));
        } else {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
            names.push(path.file_name().expect("name").to_string_lossy().into_owned());
        }
    }
    names
}

/// Writes to the database (a conversation) and the vault (an evidence file).
#[cfg(unix)]
async fn write_something(h: &Harness) {
    use satark_core::ports::{EvidenceVault, MediaRecord};
    let mut citizen = h.citizen("919876543210", "Asha");
    citizen.say("Hi").await;
    let record: MediaRecord = serde_json::from_value(serde_json::json!({
        "report_id": satark_core::ids::ReportId::from_entropy(&[7; 16]).as_str(),
        "media_key": "m1:0123abcd",
        "kind": "photo",
        "mime_type": "image/jpeg",
        "size": 4,
        "sha256": "00".repeat(32),
        "stored_at": 0,
    }))
    .expect("a media record");
    h.server.vault.put(&record, b"jpeg").await.expect("evidence stored");
}

#[cfg(unix)]
#[tokio::test]
async fn a_new_data_dir_is_0700_and_its_files_0600() {
    let h = Harness::start_with(|c| c.data_dir = c.data_dir.join("fresh/data")).await;
    write_something(&h).await;
    let names = assert_private(&h.config.data_dir);
    for expected in [
        "satark.sqlite3",
        "satark.sqlite3-wal",
        "satark.sqlite3-shm",
        "keys.json",
        "contact-secret.key",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} in {names:?}");
    }
    assert!(
        names.iter().any(|n| n.ends_with(".bin")),
        "an evidence file in {names:?}"
    );
    assert_eq!(mode(&h.data.path().join("fresh")), 0o700, "missing parents too");
}

#[cfg(unix)]
#[tokio::test]
async fn an_existing_open_data_dir_is_tightened() {
    // What an older version left: a 0755 directory of 0644 files.
    let h = Harness::start_with(|c| {
        let dir = c.data_dir.join("old");
        std::fs::create_dir(&dir).expect("mkdir");
        drop(satark_embedded::Store::open(&dir.join("satark.sqlite3")).expect("store"));
        satark_embedded::LocalKeys::load_or_create(&dir).expect("keys");
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            chmod(&entry.expect("entry").path(), 0o644);
        }
        chmod(&dir, 0o755);
        c.data_dir = dir;
    })
    .await;
    write_something(&h).await;
    let names = assert_private(&h.config.data_dir);
    assert!(names.iter().any(|n| n == "keys.json"), "{names:?}");
}

// ---- the request trace ----

/// Sends one raw request on a fresh connection and returns the answer's status.
async fn raw_request(addr: SocketAddr, request: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    stream.write_all(request).await.ok()?;
    let mut buf = [0u8; 2048];
    let n = tokio::time::timeout(BOUND, stream.read(&mut buf)).await.ok()?.ok()?;
    status_of(&buf[..n])
}

/// The log of this whole test binary, every server's, at every level: a subscriber
/// scoped to one test's thread misses events (tracing caches each call site's interest
/// across threads), and the other tests' servers must not leak either. The HTTP client
/// the tests use is left out: what it logs is not the server's.
fn server_logs() -> &'static LogBuffer {
    static LOGS: std::sync::OnceLock<LogBuffer> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = LogBuffer::default();
        let writer = logs.clone();
        let installed = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "trace,reqwest=off,hyper_util=off,hyper=off",
            ))
            .with_ansi(false)
            .try_init();
        assert!(installed.is_ok(), "another global subscriber");
        logs
    })
}

#[tokio::test]
async fn the_request_trace_logs_method_route_status_and_latency_only() {
    const TOKEN: &str = "verify-token-Qx7Lm2";
    let logs = server_logs();
    let h = Harness::start_with(|c| c.verify_token = TOKEN.into()).await;
    let addr = h.server.addr;

    let handshake = format!(
        "GET /webhook?hub.mode=subscribe&hub.verify_token={TOKEN}&hub.challenge=CHALLENGE-5521 HTTP/1.1\r\n\
         Host: satark\r\nCookie: session=COOKIE-SECRET\r\nAuthorization: Bearer AUTH-SECRET\r\n\
         Connection: close\r\n\r\n"
    );
    assert_eq!(raw_request(addr, handshake.as_bytes()).await, Some(200));
    let body = r#"{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"contacts":[{"wa_id":"919876543210","profile":{"name":"Asha BODY"}}]}}]}]}"#;
    let post = format!(
        "POST /webhook HTTP/1.1\r\nHost: satark\r\nContent-Type: application/json\r\n\
         X-Hub-Signature-256: sha256=SIGNATURE-SECRET\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    assert_eq!(raw_request(addr, post.as_bytes()).await, Some(401));
    let probe = b"GET /probe/919812345678?to=919812345678 HTTP/1.1\r\nHost: satark\r\nConnection: close\r\n\r\n";
    assert_eq!(raw_request(addr, probe).await, Some(404));

    let text = {
        let bytes = logs.0.lock().expect("logs").clone();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    for wanted in [
        "method=GET",
        "method=POST",
        "route=\"/webhook\"",
        "route=\"<unmatched>\"",
        "status=200",
        "status=401",
        "status=404",
        "latency_ms=",
    ] {
        assert!(text.contains(wanted), "{wanted} missing from the trace:\n{text}");
    }
    for secret in [
        TOKEN,
        "hub.",
        "CHALLENGE-5521",
        "COOKIE-SECRET",
        "AUTH-SECRET",
        "SIGNATURE-SECRET",
        "919876543210",
        "Asha",
        "919812345678",
        "/probe",
    ] {
        assert!(!text.contains(secret), "the log holds {secret}:\n{text}");
    }
}
