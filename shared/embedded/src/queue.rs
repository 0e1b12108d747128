//! Durable in-process queues on SQLite, with the rules of the AWS queues: at-least-once
//! delivery, retries with backoff, a dead-letter state after too many failures, and
//! first-in-first-out order within a group (like an SQS FIFO message group).
//!
//! Order within a group: only a group's oldest ready job (its head) is ever handed to
//! the handler, and at most one job of a group is in flight; a job that fails, or is
//! deferred, stays the head (its retry waits in place), so its successors wait behind
//! it rather than overtake it. Jobs of different groups run concurrently, up to
//! [`WorkerConfig::concurrency`].

use crate::{Store, backend};
use async_trait::async_trait;
use rusqlite::{Connection, params};
use satark_core::clock::Clock;
use satark_core::jobs::{Envelope, Job, JobError, JobQueue, open_job};
use satark_core::ports::QueueError;
use std::collections::HashSet;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

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
    /// How many jobs (of different groups) may be in flight at once.
    pub concurrency: usize,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            max_attempts: 5,
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
            poll: Duration::from_millis(500),
            concurrency: 1,
        }
    }
}

/// Counts of a queue's jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueStats {
    pub ready: u64,
    pub dead: u64,
}

/// Adds a job to its queue, inside whatever transaction `conn` is in. A job whose
/// dedupe key is queued, or was handled within the dedupe window, is not added again.
pub(crate) fn insert_job(conn: &Connection, job: &Envelope) -> rusqlite::Result<usize> {
    conn.execute(
        "INSERT INTO jobs (queue, group_key, dedupe_key, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(queue, dedupe_key) DO NOTHING",
        params![job.queue.as_str(), job.group, job.dedupe_key, job.body],
    )
}

#[async_trait]
impl JobQueue for Store {
    async fn send(&self, job: &Envelope) -> Result<(), QueueError> {
        self.with(|c| insert_job(c, job))
            .map_err(|e| QueueError(e.to_string()))?;
        self.wake(job.queue);
        Ok(())
    }
}

/// The worker side of one queue of `J` jobs in the shared database.
pub struct SqliteQueue<J> {
    store: Store,
    clock: Arc<dyn Clock>,
    _job: PhantomData<fn() -> J>,
}

impl<J> Clone for SqliteQueue<J> {
    fn clone(&self) -> Self {
        SqliteQueue {
            store: self.store.clone(),
            clock: self.clock.clone(),
            _job: PhantomData,
        }
    }
}

impl<J: Job> SqliteQueue<J> {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        SqliteQueue {
            store,
            clock,
            _job: PhantomData,
        }
    }

    fn name(&self) -> &'static str {
        J::QUEUE.as_str()
    }

    pub fn stats(&self) -> Result<QueueStats, QueueError> {
        let count = |state: &str| {
            self.store
                .with(|c| {
                    c.query_row(
                        "SELECT COUNT(*) FROM jobs WHERE queue = ?1 AND state = ?2",
                        [self.name(), state],
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
                let rows = stmt.query_map([self.name()], |r| r.get::<_, String>(0))?;
                rows.collect::<rusqlite::Result<Vec<String>>>()
            })
            .map_err(|e| QueueError(e.to_string()))?;
        bodies
            .iter()
            .map(|b| open_job::<J>(b).map_err(|e| QueueError(e.to_string())))
            .collect()
    }

    /// Due jobs that head their groups, oldest first, skipping the groups in `busy`
    /// (which have a job in flight): earlier jobs of a group block later ones, even
    /// while they wait for a retry, so order within a group holds.
    fn due_heads(&self, want: usize, busy: &HashSet<String>) -> Result<Vec<(i64, String, String, u32)>, QueueError> {
        let now = self.clock.now_millis();
        let limit = i64::try_from(want.saturating_add(busy.len())).unwrap_or(i64::MAX);
        let heads = self
            .store
            .with(|c| {
                let mut stmt = c.prepare_cached(
                    "SELECT j.id, j.group_key, j.body, j.attempts FROM jobs j
                     WHERE j.queue = ?1 AND j.state = 'ready' AND j.not_before <= ?2
                       AND j.id = (SELECT MIN(k.id) FROM jobs k
                                   WHERE k.queue = j.queue AND k.group_key = j.group_key AND k.state = 'ready')
                     ORDER BY j.id LIMIT ?3",
                )?;
                let rows = stmt.query_map(params![self.name(), now, limit], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?.max(0) as u32,
                    ))
                })?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| QueueError(e.to_string()))?;
        Ok(heads
            .into_iter()
            .filter(|(_, group, _, _)| !busy.contains(group))
            .take(want)
            .collect())
    }

    /// How long to wait for work when nothing wakes the worker: until the next retry or
    /// deferred job comes due (so a backoff lasts what it says, not a poll), at most
    /// `poll`.
    fn idle_wait(&self, poll: Duration) -> Duration {
        let now = self.clock.now_millis();
        let next: Option<i64> = self
            .store
            .with(|c| {
                c.query_row(
                    "SELECT MIN(not_before) FROM jobs WHERE queue = ?1 AND state = 'ready' AND not_before > ?2",
                    params![self.name(), now],
                    |r| r.get(0),
                )
            })
            .unwrap_or(None);
        next.map_or(poll, |t| {
            Duration::from_millis(u64::try_from(t.saturating_sub(now)).unwrap_or(0)).min(poll)
        })
    }

    /// One attempt at a job: its outcome, a panic caught as a retry.
    async fn attempt<F, Fut>(&self, body: String, attempts: u32, handle: &F) -> Result<(), JobError>
    where
        F: Fn(J) -> Fut,
        Fut: Future<Output = Result<(), JobError>>,
    {
        use futures_util::FutureExt;
        use tracing::Instrument;
        // One span per job, with nothing that identifies anyone.
        let span = tracing::info_span!("job", queue = self.name(), attempt = attempts + 1);
        match open_job::<J>(&body) {
            // A panicking handler fails this attempt, not the worker: the job is
            // retried, then dead-lettered, never a crash loop.
            Ok(job) => match std::panic::AssertUnwindSafe(handle(job).instrument(span))
                .catch_unwind()
                .await
            {
                Ok(outcome) => outcome,
                Err(_) => Err(JobError::Retry("the handler panicked".into())),
            },
            Err(e) => Err(e),
        }
    }

    /// Runs `handle` on each job as it becomes due, forever: up to
    /// `config.concurrency` jobs at once, never two of one group. Run one worker per
    /// queue and database (the in-flight groups are known to it alone).
    pub async fn run<F, Fut>(&self, config: WorkerConfig, handle: F)
    where
        F: Fn(J) -> Fut,
        Fut: Future<Output = Result<(), JobError>>,
    {
        use futures_util::stream::{FuturesUnordered, StreamExt};
        let wake = self.store.waker(J::QUEUE);
        let width = config.concurrency.max(1);
        let mut running = FuturesUnordered::new();
        let mut busy: HashSet<String> = HashSet::new();
        loop {
            if running.len() < width {
                match self.due_heads(width - running.len(), &busy) {
                    Ok(jobs) => {
                        for (id, group, body, attempts) in jobs {
                            busy.insert(group.clone());
                            let handle = &handle;
                            running.push(async move {
                                let outcome = self.attempt(body, attempts, handle).await;
                                (id, group, attempts, outcome)
                            });
                        }
                    }
                    Err(e) => {
                        tracing::error!(queue = self.name(), error = %e, "queue unavailable");
                        tokio::time::sleep(config.poll).await;
                        continue;
                    }
                }
            }
            let idle = self.idle_wait(config.poll);
            if running.is_empty() {
                let _ = tokio::time::timeout(idle, wake.notified()).await;
                continue;
            }
            tokio::select! {
                Some((id, group, attempts, outcome)) = running.next() => {
                    busy.remove(&group);
                    if let Err(e) = self.settle(id, attempts + 1, outcome, &config) {
                        tracing::error!(queue = self.name(), error = %e, "could not record a job's outcome");
                        tokio::time::sleep(config.poll).await;
                    }
                }
                // A new job, or a retry come due: fill the free slots.
                _ = tokio::time::timeout(idle, wake.notified()), if running.len() < width => {}
            }
        }
    }

    fn settle(
        &self,
        id: i64,
        attempts: u32,
        outcome: Result<(), JobError>,
        config: &WorkerConfig,
    ) -> Result<(), QueueError> {
        let result = match outcome {
            // Kept as done (not deleted) through the dedupe window, so a resent job with
            // the same key is recognised and not handled twice; the sweep prunes it.
            Ok(()) => self.store.with(|c| {
                c.execute(
                    "UPDATE jobs SET state = 'done', done_at = ?2 WHERE id = ?1",
                    params![id, self.clock.now()],
                )
            }),
            Err(JobError::Retry(reason)) if attempts < config.max_attempts => {
                let backoff = config
                    .first_backoff
                    .saturating_mul(4u32.saturating_pow(attempts - 1))
                    .min(config.max_backoff);
                tracing::warn!(queue = self.name(), attempts, reason = %reason, "job failed; will retry");
                self.store.with(|c| {
                    c.execute(
                        "UPDATE jobs SET attempts = ?2, not_before = ?3, last_error = ?4 WHERE id = ?1",
                        params![
                            id,
                            attempts,
                            self.clock
                                .now_millis()
                                .saturating_add(i64::try_from(backoff.as_millis()).unwrap_or(i64::MAX)),
                            reason
                        ],
                    )
                })
            }
            Err(JobError::Defer { reason, after }) => {
                // Not a failure: the job keeps its place and its attempts.
                tracing::debug!(queue = self.name(), reason = %reason, after_ms = after.as_millis() as u64, "job deferred");
                self.store.with(|c| {
                    c.execute(
                        "UPDATE jobs SET not_before = ?2 WHERE id = ?1",
                        params![
                            id,
                            self.clock
                                .now_millis()
                                .saturating_add(i64::try_from(after.as_millis()).unwrap_or(i64::MAX))
                        ],
                    )
                })
            }
            Err(JobError::Retry(reason) | JobError::Fatal(reason)) => {
                tracing::error!(queue = self.name(), attempts, reason = %reason, "job dead-lettered");
                self.store.with(|c| {
                    c.execute(
                        "UPDATE jobs SET attempts = ?2, state = 'dead', last_error = ?3, done_at = ?4 WHERE id = ?1",
                        params![id, attempts, reason, self.clock.now()],
                    )
                })
            }
        };
        result.map(|_| ()).map_err(|e| QueueError(backend(e).to_string()))
    }
}
