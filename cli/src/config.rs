//! Configuration of `satark serve`, from the environment (and flags).
//!
//! Every setting has an environment variable, so any client (a test, a container, a
//! systemd unit) can drive it the same way; README.md documents each one.

use satark_core::clock::{Clock, SystemClock};
use satark_http::server::{
    DEFAULT_BODY_TIMEOUT_SECS, DEFAULT_HEADER_READ_TIMEOUT_SECS, DEFAULT_IDLE_TIMEOUT_SECS,
    DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT_SECS, ServerLimits,
};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Defaults that make `satark serve` work on a fresh machine. They are for local use
/// only: anything reachable from outside must set its own secrets.
pub const DEV_APP_SECRET: &str = "satark-dev-app-secret";
pub const DEV_VERIFY_TOKEN: &str = "satark-dev-verify-token";
pub const DEV_ACCESS_TOKEN: &str = "satark-dev-access-token";
pub const DEV_PHONE_NUMBER_ID: &str = "109876543210987";

/// Everything `satark serve` needs.
#[derive(Clone, clap::Args)]
pub struct ServeConfig {
    /// The Meta app secret that signs webhooks (X-Hub-Signature-256).
    #[arg(long, env = "SATARK_WHATSAPP_APP_SECRET", default_value = DEV_APP_SECRET, hide_default_value = true)]
    pub app_secret: String,
    /// The token Meta echoes in the GET verification handshake.
    #[arg(long, env = "SATARK_WHATSAPP_VERIFY_TOKEN", default_value = DEV_VERIFY_TOKEN, hide_default_value = true)]
    pub verify_token: String,
    /// The Graph API access token used to send messages and fetch media.
    #[arg(long, env = "SATARK_WHATSAPP_ACCESS_TOKEN", default_value = DEV_ACCESS_TOKEN, hide_default_value = true)]
    pub access_token: String,
    /// The business phone number id messages are sent from.
    #[arg(long, env = "SATARK_WHATSAPP_PHONE_NUMBER_ID", default_value = DEV_PHONE_NUMBER_ID)]
    pub phone_number_id: String,
    /// A Graph API to talk to (e.g. https://graph.facebook.com). Unset: the built-in
    /// fake, which the WhatsApp simulator uses.
    #[arg(long, env = "SATARK_GRAPH_BASE_URL")]
    pub graph_base_url: Option<String>,
    /// The Graph API version.
    #[arg(long, env = "SATARK_GRAPH_API_VERSION", default_value = "v25.0")]
    pub graph_api_version: String,
    /// Where the database, keys and evidence are kept.
    #[arg(long, env = "SATARK_DATA_DIR", default_value = ".satark-data")]
    pub data_dir: PathBuf,
    /// The port to listen on (0: any free port).
    #[arg(long, env = "SATARK_PORT", default_value_t = 8080)]
    pub port: u16,
    /// The address to listen on. The default serves this machine only.
    #[arg(long, env = "SATARK_BIND", default_value = "127.0.0.1")]
    pub bind: String,
    /// A range file (districts, stations, categories); unset: infra/range.toml as built in.
    #[arg(long, env = "SATARK_RANGE_CONFIG")]
    pub range_config: Option<PathBuf>,
    /// The first retry of a failed queue job waits this long (milliseconds); each
    /// further retry four times longer.
    #[arg(long, env = "SATARK_QUEUE_RETRY_MS", default_value_t = 1000)]
    pub queue_retry_ms: u64,
    /// Days a reply address is kept after the informant's last report is closed.
    #[arg(long, env = "SATARK_REPLY_ADDRESS_RETENTION_DAYS", default_value_t = 90)]
    pub reply_address_retention_days: u32,
    /// Days a report marked spurious (and its evidence) is kept before it is purged.
    #[arg(long, env = "SATARK_SPURIOUS_RETENTION_DAYS", default_value_t = 30)]
    pub spurious_retention_days: u32,
    /// Minutes a P1 alert may wait for an officer's acknowledgement before it is
    /// escalated to the range office.
    #[arg(long, env = "SATARK_ESCALATE_AFTER_MINUTES", default_value_t = 30)]
    pub escalate_after_minutes: u32,
    /// Seconds a client has to send a request's head, from connecting or from the
    /// previous answer on a kept-alive connection; a slower one is disconnected.
    #[arg(long, env = "SATARK_HEADER_READ_TIMEOUT_SECS", default_value_t = DEFAULT_HEADER_READ_TIMEOUT_SECS)]
    pub header_read_timeout_secs: u64,
    /// Seconds a whole request may take, body upload included; then 408.
    #[arg(long, env = "SATARK_REQUEST_TIMEOUT_SECS", default_value_t = DEFAULT_REQUEST_TIMEOUT_SECS)]
    pub request_timeout_secs: u64,
    /// Seconds a request body may stall between two pieces before it is cut.
    #[arg(long, env = "SATARK_BODY_TIMEOUT_SECS", default_value_t = DEFAULT_BODY_TIMEOUT_SECS)]
    pub body_timeout_secs: u64,
    /// Seconds a connection may move no byte either way before it is closed; longer
    /// than the request timeout.
    #[arg(long, env = "SATARK_IDLE_TIMEOUT_SECS", default_value_t = DEFAULT_IDLE_TIMEOUT_SECS)]
    pub idle_timeout_secs: u64,
    /// Requests handled at once; one more is answered 503 at once, never queued.
    #[arg(long, env = "SATARK_MAX_CONCURRENT_REQUESTS", default_value_t = DEFAULT_MAX_CONCURRENT_REQUESTS)]
    pub max_concurrent_requests: usize,
    /// Connections served at once; more wait to be accepted.
    #[arg(long, env = "SATARK_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Where "now" comes from: the system clock, or a fixed one in tests.
    #[arg(skip = system_clock())]
    pub clock: Arc<dyn Clock>,
}

fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

impl std::fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeConfig")
            .field("graph_base_url", &self.graph_base_url)
            .field("graph_api_version", &self.graph_api_version)
            .field("data_dir", &self.data_dir)
            .field("port", &self.port)
            .field("bind", &self.bind)
            .field("range_config", &self.range_config)
            .field("limits", &self.server_limits())
            .finish_non_exhaustive()
    }
}

impl ServeConfig {
    /// The local defaults, with data in `data_dir` and a free port (tests).
    pub fn local(data_dir: PathBuf) -> Self {
        ServeConfig {
            app_secret: DEV_APP_SECRET.into(),
            verify_token: DEV_VERIFY_TOKEN.into(),
            access_token: DEV_ACCESS_TOKEN.into(),
            phone_number_id: DEV_PHONE_NUMBER_ID.into(),
            graph_base_url: None,
            graph_api_version: "v25.0".into(),
            data_dir,
            port: 0,
            bind: "127.0.0.1".into(),
            range_config: None,
            queue_retry_ms: 1000,
            reply_address_retention_days: 90,
            spurious_retention_days: 30,
            escalate_after_minutes: 30,
            header_read_timeout_secs: DEFAULT_HEADER_READ_TIMEOUT_SECS,
            request_timeout_secs: DEFAULT_REQUEST_TIMEOUT_SECS,
            body_timeout_secs: DEFAULT_BODY_TIMEOUT_SECS,
            idle_timeout_secs: DEFAULT_IDLE_TIMEOUT_SECS,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            clock: system_clock(),
        }
    }

    /// Whether `bind` names this machine only (127.0.0.0/8, `::1`, `localhost`).
    /// Anything else, a host name included, counts as reaching beyond it.
    pub fn bind_is_loopback(&self) -> bool {
        let bind = self.bind.trim();
        bind.eq_ignore_ascii_case("localhost") || is_loopback_ip(bind)
    }

    /// Checks the settings before anything is opened or bound: the first error a
    /// deployer must fix, naming the settings to change.
    ///
    /// A server is *exposed* when it listens beyond loopback, or talks to a Graph API
    /// that is not on this machine (a real deployment, perhaps behind a tunnel or a
    /// reverse proxy to a loopback port). An exposed server with a development secret
    /// would accept webhooks anyone can sign (the development app secret is public)
    /// as any `wa_id`, so it does not start. A Graph API on loopback is a local fake
    /// (the end-to-end tests' own), not a real one.
    pub fn check(&self) -> Result<(), ConfigError> {
        let mut exposure = vec![];
        if !self.bind_is_loopback() {
            exposure.push(format!("SATARK_BIND={} reaches beyond this machine", self.bind));
        }
        if let Some(url) = &self.graph_base_url
            && !graph_url_is_loopback(url)
        {
            exposure.push(format!("SATARK_GRAPH_BASE_URL={url} is a real Graph API"));
        }
        let defaults: Vec<&'static str> = [
            ("SATARK_WHATSAPP_APP_SECRET", &self.app_secret, DEV_APP_SECRET),
            ("SATARK_WHATSAPP_VERIFY_TOKEN", &self.verify_token, DEV_VERIFY_TOKEN),
            ("SATARK_WHATSAPP_ACCESS_TOKEN", &self.access_token, DEV_ACCESS_TOKEN),
        ]
        .into_iter()
        .filter(|(_, value, dev)| value.trim().is_empty() || value.as_str() == *dev)
        .map(|(setting, _, _)| setting)
        .collect();
        if !exposure.is_empty() && !defaults.is_empty() {
            return Err(ConfigError::DevelopmentSecrets {
                exposure: exposure.join(" and "),
                settings: defaults,
            });
        }
        if !self.bind_is_loopback() && self.graph_base_url.is_none() {
            return Err(ConfigError::FakeGraphBeyondLoopback {
                bind: self.bind.clone(),
            });
        }
        for (setting, value) in [
            ("SATARK_HEADER_READ_TIMEOUT_SECS", self.header_read_timeout_secs),
            ("SATARK_REQUEST_TIMEOUT_SECS", self.request_timeout_secs),
            ("SATARK_BODY_TIMEOUT_SECS", self.body_timeout_secs),
            ("SATARK_IDLE_TIMEOUT_SECS", self.idle_timeout_secs),
            ("SATARK_MAX_CONCURRENT_REQUESTS", self.max_concurrent_requests as u64),
            ("SATARK_MAX_CONNECTIONS", self.max_connections as u64),
        ] {
            if value == 0 {
                return Err(ConfigError::Zero { setting });
            }
        }
        if self.idle_timeout_secs <= self.request_timeout_secs {
            return Err(ConfigError::IdleNotLongerThanRequest {
                idle: self.idle_timeout_secs,
                request: self.request_timeout_secs,
            });
        }
        Ok(())
    }

    /// The server's timeouts and limits.
    pub fn server_limits(&self) -> ServerLimits {
        ServerLimits {
            header_read_timeout: Duration::from_secs(self.header_read_timeout_secs),
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            body_timeout: Duration::from_secs(self.body_timeout_secs),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            max_concurrent_requests: self.max_concurrent_requests,
            max_connections: self.max_connections,
        }
    }
}

/// Settings `satark serve` refuses to start with.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Exposed with a secret anyone can read in the source: forged webhooks as any user.
    #[error("{}", development_secrets(exposure, settings))]
    DevelopmentSecrets {
        exposure: String,
        settings: Vec<&'static str>,
    },
    /// The fake Graph API and the simulator are never served beyond loopback, so
    /// replies would have nowhere to go.
    #[error(
        "refusing to start: SATARK_BIND={bind} reaches beyond this machine, but SATARK_GRAPH_BASE_URL is unset, and \
         the built-in fake Graph API and the WhatsApp simulator are served on loopback only; set \
         SATARK_GRAPH_BASE_URL (e.g. https://graph.facebook.com), or SATARK_BIND=127.0.0.1"
    )]
    FakeGraphBeyondLoopback { bind: String },
    /// `localhost` resolved to an address that is not loopback: the bind was taken for
    /// loopback when the secrets were checked.
    #[error(
        "refusing to start: SATARK_BIND={bind} resolved to {addr}, which is not a loopback address; set SATARK_BIND=127.0.0.1"
    )]
    ResolvedBeyondLoopback { bind: String, addr: IpAddr },
    /// A zero timeout closes everything at once, a zero limit refuses everything.
    #[error("{setting} must be at least 1")]
    Zero { setting: &'static str },
    /// The idle timeout counts silence on a connection, and a request being handled is
    /// silent: a shorter one would cut slow requests before their own timeout.
    #[error(
        "SATARK_IDLE_TIMEOUT_SECS ({idle}) must be longer than SATARK_REQUEST_TIMEOUT_SECS ({request}): a connection \
         moves no byte while its request is handled"
    )]
    IdleNotLongerThanRequest { idle: u64, request: u64 },
}

/// The message of [`ConfigError::DevelopmentSecrets`]: what exposes the server, which
/// settings to set, and why it matters.
fn development_secrets(exposure: &str, settings: &[&'static str]) -> String {
    let (verb, each) = if settings.len() == 1 {
        ("is", "it")
    } else {
        ("are", "each")
    };
    let why = if settings.contains(&"SATARK_WHATSAPP_APP_SECRET") {
        " (the development app secret is public: with it anyone can sign webhooks as any WhatsApp user)"
    } else {
        " (the development values are public)"
    };
    // Said now, so the next attempt is not refused for the other reason.
    let simulator = if exposure.contains("SATARK_BIND") {
        "; beyond this machine the WhatsApp simulator is not served either, so SATARK_GRAPH_BASE_URL \
         (e.g. https://graph.facebook.com) is needed too"
    } else {
        ""
    };
    format!(
        "refusing to start: {exposure}, but {} {verb} unset or still the development default{why}; set {each} to \
         your Meta app's own value, or keep SATARK_BIND on 127.0.0.1 and SATARK_GRAPH_BASE_URL unset for local \
         use{simulator}",
        settings.join(", ")
    )
}

/// `127.0.0.0/8`, `::1` and `::ffff:127.x.y.z`, with or without brackets.
fn is_loopback_ip(host: &str) -> bool {
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    host.parse::<IpAddr>().is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// Whether a Graph API base URL is on this machine. One that does not parse counts
/// as real: the check must not be dodged by a malformed value.
fn graph_url_is_loopback(url: &str) -> bool {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .is_some_and(|host| host.eq_ignore_ascii_case("localhost") || is_loopback_ip(&host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ServeConfig {
        ServeConfig::local(PathBuf::from("unused"))
    }

    fn real_secrets(c: &mut ServeConfig) {
        c.app_secret = "a real app secret".into();
        c.verify_token = "a real verify token".into();
        c.access_token = "a real access token".into();
    }

    #[test]
    fn local_defaults_start() {
        let mut c = config();
        assert!(c.check().is_ok());
        for bind in [
            "127.0.0.1",
            "127.8.9.10",
            "::1",
            "[::1]",
            "localhost",
            "LocalHost",
            "::ffff:127.0.0.1",
        ] {
            c.bind = bind.into();
            assert!(c.bind_is_loopback(), "{bind}");
            assert!(c.check().is_ok(), "{bind}");
        }
        c.graph_base_url = Some("http://127.0.0.1:4567".into());
        assert!(c.check().is_ok(), "a fake Graph API on loopback is local");
        c.graph_base_url = Some("http://[::1]:4567/graph".into());
        assert!(c.check().is_ok());
    }

    #[test]
    fn exposed_with_development_secrets_is_refused_naming_them() {
        let mut c = config();
        c.bind = "0.0.0.0".into();
        let e = c.check().expect_err("refused").to_string();
        for setting in [
            "SATARK_BIND=0.0.0.0",
            "SATARK_WHATSAPP_APP_SECRET",
            "SATARK_WHATSAPP_VERIFY_TOKEN",
            "SATARK_WHATSAPP_ACCESS_TOKEN",
        ] {
            assert!(e.contains(setting), "{setting} in {e}");
        }
        for bind in ["192.168.1.20", "::", "example.org", "10.0.0.1"] {
            c.bind = bind.into();
            assert!(!c.bind_is_loopback(), "{bind}");
            assert!(
                matches!(c.check(), Err(ConfigError::DevelopmentSecrets { .. })),
                "{bind}"
            );
        }

        let mut c = config();
        c.graph_base_url = Some("https://graph.facebook.com".into());
        real_secrets(&mut c);
        assert!(c.check().is_ok());
        c.app_secret = DEV_APP_SECRET.into();
        let e = c.check().expect_err("refused").to_string();
        assert!(e.contains("SATARK_GRAPH_BASE_URL=https://graph.facebook.com"), "{e}");
        assert!(e.contains("SATARK_WHATSAPP_APP_SECRET is unset"), "{e}");
        assert!(!e.contains("SATARK_WHATSAPP_VERIFY_TOKEN"), "only the default one: {e}");
        c.app_secret = " ".into();
        assert!(c.check().is_err(), "an empty secret is no secret");
        for url in ["not a url", "http://localhost.example.org", "http://127.0.0.1.nip.io"] {
            c.app_secret = DEV_APP_SECRET.into();
            c.graph_base_url = Some(url.into());
            assert!(c.check().is_err(), "{url} counts as real");
        }
    }

    #[test]
    fn the_fake_graph_api_is_never_offered_beyond_loopback() {
        let mut c = config();
        real_secrets(&mut c);
        c.bind = "0.0.0.0".into();
        let e = c.check().expect_err("refused");
        assert!(matches!(e, ConfigError::FakeGraphBeyondLoopback { .. }));
        assert!(e.to_string().contains("SATARK_GRAPH_BASE_URL"));
        c.graph_base_url = Some("https://graph.facebook.com".into());
        assert!(c.check().is_ok());
    }

    #[test]
    fn limits_must_make_sense() {
        let mut c = config();
        c.max_concurrent_requests = 0;
        assert!(
            c.check()
                .expect_err("zero")
                .to_string()
                .contains("SATARK_MAX_CONCURRENT_REQUESTS")
        );
        let mut c = config();
        c.idle_timeout_secs = c.request_timeout_secs;
        assert!(matches!(c.check(), Err(ConfigError::IdleNotLongerThanRequest { .. })));
        assert_eq!(config().server_limits(), ServerLimits::default(), "one set of defaults");
    }
}
