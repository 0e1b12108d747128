//! Durable in-process queues on SQLite, with the rules of the AWS queues: at-least-once
//! delivery, retries with backoff, a dead-letter state after too many failures, and
//! first-in-first-out order within a group (like an SQS FIFO message group).

use crate::{Store, backend};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use satark_core::ports::{MediaJob, MediaQueue, OutboundJob, OutboundQueue, QueueError, ReportJob, ReportQueue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How a job's handler failed.
#[derive(Debug, Clone)]
pub enum JobFailure {
    /// Try again after a backoff, until the attempts run out.
    Retry(String),
    /// Never succeeds: dead-letter it at once.
    Fatal(String),
}

/// Retry rules of a worker.
#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    /// Attempts before a job is dead-lettered (SQS `maxReceiveCount`).
    pub max_attempts: u32,
    /// The first retry waits this long; each further one four times longer (WhatsApp's
    /// advice for pair rate limits is 4^n seconds).
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// How often the worker looks for due retries when nothing wakes it.
    pub poll: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            max_attempts: 5,
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
            poll: Duration::from_millis(500),
        }
    }
}

/// Counts of a queue's jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueStats {
    pub ready: u64,
    pub dead: u64,
}

/// A named queue of `J` jobs in the shared database.
pub struct SqliteQueue<J> {
    store: Store,
    name: &'static str,
    wake: Arc<Notify>,
    group_of: fn(&J) -> String,
    dedupe_of: fn(&J) -> String,
    _job: PhantomData<fn() -> J>,
}

impl<J> Clone for SqliteQueue<J> {
    fn clone(&self) -> Self {
        SqliteQueue {
            store: self.store.clone(),
            name: self.name,
            wake: self.wake.clone(),
            group_of: self.group_of,
            dedupe_of: self.dedupe_of,
            _job: PhantomData,
        }
    }
}

fn unix_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl SqliteQueue<OutboundJob> {
    /// Outbound messages: one group per conversation, so one informant's replies go in order.
    pub fn outbound(store: Store) -> Self {
        Self::new(
            store,
            "outbound",
            |j| j.conversation.as_str().to_string(),
            |j| j.job_id.clone(),
        )
    }
}

impl SqliteQueue<MediaJob> {
    /// Media downloads: each job its own group (no ordering needed).
    pub fn media(store: Store) -> Self {
        Self::new(
            store,
            "media",
            |j| format!("{}/{}", j.report_id, j.media_key),
            |j| j.media_key.clone(),
        )
    }
}

impl SqliteQueue<ReportJob> {
    /// Submitted reports, for the classifier.
    pub fn reports(store: Store) -> Self {
        Self::new(
            store,
            "reports",
            |j| j.report_id.to_string(),
            |j| j.report_id.to_string(),
        )
    }
}

impl<J: Serialize + DeserializeOwned + Send + 'static> SqliteQueue<J> {
    pub fn new(store: Store, name: &'static str, group_of: fn(&J) -> String, dedupe_of: fn(&J) -> String) -> Self {
        SqliteQueue {
            store,
            name,
            wake: Arc::new(Notify::new()),
            group_of,
            dedupe_of,
            _job: PhantomData,
        }
    }

    /// Adds a job; a job with the same dedupe key already queued is not added again.
    pub fn push(&self, job: &J) -> Result<(), QueueError> {
        let body = serde_json::to_string(job).map_err(|e| QueueError(e.to_string()))?;
        self.store
            .with(|c| {
                c.execute(
                    "INSERT INTO jobs (queue, group_key, dedupe_key, body) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(queue, dedupe_key) DO NOTHING",
                    params![self.name, (self.group_of)(job), (self.dedupe_of)(job), body],
                )
            })
            .map_err(|e| QueueError(e.to_string()))?;
        self.wake.notify_one();
        Ok(())
    }

    pub fn stats(&self) -> Result<QueueStats, QueueError> {
        let count = |state: &str| {
            self.store
                .with(|c| {
                    c.query_row(
                        "SELECT COUNT(*) FROM jobs WHERE queue = ?1 AND state = ?2",
                        [self.name, state],
                        |r| r.get::<_, i64>(0),
                    )
                })
                .map(|n| n.max(0) as u64)
                .map_err(|e| QueueError(e.to_string()))
        };
        Ok(QueueStats {
            ready: count("ready")?,
            dead: count("dead")?,
        })
    }

    /// The bodies of dead-lettered jobs, for inspection and redrive.
    pub fn dead_letters(&self) -> Result<Vec<J>, QueueError> {
        let bodies = self
            .store
            .with(|c| {
                let mut stmt = c.prepare("SELECT body FROM jobs WHERE queue = ?1 AND state = 'dead' ORDER BY id")?;
                let rows = stmt.query_map([self.name], |r| r.get::<_, String>(0))?;
                rows.collect::<rusqlite::Result<Vec<String>>>()
            })
            .map_err(|e| QueueError(e.to_string()))?;
        bodies
            .iter()
            .map(|b| serde_json::from_str(b).map_err(|e| QueueError(e.to_string())))
            .collect()
    }

    /// The next due job that heads its group: earlier jobs of a group block later ones,
    /// even while they wait for a retry, so order within a group holds.
    fn next_due(&self) -> Result<Option<(i64, String, u32)>, QueueError> {
        let now = unix_millis();
        self.store
            .with(|c| {
                c.query_row(
                    "SELECT j.id, j.body, j.attempts FROM jobs j
                     WHERE j.queue = ?1 AND j.state = 'ready' AND j.not_before <= ?2
                       AND j.id = (SELECT MIN(k.id) FROM jobs k
                                   WHERE k.queue = j.queue AND k.group_key = j.group_key AND k.state = 'ready')
                     ORDER BY j.id LIMIT 1",
                    params![self.name, now],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?.max(0) as u32,
                        ))
                    },
                )
                .optional()
            })
            .map_err(|e| QueueError(e.to_string()))
    }

    /// Runs `handle` on each job as it becomes due, forever. One job at a time: local
    /// volumes are small, and it keeps every group's order trivially.
    pub async fn run<F, Fut>(&self, config: WorkerConfig, handle: F)
    where
        F: Fn(J) -> Fut,
        Fut: Future<Output = Result<(), JobFailure>>,
    {
        loop {
            match self.next_due() {
                Ok(Some((id, body, attempts))) => {
                    let outcome = match serde_json::from_str::<J>(&body) {
                        Ok(job) => handle(job).await,
                        Err(e) => Err(JobFailure::Fatal(format!("unreadable job: {e}"))),
                    };
                    if let Err(e) = self.settle(id, attempts + 1, outcome, &config) {
                        tracing::error!(queue = self.name, error = %e, "could not record a job's outcome");
                        tokio::time::sleep(config.poll).await;
                    }
                }
                Ok(None) => {
                    let _ = tokio::time::timeout(config.poll, self.wake.notified()).await;
                }
                Err(e) => {
                    tracing::error!(queue = self.name, error = %e, "queue unavailable");
                    tokio::time::sleep(config.poll).await;
                }
            }
        }
    }

    fn settle(
        &self,
        id: i64,
        attempts: u32,
        outcome: Result<(), JobFailure>,
        config: &WorkerConfig,
    ) -> Result<(), QueueError> {
        let result = match outcome {
            Ok(()) => self.store.with(|c| c.execute("DELETE FROM jobs WHERE id = ?1", [id])),
            Err(JobFailure::Retry(reason)) if attempts < config.max_attempts => {
                let backoff = config
                    .first_backoff
                    .saturating_mul(4u32.saturating_pow(attempts - 1))
                    .min(config.max_backoff);
                tracing::warn!(queue = self.name, attempts, reason = %reason, "job failed; will retry");
                self.store.with(|c| {
                    c.execute(
                        "UPDATE jobs SET attempts = ?2, not_before = ?3, last_error = ?4 WHERE id = ?1",
                        params![id, attempts, unix_millis() + backoff.as_millis() as i64, reason],
                    )
                })
            }
            Err(JobFailure::Retry(reason) | JobFailure::Fatal(reason)) => {
                tracing::error!(queue = self.name, attempts, reason = %reason, "job dead-lettered");
                self.store.with(|c| {
                    c.execute(
                        "UPDATE jobs SET attempts = ?2, state = 'dead', last_error = ?3 WHERE id = ?1",
                        params![id, attempts, reason],
                    )
                })
            }
        };
        result.map(|_| ()).map_err(|e| QueueError(backend(e).to_string()))
    }
}

#[async_trait]
impl OutboundQueue for SqliteQueue<OutboundJob> {
    async fn enqueue(&self, job: &OutboundJob) -> Result<(), QueueError> {
        self.push(job)
    }
}

#[async_trait]
impl MediaQueue for SqliteQueue<MediaJob> {
    async fn enqueue(&self, job: &MediaJob) -> Result<(), QueueError> {
        self.push(job)
    }
}

#[async_trait]
impl ReportQueue for SqliteQueue<ReportJob> {
    async fn enqueue(&self, job: &ReportJob) -> Result<(), QueueError> {
        self.push(job)
    }
}
