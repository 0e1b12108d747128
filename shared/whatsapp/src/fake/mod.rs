//! An in-process fake of the Graph API (feature `fake`), faithful enough for
//! the local simulator and other crates' end-to-end tests: bearer-token and
//! path checks, every documented send limit (via [`crate::send::parse_send_body`],
//! i.e. the same rules as [`crate::send::validate`]), read receipts, media info
//! and lookaside downloads, and fault injection.

mod routes;
pub mod webhooks;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::sync::watch;

use crate::client::GraphConfig;

/// One message the fake accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct SentRecord {
    /// The wamid the fake returned.
    pub wamid: String,
    /// `to` exactly as received, e.g. `+919876543210`.
    pub to: Option<String>,
    /// `recipient` (BSUID) as received.
    pub recipient: Option<String>,
    /// The full JSON body.
    pub body: Value,
    /// When it was accepted.
    pub at: SystemTime,
}

impl SentRecord {
    /// The message in typed form (or `None` for kinds this crate does not
    /// model), for assertions in tests.
    pub fn message(&self) -> Option<crate::send::OutgoingMessage> {
        match crate::send::parse_send_body(&self.body) {
            Ok(crate::send::ParsedBody::Message { message, .. }) => Some(message),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
struct StoredMedia {
    bytes: Vec<u8>,
    mime: String,
}

#[derive(Debug, Clone, Copy)]
struct Failure {
    remaining: usize,
    http_status: u16,
    code: i64,
}

#[derive(Debug, Default)]
struct State {
    sent: Vec<SentRecord>,
    reads: Vec<String>,
    media: HashMap<String, StoredMedia>,
    /// Live lookaside URL tokens → media id; cleared to simulate expiry.
    url_tokens: HashMap<String, String>,
    next_media: u64,
    next_id: u64,
    failure: Option<Failure>,
    public_base: Option<String>,
}

#[derive(Debug)]
struct Inner {
    access_token: String,
    phone_number_id: String,
    api_version: String,
    seed: u64,
    state: Mutex<State>,
    sent_count: watch::Sender<usize>,
}

/// The fake Graph API. Cheap to clone (shared state).
#[derive(Debug, Clone)]
pub struct FakeGraph {
    inner: Arc<Inner>,
}

/// A running fake bound to a loopback port; the server stops when dropped.
#[derive(Debug)]
pub struct FakeServer {
    /// The bound address.
    pub addr: SocketAddr,
    /// `http://{addr}`: use as `GraphConfig::base_url`.
    pub base_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeGraph {
    /// A fake that accepts `access_token` for phone number `phone_number_id`
    /// on Graph version `api_version` (e.g. `v25.0`).
    pub fn new(access_token: &str, phone_number_id: &str, api_version: &str) -> Self {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let (sent_count, _) = watch::channel(0);
        FakeGraph {
            inner: Arc::new(Inner {
                access_token: access_token.to_owned(),
                phone_number_id: phone_number_id.to_owned(),
                api_version: api_version.to_owned(),
                seed,
                state: Mutex::new(State {
                    next_media: 1,
                    ..State::default()
                }),
                sent_count,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-updated
        // in a way that matters for a fake; keep serving.
        self.inner.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The axum router serving the fake endpoints.
    pub fn router(&self) -> axum::Router {
        routes::router(self.clone())
    }

    /// Binds `127.0.0.1:0`, serves the router in a task, sets the public base
    /// URL and returns the running server (dropping it stops the server).
    pub async fn start(&self) -> std::io::Result<FakeServer> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        self.set_public_base(base_url.clone());
        let router = self.router();
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::warn!(error = %e, "fake Graph API server stopped");
            }
        });
        Ok(FakeServer { addr, base_url, task })
    }

    /// A client configuration pointing at this fake (served at `base_url`).
    pub fn client_config(&self, base_url: &str) -> GraphConfig {
        GraphConfig {
            base_url: base_url.to_owned(),
            api_version: self.inner.api_version.clone(),
            access_token: self.inner.access_token.clone(),
            phone_number_id: self.inner.phone_number_id.clone(),
            user_agent: "satark-fake-client/1".to_owned(),
            timeout: Duration::from_secs(10),
        }
    }

    /// The base URL the fake is reachable at; media URLs point back at it.
    /// Without it, the request's `Host` header is used.
    pub fn set_public_base(&self, url: String) {
        self.state().public_base = Some(url.trim_end_matches('/').to_owned());
    }

    /// Stores a media file and returns its new (numeric) media id.
    pub fn add_media(&self, bytes: Vec<u8>, mime: &str) -> String {
        let mut st = self.state();
        let id = format!("{}", 1_038_475_629_100_000u64 + st.next_media);
        st.next_media += 1;
        st.media.insert(
            id.clone(),
            StoredMedia {
                bytes,
                mime: mime.to_owned(),
            },
        );
        id
    }

    /// Invalidates every media URL handed out so far, as if their 5 minutes
    /// had passed: downloads then get 404 until the media id is re-queried.
    pub fn expire_media_urls(&self) {
        self.state().url_tokens.clear();
    }

    /// Every accepted message, oldest first.
    pub fn sent(&self) -> Vec<SentRecord> {
        self.state().sent.clone()
    }

    /// Accepted messages addressed to `to_digits` (with or without `+`; a
    /// BSUID matches `recipient`).
    pub fn sent_to(&self, to_digits: &str) -> Vec<SentRecord> {
        let want = to_digits.trim().trim_start_matches('+');
        self.state()
            .sent
            .iter()
            .filter(|r| {
                r.to.as_deref().map(|t| t.trim_start_matches('+')) == Some(want) || r.recipient.as_deref() == Some(want)
            })
            .cloned()
            .collect()
    }

    /// Wamids marked read, in order.
    pub fn read_receipts(&self) -> Vec<String> {
        self.state().reads.clone()
    }

    /// Forgets sent messages, read receipts and pending faults (media stays).
    pub fn clear(&self) {
        let mut st = self.state();
        st.sent.clear();
        st.reads.clear();
        st.failure = None;
        drop(st);
        self.inner.sent_count.send_replace(0);
    }

    /// Makes the next `n` message sends fail with `http_status` and Graph
    /// `code` (e.g. 400/131056 pair rate limit, 500/131000). Read receipts
    /// are not affected.
    pub fn fail_next_sends(&self, n: usize, http_status: u16, code: i64) {
        self.state().failure = (n > 0).then_some(Failure {
            remaining: n,
            http_status,
            code,
        });
    }

    /// Waits until at least `count` messages are recorded (since creation or
    /// the last [`Self::clear`]); `false` on timeout.
    pub async fn wait_for_sent(&self, count: usize, timeout: Duration) -> bool {
        let mut rx = self.inner.sent_count.subscribe();
        matches!(
            tokio::time::timeout(timeout, rx.wait_for(|n| *n >= count)).await,
            Ok(Ok(_))
        )
    }

    fn next_id(&self, st: &mut State) -> u64 {
        st.next_id += 1;
        st.next_id
    }

    fn take_failure(&self) -> Option<(u16, i64)> {
        let mut st = self.state();
        let f = st.failure.as_mut()?;
        f.remaining -= 1;
        let out = (f.http_status, f.code);
        if f.remaining == 0 {
            st.failure = None;
        }
        Some(out)
    }

    fn record_sent(&self, to: Option<String>, recipient: Option<String>, body: Value) -> String {
        let mut st = self.state();
        let n = self.next_id(&mut st);
        let wamid = format!("wamid.FAKE{:016X}{n:08}", self.inner.seed);
        st.sent.push(SentRecord {
            wamid: wamid.clone(),
            to,
            recipient,
            body,
            at: SystemTime::now(),
        });
        let count = st.sent.len();
        drop(st);
        self.inner.sent_count.send_replace(count);
        wamid
    }

    fn record_read(&self, wamid: String) {
        self.state().reads.push(wamid);
    }

    fn fbtrace_id(&self) -> String {
        let mut st = self.state();
        let n = self.next_id(&mut st);
        format!("FakeTrace{n:08}")
    }

    /// Issues a fresh lookaside URL token for `media_id`, if it exists.
    fn media_url(&self, media_id: &str, host: Option<&str>) -> Option<(String, StoredMedia)> {
        let mut st = self.state();
        let media = st.media.get(media_id)?.clone();
        let n = self.next_id(&mut st);
        let token = format!("{:x}{n:x}", self.inner.seed);
        st.url_tokens.insert(token.clone(), media_id.to_owned());
        let base = match (&st.public_base, host) {
            (Some(b), _) => b.clone(),
            (None, Some(h)) => format!("http://{h}"),
            (None, None) => "http://127.0.0.1".to_owned(),
        };
        Some((format!("{base}/fake-lookaside/{media_id}?token={token}"), media))
    }

    /// The media behind a lookaside URL, if the token is live and matches.
    fn lookaside(&self, media_id: &str, token: Option<&str>) -> Option<StoredMedia> {
        let st = self.state();
        let token = token?;
        if st.url_tokens.get(token).map(String::as_str) != Some(media_id) {
            return None;
        }
        st.media.get(media_id).cloned()
    }
}
