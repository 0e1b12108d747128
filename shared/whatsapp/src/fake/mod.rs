//! An in-process fake of the Graph API (feature `fake`), faithful enough for
//! the local simulator and other crates' end-to-end tests: bearer-token and
//! path checks, every documented send limit (via [`crate::send::parse_send_body`],
//! i.e. the same rules as [`crate::send::validate`]), read receipts, media info
//! and lookaside downloads, and fault injection.
//!
//! Like the real API it also refuses
//! - a template that is not registered under its name and language (HTTP 404, code
//!   132001) or is sent with the wrong number of body parameters (HTTP 400, 132000),
//!   checked against the templates given to [`FakeGraph::set_templates`] (none by
//!   default: nothing is approved until registered);
//! - a free-form message to a user whose last inbound message is 24 hours old or more
//!   by the fake's clock (HTTP 400, 131047). The fake knows a user's last message from
//!   [`FakeGraph::note_inbound`] (the simulator and test harnesses call it for every
//!   message they deliver) or [`FakeGraph::set_last_inbound`]; a user it never heard
//!   from is given the benefit of the doubt unless [`FakeGraph::set_strict_window`].
//!
//! Time comes from the clock given to [`FakeGraph::set_clock`] (the system clock until
//! then), so tests that fix the date see sends stamped with it.

mod routes;
pub mod webhooks;

use std::collections::{HashMap, VecDeque};
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
    /// When it was accepted, by the fake's clock.
    pub at: SystemTime,
    /// The same, in Unix milliseconds.
    pub at_millis: i64,
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

/// A failure the fake answers a send with instead of accepting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The documented Graph error body (§9) with this HTTP status and `error.code`,
    /// e.g. 400/131056 (pair rate limit), 500/131000, 400/131048 (spam rate limit).
    Graph {
        /// HTTP status.
        status: u16,
        /// `error.code`.
        code: i64,
    },
    /// A bare HTTP error without a Graph body, as a proxy or load balancer answers
    /// (e.g. 502, 503).
    Http(u16),
}

/// One message send the fake was asked for, accepted or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendAttempt {
    /// `to` or `recipient` as received.
    pub to: Option<String>,
    /// The Graph `type` of the message (`text`, `interactive`, `template`, ...).
    pub kind: String,
    /// When it was asked for, by the fake's clock (Unix milliseconds).
    pub at_millis: i64,
    /// The HTTP status answered.
    pub status: u16,
    /// The Graph error code answered; `None` when accepted (or for a bare HTTP error).
    pub code: Option<i64>,
}

/// A template as registered (and approved) for the fake's business account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeTemplate {
    /// Template name.
    pub name: String,
    /// Language code, e.g. `hi`.
    pub language: String,
    /// Number of body parameters.
    pub params: usize,
}

/// Where the fake's "now" comes from: Unix milliseconds.
pub type FakeClock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The 24-hour customer-service window, in milliseconds.
const WINDOW_MILLIS: i64 = 24 * 3600 * 1000;

fn system_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
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
    /// Pending faults, each with how many sends it still answers.
    faults: VecDeque<(Fault, usize)>,
    attempts: Vec<SendAttempt>,
    /// Registered templates: (name, language) → body parameter count.
    templates: HashMap<(String, String), usize>,
    /// Each user's last inbound message (Unix milliseconds), by wa_id digits or BSUID.
    last_inbound: HashMap<String, i64>,
    strict_window: bool,
    public_base: Option<String>,
}

impl std::fmt::Debug for Clocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FakeClock")
    }
}

/// The fake's clock, replaceable.
struct Clocked(Mutex<FakeClock>);

#[derive(Debug)]
struct Inner {
    access_token: String,
    phone_number_id: String,
    api_version: String,
    seed: u64,
    state: Mutex<State>,
    sent_count: watch::Sender<usize>,
    clock: Clocked,
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
                clock: Clocked(Mutex::new(Arc::new(system_millis))),
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

    /// Forgets sent messages, attempts, read receipts and pending faults (media,
    /// templates and what it knows of users' last messages stay).
    pub fn clear(&self) {
        let mut st = self.state();
        st.sent.clear();
        st.attempts.clear();
        st.reads.clear();
        st.faults.clear();
        drop(st);
        self.inner.sent_count.send_replace(0);
    }

    /// Makes the next `n` message sends fail with `http_status` and Graph
    /// `code` (e.g. 400/131056 pair rate limit, 500/131000), replacing any
    /// pending faults (`n = 0` clears them). Read receipts are not affected.
    pub fn fail_next_sends(&self, n: usize, http_status: u16, code: i64) {
        let mut st = self.state();
        st.faults.clear();
        if n > 0 {
            st.faults.push_back((
                Fault::Graph {
                    status: http_status,
                    code,
                },
                n,
            ));
        }
    }

    /// Queues faults after any pending ones: the next sends are answered with them, one
    /// each, in order (then sends are accepted again).
    pub fn push_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.state().faults.extend(faults.into_iter().map(|f| (f, 1)));
    }

    /// How many sends pending faults will still answer.
    pub fn pending_faults(&self) -> usize {
        self.state()
            .faults
            .iter()
            .map(|(_, n)| *n)
            .fold(0, usize::saturating_add)
    }

    /// Every message send asked for, accepted or refused, oldest first.
    pub fn attempts(&self) -> Vec<SendAttempt> {
        self.state().attempts.clone()
    }

    /// Registers templates as approved (replacing those registered before); sends of
    /// any other name, language or parameter count are refused as Meta refuses them.
    pub fn set_templates(&self, templates: impl IntoIterator<Item = FakeTemplate>) {
        self.state().templates = templates
            .into_iter()
            .map(|t| ((t.name, t.language), t.params))
            .collect();
    }

    /// Sets where the fake's "now" comes from (Unix milliseconds): accepted sends are
    /// stamped with it, and the 24-hour window is measured by it.
    pub fn set_clock(&self, clock: impl Fn() -> i64 + Send + Sync + 'static) {
        *self.inner.clock.0.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(clock);
    }

    /// The fake's "now", Unix milliseconds.
    pub fn now_millis(&self) -> i64 {
        let clock = self.inner.clock.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        clock()
    }

    /// Records that `user` (wa_id digits, with or without `+`, or a BSUID) just sent a
    /// message: their 24-hour window opens now, by the fake's clock.
    pub fn note_inbound(&self, user: &str) {
        let now = self.now_millis();
        self.set_last_inbound(user, now);
    }

    /// Sets when `user` last wrote (Unix milliseconds).
    pub fn set_last_inbound(&self, user: &str, at_millis: i64) {
        self.state().last_inbound.insert(user_key(user), at_millis);
    }

    /// Whether free-form messages to users the fake never heard from are refused
    /// (131047), as Meta would; off by default, for tests that post webhooks without
    /// telling the fake.
    pub fn set_strict_window(&self, strict: bool) {
        self.state().strict_window = strict;
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

    fn take_fault(&self) -> Option<Fault> {
        let mut st = self.state();
        let (fault, remaining) = st.faults.front_mut()?;
        let fault = *fault;
        *remaining = remaining.saturating_sub(1);
        if *remaining == 0 {
            st.faults.pop_front();
        }
        Some(fault)
    }

    fn record_attempt(&self, attempt: SendAttempt) {
        self.state().attempts.push(attempt);
    }

    /// The registered parameter count of a template; `None` if not registered.
    fn template_params(&self, name: &str, language: &str) -> Option<usize> {
        self.state()
            .templates
            .get(&(name.to_owned(), language.to_owned()))
            .copied()
    }

    /// Whether a free-form message to `user` is outside their 24-hour window at `now`.
    fn window_closed(&self, user: &str, now: i64) -> bool {
        let st = self.state();
        match st.last_inbound.get(&user_key(user)) {
            Some(last) => now.saturating_sub(*last) >= WINDOW_MILLIS,
            None => st.strict_window,
        }
    }

    fn record_sent(&self, to: Option<String>, recipient: Option<String>, body: Value, at_millis: i64) -> String {
        let mut st = self.state();
        let n = self.next_id(&mut st);
        let wamid = format!("wamid.FAKE{:016X}{n:08}", self.inner.seed);
        st.sent.push(SentRecord {
            wamid: wamid.clone(),
            to,
            recipient,
            body,
            at: UNIX_EPOCH + Duration::from_millis(u64::try_from(at_millis).unwrap_or(0)),
            at_millis,
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

/// A user as the window is tracked: wa_id digits (`+`, spaces and dashes dropped) or
/// a BSUID as it is.
fn user_key(user: &str) -> String {
    let user = user.trim();
    if user.contains('.') {
        user.to_owned()
    } else {
        user.chars().filter(char::is_ascii_digit).collect()
    }
}
