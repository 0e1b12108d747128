//! `satark serve`: every function of the system in one process, on the embedded store.

use crate::config::ServeConfig;
use crate::simulator;
use satark_core::i18n::Catalog;
use satark_core::ports::{MediaJob, ReportJob};
use satark_core::range::RangeConfig;
use satark_core::retention::RetentionPolicy;
use satark_core::service::{
    Classifier, DeliveryStatuses, Escalation, Intake, IntakePorts, LearnedFilter, MediaIngest, Notifier, NotifierPorts,
    OutboundWork,
};
use satark_core::templates::{TemplateCatalog, TemplateError};
use satark_embedded::{ContactOpener, FileVault, LocalKeys, OsEntropy, SqliteQueue, Store, WorkerConfig};
use satark_http::evidence::BlockingSandbox;
use satark_http::graph::{GraphMediaSource, GraphMessenger};
use satark_http::webhook::{WebhookState, webhook_router};
use satark_whatsapp::fake::{FakeGraph, FakeTemplate};
use satark_whatsapp::{GraphClient, GraphConfig};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("range config: {0}")]
    Range(#[from] satark_core::range::RangeConfigError),
    #[error("reading {path}: {source}")]
    ReadRange { path: String, source: std::io::Error },
    #[error("message catalogs: {0}")]
    Catalog(#[from] satark_core::i18n::CatalogError),
    #[error("WhatsApp templates: {0}")]
    Templates(#[from] TemplateError),
    #[error("data store: {0}")]
    Store(#[from] satark_embedded::EmbeddedError),
    #[error("keys: {0}")]
    Keys(#[from] satark_embedded::KeyFileError),
    #[error("Graph API client: {0}")]
    Graph(#[from] satark_whatsapp::ClientError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

/// A running local server. Dropping it does not stop it; call [`Running::shutdown`].
pub struct Running {
    pub addr: SocketAddr,
    pub store: Store,
    /// The built-in fake Graph API, when no real one was configured.
    pub fake_graph: Option<FakeGraph>,
    pub outbound: SqliteQueue<OutboundWork>,
    pub media: SqliteQueue<MediaJob>,
    pub vault: FileVault,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops the server and its workers.
    pub fn shutdown(self) {
        for task in self.tasks {
            task.abort();
        }
    }

    /// Stops the server and its workers as a crash would (each cut off at whatever it
    /// was awaiting), and waits until they are gone.
    pub async fn kill(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

/// The templates of `infra/whatsapp-templates.toml` as a fake Graph API registers them:
/// what the deployer registers with Meta, so the fake refuses what Meta would.
pub fn registered_templates() -> Result<Vec<FakeTemplate>, TemplateError> {
    Ok(TemplateCatalog::shipped()?
        .templates()
        .iter()
        .flat_map(|t| {
            t.body.keys().map(|lang| FakeTemplate {
                name: t.name.clone(),
                language: lang.clone(),
                params: t.params.len(),
            })
        })
        .collect())
}

/// How many outbound jobs (of different informants) are sent at once.
const OUTBOUND_CONCURRENCY: usize = 4;

/// How often the retention sweep runs (the first run is at start-up).
const SWEEP_INTERVAL: Duration = Duration::from_secs(10 * 60);
/// How often unacknowledged P1 alerts are looked for (the sweeper's schedule on AWS).
const ESCALATION_INTERVAL: Duration = Duration::from_secs(60);

const USER_AGENT: &str = concat!("satark/", env!("CARGO_PKG_VERSION"));

/// Starts the webhook, workers and (with the built-in fake Graph API) the simulator.
pub async fn start(config: ServeConfig) -> Result<Running, ServeError> {
    // Before anything is created or bound: a refused configuration leaves no trace.
    config.check()?;
    let range = match &config.range_config {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| ServeError::ReadRange {
                path: path.display().to_string(),
                source,
            })?;
            RangeConfig::from_toml(&text)?
        }
        None => RangeConfig::default_range()?,
    };
    let range = Arc::new(range);
    let catalog = Arc::new(Catalog::load()?);

    satark_embedded::create_private_dir(&config.data_dir).map_err(|source| satark_embedded::EmbeddedError::Io {
        path: config.data_dir.display().to_string(),
        source,
    })?;
    let store = Store::open(&config.data_dir.join("satark.sqlite3"))?;
    let keys = LocalKeys::load_or_create(&config.data_dir)?;
    let vault = FileVault::new(config.data_dir.join("evidence"), keys.clone(), store.clone());
    let clock = config.clock.clone();
    let outbound: SqliteQueue<OutboundWork> = SqliteQueue::new(store.clone(), clock.clone());
    let templates = registered_templates()?;
    let media: SqliteQueue<MediaJob> = SqliteQueue::new(store.clone(), clock.clone());
    let submitted: SqliteQueue<ReportJob> = SqliteQueue::new(store.clone(), clock.clone());

    let listener = tokio::net::TcpListener::bind((config.bind.as_str(), config.port))
        .await
        .map_err(|source| ServeError::Bind {
            addr: format!("{}:{}", config.bind, config.port),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: config.bind.clone(),
        source,
    })?;
    // `localhost` is taken for loopback; hold the resolver to it.
    let loopback = config.bind_is_loopback();
    if loopback && !addr.ip().to_canonical().is_loopback() {
        return Err(crate::config::ConfigError::ResolvedBeyondLoopback {
            bind: config.bind.clone(),
            addr: addr.ip(),
        }
        .into());
    }

    let fake_graph = config.graph_base_url.is_none().then(|| {
        let fake = FakeGraph::new(&config.access_token, &config.phone_number_id, &config.graph_api_version);
        fake.set_public_base(format!("http://{addr}/fake-graph"));
        fake.set_templates(templates);
        let fake_clock = clock.clone();
        fake.set_clock(move || fake_clock.now_millis());
        fake
    });
    let graph_base = config
        .graph_base_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}/fake-graph"));
    let graph = GraphClient::new(GraphConfig {
        base_url: graph_base,
        api_version: config.graph_api_version.clone(),
        access_token: config.access_token.clone(),
        phone_number_id: config.phone_number_id.clone(),
        user_agent: USER_AGENT.into(),
        timeout: Duration::from_secs(15),
    })?;

    let intake = Arc::new(Intake::new(
        IntakePorts {
            conversations: Arc::new(store.clone()),
            reports: Arc::new(store.clone()),
            jobs: Arc::new(store.clone()),
            pseudonyms: Arc::new(keys.clone()),
            sealer: Arc::new(keys.clone()),
            entropy: Arc::new(OsEntropy),
            vault: Arc::new(vault.clone()),
            threads: Arc::new(store.clone()),
        },
        range.clone(),
        catalog.clone(),
    ));
    // Only the notifier is handed the key that opens reply addresses.
    let opener = ContactOpener::load(&config.data_dir)?;
    let notifier = Arc::new(Notifier::new(NotifierPorts {
        opener: Arc::new(opener),
        messenger: Arc::new(GraphMessenger::new(graph.clone())),
        sent: Arc::new(store.clone()),
        threads: Arc::new(store.clone()),
        pace: Arc::new(store.clone()),
        pseudonyms: Arc::new(keys.clone()),
        range: range.clone(),
        clock: clock.clone(),
    }));
    let ingest = Arc::new(MediaIngest {
        source: Arc::new(GraphMediaSource::new(graph)),
        vault: Arc::new(vault.clone()),
        reports: Arc::new(store.clone()),
        conversations: Arc::new(store.clone()),
        jobs: Arc::new(store.clone()),
        catalog,
        processor: Arc::new(BlockingSandbox::new(
            Arc::new(satark_media::MediaProcessor),
            satark_http::evidence::DEFAULT_BUDGET,
        )),
    });

    let webhook = webhook_router(WebhookState {
        intake,
        app_secret: Arc::from(config.app_secret.as_bytes()),
        verify_token: Arc::from(config.verify_token.as_str()),
        clock: clock.clone(),
        statuses: Some(Arc::new(DeliveryStatuses::new(
            Arc::new(store.clone()),
            Arc::new(keys.clone()),
        ))),
    });
    let simulator_state = fake_graph.as_ref().map(|fake| simulator::SimulatorState {
        fake: fake.clone(),
        webhook_url: format!("http://{addr}/webhook"),
        app_secret: Arc::from(config.app_secret.as_bytes()),
        phone_number_id: config.phone_number_id.clone(),
        range_name: range.range.name.en.clone(),
        http: reqwest::Client::new(),
        clock: clock.clone(),
    });
    let app = simulator::mount(webhook, loopback, simulator_state);

    let mut tasks = vec![];
    let limits = config.server_limits();
    tasks.push(tokio::spawn(satark_http::server::serve(listener, app, limits)));
    let worker_config = WorkerConfig {
        first_backoff: Duration::from_millis(config.queue_retry_ms),
        ..WorkerConfig::default()
    };
    let outbound_worker = outbound.clone();
    let outbound_config = WorkerConfig {
        concurrency: OUTBOUND_CONCURRENCY,
        ..worker_config
    };
    tasks.push(tokio::spawn(async move {
        outbound_worker
            .run(outbound_config, |job| {
                let notifier = notifier.clone();
                async move {
                    notifier.deliver(&job).await?;
                    Ok(())
                }
            })
            .await;
    }));
    let (media_worker, media_clock) = (media.clone(), clock.clone());
    tasks.push(tokio::spawn(async move {
        media_worker
            .run(worker_config, |job| {
                let (ingest, clock) = (ingest.clone(), media_clock.clone());
                async move {
                    ingest.ingest(&job, clock.now()).await?;
                    Ok(())
                }
            })
            .await;
    }));
    let classifier = Arc::new(Classifier {
        reports: Arc::new(store.clone()),
        triage: Arc::new(store.clone()),
        vault: Arc::new(vault.clone()),
        queue: Arc::new(store.clone()),
        filter: Arc::new(LearnedFilter::new(Arc::new(store.clone()))),
        range: range.clone(),
    });
    let classify_clock = clock.clone();
    tasks.push(tokio::spawn(async move {
        submitted
            .run(worker_config, |job| {
                let (classifier, clock) = (classifier.clone(), classify_clock.clone());
                async move {
                    classifier.classify(&job, clock.now()).await?;
                    Ok(())
                }
            })
            .await;
    }));
    let policy = RetentionPolicy::with_days(config.reply_address_retention_days, config.spurious_retention_days);
    let (sweep_store, sweep_vault, sweep_clock) = (store.clone(), vault.clone(), clock.clone());
    tasks.push(tokio::spawn(async move {
        let mut every = tokio::time::interval(SWEEP_INTERVAL);
        loop {
            every.tick().await;
            match satark_core::retention::sweep(&sweep_store, &sweep_store, &sweep_vault, &policy, sweep_clock.now())
                .await
            {
                Ok(swept) => tracing::info!(?swept, "retention sweep"),
                Err(e) => tracing::error!(error = %e, "retention sweep failed"),
            }
        }
    }));
    let escalation = Escalation {
        reports: Arc::new(store.clone()),
        triage: Arc::new(store.clone()),
        queue: Arc::new(store.clone()),
        range: range.clone(),
        after: i64::from(config.escalate_after_minutes) * 60,
    };
    let escalation_clock = clock.clone();
    tasks.push(tokio::spawn(async move {
        let mut every = tokio::time::interval(ESCALATION_INTERVAL);
        loop {
            every.tick().await;
            if let Err(e) = escalation.run(escalation_clock.now()).await {
                tracing::error!(error = %e, "escalating unacknowledged alerts failed");
            }
        }
    }));
    tracing::info!(%addr, simulator = fake_graph.is_some(), "satark serve started");
    Ok(Running {
        addr,
        store,
        fake_graph,
        outbound,
        media,
        vault,
        tasks,
    })
}
