//! Configuration of `satark serve`, from the environment (and flags).
//!
//! Every setting has an environment variable, so any client (a test, a container, a
//! systemd unit) can drive it the same way; README.md documents each one.

use std::path::PathBuf;

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
        }
    }
}
