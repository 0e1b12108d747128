//! A harness for end-to-end tests: the real `satark serve` on a free port, a fake
//! Graph API on another, and citizens who send signed webhooks as Meta would.

pub mod aws;

use satark::{Running, ServeConfig};
use satark_whatsapp::fake::webhooks::{DISPLAY_PHONE_NUMBER, envelope, inbound_wamid, to_meta_bytes};
use satark_whatsapp::fake::{FakeGraph, FakeServer, SentRecord};
use satark_whatsapp::sign;
use serde_json::{Value, json};
use std::time::Duration;

/// The time the fixtures' messages were sent (their `timestamp`): 2025-12-30 08:00 UTC.
pub const FIXTURE_TIME: i64 = 1_767_081_600;

/// How long a test waits for the bot's answer before failing.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Harness {
    pub server: Running,
    pub graph: FakeGraph,
    _graph_server: FakeServer,
    pub http: reqwest::Client,
    pub config: ServeConfig,
    pub data: tempfile::TempDir,
}

impl Harness {
    /// Starts a fake Graph API and `satark serve` pointed at it (through
    /// `SATARK_GRAPH_BASE_URL`'s setting), with fast queue retries.
    pub async fn start() -> Harness {
        Self::start_with(|_| {}).await
    }

    /// Like [`Harness::start`], with settings changed by `adjust` first.
    pub async fn start_with(adjust: impl FnOnce(&mut ServeConfig)) -> Harness {
        let data = tempfile::tempdir().expect("tempdir");
        let mut config = ServeConfig::local(data.path().to_path_buf());
        // The date of the fixtures' messages (their `timestamp`), then real time: no
        // test depends on today's date.
        config.clock = std::sync::Arc::new(satark_core::clock::SteadyClock::starting_at(FIXTURE_TIME + 60));
        adjust(&mut config);
        let graph = FakeGraph::new(&config.access_token, &config.phone_number_id, &config.graph_api_version);
        // Meta's view: the templates deployers register, and the server's clock.
        graph.set_templates(satark::registered_templates().expect("templates"));
        let clock = config.clock.clone();
        graph.set_clock(move || clock.now_millis());
        let graph_server = graph.start().await.expect("fake graph");
        config.graph_base_url = Some(graph_server.base_url.clone());
        config.queue_retry_ms = 50;
        let server = satark::start(config.clone()).await.expect("satark serve");
        Harness {
            server,
            graph,
            _graph_server: graph_server,
            http: reqwest::Client::new(),
            config,
            data,
        }
    }

    /// The officers' actions (status, verdict, feedback, questions) on the server's
    /// store, as the dashboard will call them.
    pub fn casework(&self) -> satark_core::service::Casework {
        use std::sync::Arc;
        let store = self.server.store.clone();
        satark_core::service::Casework {
            reports: Arc::new(store.clone()),
            triage: Arc::new(store.clone()),
            conversations: Arc::new(store.clone()),
            threads: Arc::new(store.clone()),
            queue: Arc::new(store.clone()),
            filter: Arc::new(satark_core::service::LearnedFilter::new(Arc::new(store))),
            entropy: Arc::new(satark_embedded::OsEntropy),
            range: Arc::new(satark_core::range::RangeConfig::default_range().expect("range")),
            catalog: Arc::new(satark_core::i18n::Catalog::load().expect("catalogs")),
        }
    }

    /// Kills the server (as a crash would) and starts it again on the same data.
    pub async fn restart(&mut self) {
        self.server.kill().await;
        self.server = satark::start(self.config.clone()).await.expect("satark serve restarts");
    }

    pub fn webhook_url(&self) -> String {
        format!("http://{}/webhook", self.server.addr)
    }

    /// Posts `payload` as Meta would: escaped-Unicode bytes, signed with the app secret.
    pub async fn deliver(&self, payload: &Value) -> u16 {
        let body = to_meta_bytes(payload);
        let signature = sign(self.config.app_secret.as_bytes(), &body);
        self.post_raw(body, Some(&signature)).await
    }

    pub async fn post_raw(&self, body: Vec<u8>, signature: Option<&str>) -> u16 {
        let mut req = self
            .http
            .post(self.webhook_url())
            .header("content-type", "application/json")
            .body(body);
        if let Some(sig) = signature {
            req = req.header("x-hub-signature-256", sig);
        }
        req.send().await.expect("webhook reachable").status().as_u16()
    }

    pub fn citizen(&self, phone: &str, name: &str) -> Citizen<'_> {
        Citizen {
            harness: self,
            phone: phone.into(),
            name: name.into(),
            seen: 0,
            deliveries: 1,
            bsuid: false,
            realistic_ids: false,
        }
    }

    /// The stored reports, newest first.
    pub async fn reports(&self) -> Vec<satark_core::report::Report> {
        use satark_core::ports::ReportStore;
        self.server.store.list_recent(1000).await.expect("reports")
    }

    /// Waits until `check` holds, polling; false on timeout.
    pub async fn eventually<F: FnMut() -> bool>(&self, mut check: F) -> bool {
        let deadline = tokio::time::Instant::now() + REPLY_TIMEOUT;
        while tokio::time::Instant::now() < deadline {
            if check() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        check()
    }
}

/// A citizen with a phone: sends messages and reads the bot's replies.
pub struct Citizen<'a> {
    harness: &'a Harness,
    /// The phone number (wa_id), or the business-scoped user id of a user without one.
    pub phone: String,
    pub name: String,
    /// How many of the bot's messages to this phone were read so far.
    seen: usize,
    /// Every webhook is delivered this many times, concurrently (Meta's retries).
    pub deliveries: usize,
    /// A user known only by a business-scoped user id (no `from`, no `wa_id`).
    pub bsuid: bool,
    /// Message ids shaped like Meta's, which embed the sender's number in base64.
    pub realistic_ids: bool,
}

impl Citizen<'_> {
    /// A `messages[]` element from this citizen.
    pub fn message(&self, kind: &str, content: Value) -> Value {
        let id = if self.realistic_ids {
            meta_wamid(&self.phone)
        } else {
            inbound_wamid()
        };
        let mut m = json!({ "id": id, "timestamp": "1767081600", "type": kind });
        if self.bsuid {
            m["from_user_id"] = json!(self.phone);
        } else {
            m["from"] = json!(self.phone);
        }
        m[kind] = content;
        m
    }

    /// The envelope Meta sends for one message, with the profile name it includes.
    pub fn payload(&self, message: Value) -> Value {
        let contact = if self.bsuid {
            json!({ "profile": { "name": self.name }, "user_id": self.phone })
        } else {
            json!({ "profile": { "name": self.name }, "wa_id": self.phone, "identity_key_hash": "aGFzaA==" })
        };
        envelope(
            &self.harness.config.phone_number_id,
            json!({ "contacts": [contact], "messages": [message] }),
        )
    }

    /// Sends a message (as many times as `deliveries`, concurrently) and waits for
    /// `replies` answers; returns them.
    pub async fn send(&mut self, message: Value, replies: usize) -> Vec<SentRecord> {
        let payload = self.payload(message);
        // The user wrote: the fake opens their 24-hour window, as Meta would.
        self.harness.graph.note_inbound(&self.phone);
        let statuses = futures::future::join_all((0..self.deliveries).map(|_| self.harness.deliver(&payload))).await;
        assert!(statuses.iter().all(|s| *s == 200), "webhook answered {statuses:?}");
        self.expect(replies).await
    }

    /// What the bot sent this citizen so far.
    fn received(&self) -> Vec<SentRecord> {
        if self.bsuid {
            let id = Some(self.phone.clone());
            self.harness
                .graph
                .sent()
                .into_iter()
                .filter(|r| r.recipient == id)
                .collect()
        } else {
            self.harness.graph.sent_to(&self.phone)
        }
    }

    /// Waits for `n` more replies to this phone, then makes sure no extra one follows.
    pub async fn expect(&mut self, n: usize) -> Vec<SentRecord> {
        let target = self.seen + n;
        let arrived = self.harness.eventually(|| self.received().len() >= target).await;
        let all = self.received();
        assert!(
            arrived,
            "expected {n} replies, got {}: {:?}",
            all.len() - self.seen,
            bodies(&all[self.seen..])
        );
        // No more than expected: give a straggler a moment to show up.
        tokio::time::sleep(Duration::from_millis(60)).await;
        let all = self.received();
        assert_eq!(
            all.len(),
            target,
            "more replies than expected: {:?}",
            bodies(&all[self.seen..])
        );
        let new = all[self.seen..].to_vec();
        self.seen = target;
        new
    }

    pub async fn say(&mut self, text: &str) -> Vec<SentRecord> {
        self.send(self.message("text", json!({ "body": text })), 1).await
    }

    /// Taps the button or list row of the bot's latest interactive message whose id
    /// ends with `action` (e.g. `lang:hi`, `d:JNP`, `done`).
    pub async fn tap(&mut self, action: &str) -> Vec<SentRecord> {
        self.tap_expecting(action, 1).await
    }

    /// Like [`Citizen::tap`], for a tap answered with `replies` messages.
    pub async fn tap_expecting(&mut self, action: &str, replies: usize) -> Vec<SentRecord> {
        let all = self.received();
        let (wamid, kind, id, title) = all
            .iter()
            .rev()
            .find_map(|r| find_option(&r.body, action).map(|(k, id, t)| (r.wamid.clone(), k, id, t)))
            .unwrap_or_else(|| panic!("no option {action} in {:?}", bodies(&all)));
        let mut m = self.message(
            "interactive",
            json!({ "type": kind, (kind.as_str()): { "id": id, "title": title } }),
        );
        m["context"] = json!({ "from": DISPLAY_PHONE_NUMBER, "id": wamid });
        self.send(m, replies).await
    }

    /// Sends media stored in the fake Graph API.
    pub async fn media(&mut self, kind: &str, bytes: Vec<u8>, mime: &str, extra: Value) -> Vec<SentRecord> {
        let id = self.harness.graph.add_media(bytes, mime);
        let mut content = json!({ "id": id, "mime_type": mime, "sha256": "ZmFrZQ==" });
        if let (Some(obj), Some(extra)) = (content.as_object_mut(), extra.as_object()) {
            obj.extend(extra.clone());
        }
        self.send(self.message(kind, content), 1).await
    }
}

/// A message id shaped like Meta's: `wamid.` and base64 that embeds the sender's
/// number, then random bytes.
pub fn meta_wamid(phone: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let mut raw = vec![0x18, phone.len() as u8];
    raw.extend_from_slice(phone.as_bytes());
    raw.extend_from_slice(b"\x15\x02\x00\x12\x18\x14");
    raw.extend_from_slice(format!("3EB0{n:016X}").as_bytes());
    format!("wamid.HB{}", base64_encode(&raw))
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The option with id ending in `action`: ("button_reply" | "list_reply", id, title).
fn find_option(body: &Value, action: &str) -> Option<(String, String, String)> {
    let interactive = body.get("interactive")?;
    let ends = |id: &str| id.ends_with(&format!(":{action}"));
    if let Some(buttons) = interactive.pointer("/action/buttons").and_then(Value::as_array) {
        for b in buttons {
            let id = b.pointer("/reply/id")?.as_str()?;
            if ends(id) {
                return Some((
                    "button_reply".into(),
                    id.into(),
                    b.pointer("/reply/title")?.as_str()?.into(),
                ));
            }
        }
    }
    if let Some(sections) = interactive.pointer("/action/sections").and_then(Value::as_array) {
        for row in sections
            .iter()
            .filter_map(|s| s.get("rows").and_then(Value::as_array))
            .flatten()
        {
            let id = row.get("id")?.as_str()?;
            if ends(id) {
                return Some(("list_reply".into(), id.into(), row.get("title")?.as_str()?.into()));
            }
        }
    }
    None
}

/// The text a citizen reads in a message (body of text or interactive).
pub fn text_of(record: &SentRecord) -> String {
    let b = &record.body;
    b.pointer("/text/body")
        .or_else(|| b.pointer("/interactive/body/text"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn bodies(records: &[SentRecord]) -> Vec<String> {
    records.iter().map(text_of).collect()
}

/// The reference code in a confirmation (`JNP-7K3QX`), if any.
pub fn reference_in(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || c == ':').find_map(|w| {
        let code =
            satark_core::ids::ReferenceCode::parse(w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-'))?;
        w.contains('-').then(|| code.to_string())
    })
}

/// A writer a test's log subscriber appends to, to scan what was logged.
#[derive(Clone, Default)]
pub struct LogBuffer(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
