//! The functions, wired: each constructor takes the AWS configuration (built once per
//! cold start) and returns what the runtime serves.

use crate::secrets::{SecretError, WhatsAppSecrets};
use crate::sqs::{DeadLetters, SqsHandler, process_batch};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use rand::RngCore;
use satark_aws::{AwsConfig, AwsError};
use satark_core::clock::{Clock, SystemClock};
use satark_core::i18n::Catalog;
use satark_core::jobs::open_job;
use satark_core::ports::StoreError;
use satark_core::ports::{Entropy, MediaJob, ReportJob};
use satark_core::range::RangeConfig;
use satark_core::retention::{RetentionPolicy, SweepReport};
use satark_core::service::{
    Classifier, DEFAULT_ESCALATE_AFTER_SECS, DeliveryStatuses, Escalation, Intake, IntakePorts, LearnedFilter,
    MediaIngest, Notifier, NotifierPorts, OutboundWork,
};
use satark_http::evidence::BlockingSandbox;
use satark_http::graph::{GraphMediaSource, GraphMessenger};
use satark_http::webhook::{WebhookState, webhook_router as router};
use satark_whatsapp::{GraphClient, GraphConfig};
use std::sync::Arc;
use std::time::Duration;

/// Settings every function reads from its environment, besides the resource names.
#[derive(Debug, Clone)]
pub struct LambdaSettings {
    /// `SATARK_WHATSAPP_SECRET_ARN`: the Secrets Manager secret with the WhatsApp secrets.
    pub whatsapp_secret_arn: Option<String>,
    /// `SATARK_WHATSAPP_PHONE_NUMBER_ID`.
    pub phone_number_id: String,
    /// `SATARK_GRAPH_API_VERSION` (default `v25.0`).
    pub graph_api_version: String,
    /// `SATARK_GRAPH_BASE_URL` (default `https://graph.facebook.com`).
    pub graph_base_url: String,
}

impl LambdaSettings {
    pub fn from_env() -> Self {
        let get = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        LambdaSettings {
            whatsapp_secret_arn: get("SATARK_WHATSAPP_SECRET_ARN"),
            phone_number_id: get("SATARK_WHATSAPP_PHONE_NUMBER_ID").unwrap_or_default(),
            graph_api_version: get("SATARK_GRAPH_API_VERSION").unwrap_or_else(|| "v25.0".into()),
            graph_base_url: get("SATARK_GRAPH_BASE_URL").unwrap_or_else(|| "https://graph.facebook.com".into()),
        }
    }

    /// The WhatsApp secrets, read once per cold start.
    pub async fn secrets(&self, sdk: &aws_sdk_secretsmanager::Client) -> Result<WhatsAppSecrets, SetupError> {
        let arn = self
            .whatsapp_secret_arn
            .as_deref()
            .ok_or(SetupError::Missing("SATARK_WHATSAPP_SECRET_ARN"))?;
        Ok(WhatsAppSecrets::load(sdk, arn).await?)
    }

    fn graph(&self, secrets: &WhatsAppSecrets) -> Result<GraphClient, SetupError> {
        if self.phone_number_id.is_empty() {
            return Err(SetupError::Missing("SATARK_WHATSAPP_PHONE_NUMBER_ID"));
        }
        Ok(GraphClient::new(GraphConfig {
            base_url: self.graph_base_url.clone(),
            api_version: self.graph_api_version.clone(),
            access_token: secrets.access_token.clone(),
            phone_number_id: self.phone_number_id.clone(),
            user_agent: concat!("satark/", env!("CARGO_PKG_VERSION")).into(),
            // Lambda bills the wait; a send that takes this long is retried by SQS.
            timeout: Duration::from_secs(10),
        })?)
    }
}

/// Why a function could not start.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("setting {0} is missing")]
    Missing(&'static str),
    #[error("setting {0} is not a valid number")]
    Invalid(&'static str),
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("Graph API client: {0}")]
    Graph(#[from] satark_whatsapp::ClientError),
    #[error("range config: {0}")]
    Range(#[from] satark_core::range::RangeConfigError),
    #[error("catalogs: {0}")]
    Catalog(#[from] satark_core::i18n::CatalogError),
    #[error("WhatsApp templates: {0}")]
    Templates(#[from] satark_core::templates::TemplateError),
}

/// What a function that talks to WhatsApp does first, once per cold start: JSON logs,
/// the AWS clients, its settings and the WhatsApp secrets.
pub async fn start_with_whatsapp() -> Result<(AwsConfig, LambdaSettings, WhatsAppSecrets), SetupError> {
    let aws = start().await;
    let settings = LambdaSettings::from_env();
    let secrets = settings
        .secrets(&aws_sdk_secretsmanager::Client::new(aws.sdk()))
        .await?;
    Ok((aws, settings, secrets))
}

/// What every function does first, once per cold start: JSON logs and the AWS clients.
pub async fn start() -> AwsConfig {
    crate::logging::init();
    AwsConfig::from_env().await
}

/// Randomness from the operating system.
struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&self, buf: &mut [u8]) {
        rand::rng().fill_bytes(buf);
    }
}

/// The webhook function: the same axum router `satark serve` runs, on AWS adapters.
/// Holds the pseudonym key and the contact key's `Encrypt` only.
pub async fn webhook_router(aws: &AwsConfig, secrets: &WhatsAppSecrets) -> Result<axum::Router, SetupError> {
    webhook_router_with(aws, secrets, Arc::new(aws.job_queue()), Arc::new(SystemClock)).await
}

/// The webhook function with its queues and clock given: tests fix the date, and the
/// fault-injection tests wrap the real SQS adapter to fail or stall after the commit.
pub async fn webhook_router_with(
    aws: &AwsConfig,
    secrets: &WhatsAppSecrets,
    jobs: Arc<dyn satark_core::jobs::JobQueue>,
    clock: Arc<dyn Clock>,
) -> Result<axum::Router, SetupError> {
    let store = Arc::new(aws.store()?);
    let pseudonyms: Arc<dyn satark_core::ports::Pseudonymizer> = Arc::new(aws.pseudonymizer().await?);
    // Status webhooks and informants' answers reach officers through the threads table.
    let threads = Arc::new(aws.threads()?);
    let statuses = Some(Arc::new(DeliveryStatuses::new(threads.clone(), pseudonyms.clone())));
    let intake = Intake::new(
        IntakePorts {
            conversations: store.clone(),
            reports: store,
            jobs,
            pseudonyms,
            sealer: Arc::new(aws.sealer()?),
            entropy: Arc::new(OsEntropy),
            vault: Arc::new(aws.vault()?),
            threads,
        },
        Arc::new(RangeConfig::default_range()?),
        Arc::new(Catalog::load()?),
    );
    // The same request trace as `satark serve`'s (method, route, status, latency).
    Ok(satark_http::layers::request_trace(router(WebhookState {
        intake: Arc::new(intake),
        app_secret: Arc::from(secrets.app_secret.as_bytes()),
        verify_token: Arc::from(secrets.verify_token.as_str()),
        clock,
        statuses,
    })))
}

/// Where a function's fatal jobs go: `SATARK_DEAD_LETTER_QUEUE_URL`.
fn dead_letters(aws: &AwsConfig) -> DeadLetters {
    let url = std::env::var("SATARK_DEAD_LETTER_QUEUE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty());
    DeadLetters::new(aws.sqs().clone(), url)
}

/// The notifier function: the only holder of the contact key's `Decrypt`.
pub struct NotifierApp {
    notifier: Notifier,
    dead_letters: DeadLetters,
}

impl NotifierApp {
    /// Derives the pseudonym key once (message keys of sent messages), checks the
    /// compiled-in template catalog, and wires the notifier to the system clock.
    pub async fn new(
        aws: &AwsConfig,
        settings: &LambdaSettings,
        secrets: &WhatsAppSecrets,
    ) -> Result<Self, SetupError> {
        Self::with_clock(aws, settings, secrets, Arc::new(SystemClock)).await
    }

    /// The notifier with its clock given (tests fix the date).
    pub async fn with_clock(
        aws: &AwsConfig,
        settings: &LambdaSettings,
        secrets: &WhatsAppSecrets,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, SetupError> {
        satark_core::templates::TemplateCatalog::shipped()?;
        let messenger = GraphMessenger::new(settings.graph(secrets)?);
        let store = Arc::new(aws.store()?);
        Ok(NotifierApp {
            notifier: Notifier::new(NotifierPorts {
                opener: Arc::new(aws.opener()?),
                messenger: Arc::new(messenger),
                sent: store.clone(),
                threads: Arc::new(aws.threads()?),
                pace: store,
                pseudonyms: Arc::new(aws.pseudonymizer().await?),
                range: Arc::new(RangeConfig::default_range()?),
                clock,
            }),
            dead_letters: dead_letters(aws),
        })
    }
}

impl SqsHandler for NotifierApp {
    /// Sends every job of the batch; failures go back to the queue (in order, per
    /// informant: the outbound queue is FIFO), a job waiting for its recipient's pace
    /// waits in the batch (see `process_batch`).
    async fn handle(&self, event: SqsEvent) -> SqsBatchResponse {
        process_batch(event, &self.dead_letters, |body| async move {
            let job: OutboundWork = open_job(&body)?;
            self.notifier.deliver(&job).await?;
            Ok(())
        })
        .await
    }
}

/// The media function: download, check, strip, hash, store.
pub struct MediaApp {
    ingest: MediaIngest,
    dead_letters: DeadLetters,
}

impl MediaApp {
    pub fn new(aws: &AwsConfig, settings: &LambdaSettings, secrets: &WhatsAppSecrets) -> Result<Self, SetupError> {
        let store = Arc::new(aws.store()?);
        Ok(MediaApp {
            ingest: MediaIngest {
                source: Arc::new(GraphMediaSource::new(settings.graph(secrets)?)),
                vault: Arc::new(aws.vault()?),
                reports: store.clone(),
                conversations: store,
                jobs: Arc::new(aws.job_queue()),
                catalog: Arc::new(Catalog::load()?),
                processor: Arc::new(BlockingSandbox::new(
                    Arc::new(satark_media::MediaProcessor),
                    satark_http::evidence::DEFAULT_BUDGET,
                )),
            },
            dead_letters: dead_letters(aws),
        })
    }
}

impl SqsHandler for MediaApp {
    async fn handle(&self, event: SqsEvent) -> SqsBatchResponse {
        process_batch(event, &self.dead_letters, |body| async move {
            let job: MediaJob = open_job(&body)?;
            self.ingest.ingest(&job, SystemClock.now()).await?;
            Ok(())
        })
        .await
    }
}

/// The classifier function: scores, links, ranks and counts each submitted report
/// once, and alerts the offices of a P1.
pub struct ClassifierApp {
    classifier: Classifier,
    dead_letters: DeadLetters,
}

impl ClassifierApp {
    pub fn new(aws: &AwsConfig) -> Result<Self, SetupError> {
        let triage = Arc::new(aws.triage()?);
        Ok(ClassifierApp {
            classifier: Classifier {
                reports: Arc::new(aws.store()?),
                triage: triage.clone(),
                vault: Arc::new(aws.vault()?),
                queue: Arc::new(aws.job_queue()),
                filter: Arc::new(LearnedFilter::new(triage)),
                range: Arc::new(RangeConfig::default_range()?),
            },
            dead_letters: dead_letters(aws),
        })
    }
}

impl SqsHandler for ClassifierApp {
    async fn handle(&self, event: SqsEvent) -> SqsBatchResponse {
        process_batch(event, &self.dead_letters, |body| async move {
            let job: ReportJob = open_job(&body)?;
            self.classifier.classify(&job, SystemClock.now()).await?;
            Ok(())
        })
        .await
    }
}

/// The sweeper function: the retention sweep over DynamoDB and S3.
pub struct SweeperApp {
    store: satark_aws::DynamoStore,
    vault: satark_aws::S3Vault,
    policy: RetentionPolicy,
    escalation: Escalation,
}

impl SweeperApp {
    /// The policy's configurable periods come from `SATARK_REPLY_ADDRESS_RETENTION_DAYS`
    /// and `SATARK_SPURIOUS_RETENTION_DAYS` when set (as in `satark serve`).
    pub fn new(aws: &AwsConfig) -> Result<Self, SetupError> {
        let days = |name: &'static str, default: u32| -> Result<u32, SetupError> {
            match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => v.trim().parse().map_err(|_| SetupError::Invalid(name)),
                _ => Ok(default),
            }
        };
        let policy = RetentionPolicy::with_days(
            days("SATARK_REPLY_ADDRESS_RETENTION_DAYS", 90)?,
            days("SATARK_SPURIOUS_RETENTION_DAYS", 30)?,
        );
        let escalate_after = match std::env::var("SATARK_ESCALATE_AFTER_MINUTES") {
            Ok(v) if !v.trim().is_empty() => {
                v.trim()
                    .parse::<i64>()
                    .map_err(|_| SetupError::Invalid("SATARK_ESCALATE_AFTER_MINUTES"))?
                    * 60
            }
            _ => DEFAULT_ESCALATE_AFTER_SECS,
        };
        let store = aws.store()?.with_retention(policy);
        Ok(SweeperApp {
            escalation: Escalation {
                reports: Arc::new(store.clone()),
                triage: Arc::new(aws.triage()?),
                queue: Arc::new(aws.job_queue()),
                range: Arc::new(RangeConfig::default_range()?),
                after: escalate_after,
            },
            store,
            vault: aws.vault()?,
            policy,
        })
    }

    /// One sweep as of `now`.
    pub async fn sweep(&self, now: i64) -> Result<SweepReport, StoreError> {
        satark_core::retention::sweep(&self.store, &self.store, &self.vault, &self.policy, now).await
    }

    /// Escalates the P1 alerts no officer acknowledged in time.
    pub async fn escalate(&self, now: i64) -> Result<usize, satark_core::service::EscalationError> {
        self.escalation.run(now).await
    }
}

/// Serves the sweeper on the Lambda runtime: each scheduled event runs one sweep; a
/// failure fails the invocation (and its alarm), and the next run carries on.
pub async fn serve_sweeper(app: SweeperApp) -> Result<(), lambda_runtime::Error> {
    let app = Arc::new(app);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |_event: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let app = app.clone();
            async move {
                let now = SystemClock.now();
                let swept = app.sweep(now).await?;
                tracing::info!(?swept, "retention sweep");
                let escalated = app.escalate(now).await?;
                Ok::<serde_json::Value, lambda_runtime::Error>(serde_json::json!({
                    "escalated_alerts": escalated,
                    "drafts_expired": swept.drafts_expired,
                    "conversations_deleted": swept.conversations_deleted,
                    "reply_addresses_forgotten": swept.reply_addresses_forgotten,
                    "spurious_reports_purged": swept.spurious_reports_purged,
                }))
            }
        },
    ))
    .await
}

/// The dashboard function: the dashboard API on the reports table only. It is given no
/// conversations table, no contact key and no pseudonym key: nothing it holds can
/// lead to an informant.
pub fn dashboard_router(aws: &AwsConfig) -> Result<axum::Router, SetupError> {
    Ok(dashboard_app(satark_http::dashboard::DashboardState {
        reports: Arc::new(aws.reports_only_store()?),
        range: Arc::new(RangeConfig::default_range()?),
        audit: Arc::new(aws.audit_log()?),
        clock: Arc::new(SystemClock),
    }))
}

/// The dashboard API with officers taken from API Gateway's JWT authorizer claims.
pub fn dashboard_app(state: satark_http::dashboard::DashboardState) -> axum::Router {
    satark_http::layers::request_trace(
        satark_http::dashboard::dashboard_router(state).layer(axum::middleware::from_fn(officer_from_authorizer)),
    )
}

/// Turns the claims API Gateway's JWT authorizer verified into an [`Officer`]; the
/// token's signature, issuer, audience and expiry were checked before Lambda ran.
async fn officer_from_authorizer(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;
    let claims = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context
            .authorizer
            .as_ref()
            .and_then(|a| a.jwt.as_ref())
            .map(|jwt| jwt.claims.clone()),
        _ => None,
    };
    if let Some(claims) = claims {
        let claim = |name: &str| claims.get(name).map(String::as_str);
        let officer = satark_core::access::Officer::from_claims(
            claim("sub").unwrap_or_default(),
            claim("cognito:groups").unwrap_or_default(),
            claim("custom:district"),
            claim("custom:station"),
        );
        if let Some(officer) = officer {
            request.extensions_mut().insert(officer);
        }
    }
    next.run(request).await
}
