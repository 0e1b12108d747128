//! The SQLite database behind the embedded adapters.

use crate::{EmbeddedError, backend};
use async_trait::async_trait;
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};
use satark_core::conversation::Conversation;
use satark_core::ids::{Pseudonym, ReferenceCode, ReportId};
use satark_core::jobs::{Envelope, QueueName};
use satark_core::ports::{
    AggregateKey, AggregateStore, AuditEntry, AuditLog, ConversationRecord, ConversationStore, DedupeStore, Measure,
    MessageCommit, ReportStore, SealedAddress, StoreError,
};
use satark_core::range::Sensitivity;
use satark_core::records::{decode, encode};
use satark_core::report::{Report, ReportStatus, StationChoice, Verdict};
use satark_core::retention::RetentionPolicy;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// Claims `key` at `now` inside whatever transaction `conn` is in: `true` if it was
/// free, or held only by a claim older than the dedupe period (which counts as absent
/// on every adapter, pruned or not).
fn claim_key(conn: &Connection, key: &str, now: i64) -> rusqlite::Result<bool> {
    let period = RetentionPolicy::default().dedupe;
    conn.execute(
        "INSERT INTO dedupe (key, seen_at) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET seen_at = excluded.seen_at WHERE dedupe.seen_at < ?3",
        params![key, now, now.saturating_sub(period)],
    )
    .map(|changed| changed == 1)
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS conversations (
    pseudonym     TEXT PRIMARY KEY,
    version       INTEGER NOT NULL,
    state         TEXT NOT NULL,
    reply_address TEXT,
    updated_at    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS dedupe (
    key     TEXT PRIMARY KEY,
    seen_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dedupe_seen ON dedupe(seen_at);
CREATE TABLE IF NOT EXISTS reports (
    id           TEXT PRIMARY KEY,
    reference    TEXT NOT NULL UNIQUE,
    informant    TEXT NOT NULL,
    district     TEXT NOT NULL,
    station      INTEGER,
    category     TEXT NOT NULL,
    status       TEXT NOT NULL,
    submitted_at INTEGER NOT NULL,
    closed_at    INTEGER,
    verdict      TEXT,
    verdict_at   INTEGER,
    body         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_informant ON reports(informant);
CREATE INDEX IF NOT EXISTS reports_submitted ON reports(submitted_at);
CREATE TABLE IF NOT EXISTS media (
    report_id TEXT NOT NULL,
    media_key TEXT NOT NULL,
    record    TEXT NOT NULL,
    PRIMARY KEY (report_id, media_key)
);
CREATE TABLE IF NOT EXISTS aggregates (
    day      TEXT NOT NULL,
    district TEXT NOT NULL,
    station  INTEGER NOT NULL,
    category TEXT NOT NULL,
    status   TEXT NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (district, day, station, category, status)
);
CREATE TABLE IF NOT EXISTS audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    entry     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    queue       TEXT NOT NULL,
    group_key   TEXT NOT NULL,
    dedupe_key  TEXT NOT NULL,
    body        TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  INTEGER NOT NULL DEFAULT 0,
    state       TEXT NOT NULL DEFAULT 'ready',
    last_error  TEXT,
    done_at     INTEGER,
    UNIQUE (queue, dedupe_key)
);
CREATE INDEX IF NOT EXISTS jobs_ready ON jobs(queue, state, group_key, id);
CREATE TABLE IF NOT EXISTS triage (
    report_id        TEXT PRIMARY KEY,
    version          INTEGER NOT NULL,
    record           TEXT NOT NULL,
    district         TEXT NOT NULL,
    submitted_at     INTEGER NOT NULL,
    informant        TEXT NOT NULL,
    fingerprint      TEXT NOT NULL,
    outbox           TEXT NOT NULL,
    alert_pending_at INTEGER
);
CREATE INDEX IF NOT EXISTS triage_district ON triage(district, submitted_at);
CREATE INDEX IF NOT EXISTS triage_informant ON triage(informant, submitted_at);
CREATE INDEX IF NOT EXISTS triage_alerts ON triage(alert_pending_at) WHERE alert_pending_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS models (
    name    TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    bytes   BLOB NOT NULL
);
";

/// One SQLite database shared by all embedded adapters. Calls are short and made
/// under a mutex; SQLite in WAL mode answers them in microseconds.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    claims: Arc<AtomicU64>,
    /// Wakes each queue's worker when a job is added.
    wakers: Arc<[Notify; 3]>,
}

/// Columns added after a table was first created: databases made by earlier versions
/// gain them at open (`CREATE TABLE IF NOT EXISTS` leaves an existing table alone).
const ADDED_COLUMNS: [(&str, &str, &str); 1] = [("jobs", "done_at", "INTEGER")];

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`. The database file and its
    /// `-wal`, `-shm` and `-journal` files are the owner's alone (0600), missing
    /// directories are created 0700 (see `files`).
    pub fn open(path: &Path) -> Result<Self, EmbeddedError> {
        let io = |shown: &Path| {
            let shown = shown.display().to_string();
            move |source| EmbeddedError::Io { path: shown, source }
        };
        if let Some(dir) = path.parent() {
            crate::files::create_dirs(dir).map_err(io(dir))?;
        }
        crate::files::create_private_file(path).map_err(io(path))?;
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            let side = std::path::PathBuf::from(side);
            crate::files::tighten_file(&side).map_err(io(&side))?;
        }
        Self::init(conn)
    }

    /// A private in-memory database (tests).
    pub fn in_memory() -> Result<Self, EmbeddedError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Self, EmbeddedError> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(crate::thread::SCHEMA)?;
        for (table, column, kind) in ADDED_COLUMNS {
            let present: bool = conn.query_row(
                &format!("SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = ?1"),
                [column],
                |r| r.get::<_, i64>(0).map(|n| n > 0),
            )?;
            if !present {
                conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"))?;
            }
        }
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
            claims: Arc::new(AtomicU64::new(0)),
            wakers: Arc::new([Notify::new(), Notify::new(), Notify::new()]),
        })
    }

    /// The connection. A panic elsewhere while it was held does not take the store
    /// down with it: an open transaction was rolled back when its guard unwound, so
    /// the connection is sound, and the poison is cleared.
    pub(crate) fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>, StoreError> {
        Ok(self.conn.lock().unwrap_or_else(|poisoned| {
            self.conn.clear_poison();
            poisoned.into_inner()
        }))
    }

    /// Runs `f` with the connection.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, StoreError> {
        let conn = self.lock()?;
        f(&conn).map_err(backend)
    }

    pub(crate) fn waker(&self, queue: QueueName) -> &Notify {
        match queue {
            QueueName::Outbound => &self.wakers[0],
            QueueName::Media => &self.wakers[1],
            QueueName::Reports => &self.wakers[2],
        }
    }

    pub(crate) fn wake(&self, queue: QueueName) {
        self.waker(queue).notify_one();
    }

    /// Rows per table, for tests that prove what was (not) stored.
    pub fn row_counts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let tables = ["conversations", "dedupe", "reports", "media", "jobs"];
        tables
            .iter()
            .map(|t| {
                self.with(|c| c.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get::<_, i64>(0)))
                    .map(|n| (t.to_string(), n.max(0) as u64))
            })
            .collect()
    }

    /// Every report (tests and exports).
    pub fn count_reports(&self) -> Result<u64, StoreError> {
        self.with(|c| c.query_row("SELECT COUNT(*) FROM reports", [], |r| r.get::<_, i64>(0)))
            .map(|n| n.max(0) as u64)
    }
}

/// Writes a conversation if its version is still `expected_version`.
fn save_conversation(
    conn: &Connection,
    who: &Pseudonym,
    conversation: &Conversation,
    reply_address: Option<&SealedAddress>,
    expected_version: Option<u64>,
) -> Result<u64, StoreError> {
    let state = encode(conversation)?;
    let address = reply_address.map(serde_json::to_string).transpose().map_err(corrupt)?;
    let updated_at = conversation.last_inbound_at.unwrap_or(0);
    let (written, version) = match expected_version {
        None => (
            conn.execute(
                "INSERT INTO conversations (pseudonym, version, state, reply_address, updated_at)
                 VALUES (?1, 1, ?2, ?3, ?4) ON CONFLICT(pseudonym) DO NOTHING",
                params![who.as_str(), state, address, updated_at],
            ),
            1,
        ),
        Some(expected) => (
            conn.execute(
                "UPDATE conversations SET version = ?3, state = ?4,
                     reply_address = COALESCE(?5, reply_address), updated_at = ?6
                 WHERE pseudonym = ?1 AND version = ?2",
                params![
                    who.as_str(),
                    expected as i64,
                    (expected + 1) as i64,
                    state,
                    address,
                    updated_at
                ],
            ),
            expected + 1,
        ),
    };
    if written.map_err(backend)? == 0 {
        Err(StoreError::Conflict)
    } else {
        Ok(version)
    }
}

/// Stores a report (idempotent on its id; a used reference code is `ReferenceTaken`).
fn insert_report(conn: &Connection, report: &Report, informant: &Pseudonym) -> Result<(), StoreError> {
    let body = encode(report)?;
    let result = conn.execute(
        "INSERT INTO reports (id, reference, informant, district, station, category, status, submitted_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(id) DO NOTHING",
        params![
            report.id.as_str(),
            report.reference.as_str(),
            informant.as_str(),
            report.district,
            station_number(report.station),
            report.category,
            report.status.as_str(),
            report.submitted_at,
            body
        ],
    );
    match result {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::ConstraintViolation => {
            Err(StoreError::ReferenceTaken)
        }
        Err(e) => Err(backend(e)),
    }
}

/// A report: its submission (the body, never rewritten) with its triage status.
pub(crate) fn with_triage(body: &str, status: &str) -> Result<Report, StoreError> {
    let mut report: Report = decode(body)?;
    report.status = ReportStatus::parse(status).ok_or_else(|| corrupt(format!("status {status}")))?;
    Ok(report)
}

pub(crate) fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

#[async_trait]
impl ConversationStore for Store {
    async fn load(&self, who: &Pseudonym) -> Result<Option<ConversationRecord>, StoreError> {
        let row = self.with(|c| {
            c.query_row(
                "SELECT state, reply_address, version FROM conversations WHERE pseudonym = ?1",
                [who.as_str()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )
            .optional()
        })?;
        let Some((state, address, version)) = row else {
            return Ok(None);
        };
        let conversation: Conversation = decode(&state)?;
        let reply_address = match address {
            Some(a) => Some(serde_json::from_str::<SealedAddress>(&a).map_err(corrupt)?),
            None => None,
        };
        Ok(Some(ConversationRecord {
            conversation,
            reply_address,
            version: version.max(0) as u64,
        }))
    }

    async fn save(
        &self,
        who: &Pseudonym,
        conversation: &Conversation,
        reply_address: Option<&SealedAddress>,
        expected_version: Option<u64>,
    ) -> Result<u64, StoreError> {
        let conn = self.lock()?;
        save_conversation(&conn, who, conversation, reply_address, expected_version)
    }

    async fn commit(&self, commit: &MessageCommit<'_>) -> Result<u64, StoreError> {
        let mut conn = self.lock()?;
        // Dropped without `commit()`, the transaction rolls back: all or nothing.
        let tx = conn.transaction().map_err(backend)?;
        if !claim_key(&tx, commit.message_key, commit.now).map_err(backend)? {
            return Err(StoreError::AlreadyProcessed);
        }
        let version = save_conversation(
            &tx,
            commit.who,
            commit.conversation,
            commit.reply_address,
            commit.expected_version,
        )?;
        for report in commit.reports {
            insert_report(&tx, report, commit.who)?;
        }
        // The queues live in this database: the outbox is the queue itself, and the
        // jobs are queued in the same transaction as everything else.
        for job in commit.jobs {
            crate::queue::insert_job(&tx, job).map_err(backend)?;
        }
        tx.commit().map_err(backend)?;
        for job in commit.jobs {
            self.wake(job.queue);
        }
        Ok(version)
    }

    async fn outbox(&self, _message_key: &str) -> Result<Vec<Envelope>, StoreError> {
        // Queued by the commit itself: nothing can be pending.
        Ok(vec![])
    }
}

#[async_trait]
impl DedupeStore for Store {
    async fn claim(&self, key: &str, now: i64) -> Result<bool, StoreError> {
        // Prune expired records now and then, not on every message.
        if self.claims.fetch_add(1, Ordering::Relaxed).is_multiple_of(256) {
            let period = RetentionPolicy::default().dedupe;
            self.with(|c| c.execute("DELETE FROM dedupe WHERE seen_at < ?1", [now.saturating_sub(period)]))?;
        }
        self.with(|c| claim_key(c, key, now))
    }

    async fn seen(&self, key: &str, now: i64) -> Result<bool, StoreError> {
        let period = RetentionPolicy::default().dedupe;
        self.with(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM dedupe WHERE key = ?1 AND seen_at >= ?2",
                params![key, now.saturating_sub(period)],
                |r| r.get::<_, i64>(0),
            )
        })
        .map(|n| n > 0)
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        self.with(|c| c.execute("DELETE FROM dedupe WHERE key = ?1", [key]))
            .map(|_| ())
    }
}

fn station_number(station: StationChoice) -> Option<i64> {
    match station {
        StationChoice::Known(n) => Some(i64::from(n)),
        StationChoice::DontKnow => None,
    }
}

#[async_trait]
impl ReportStore for Store {
    async fn insert(&self, report: &Report, informant: &Pseudonym) -> Result<(), StoreError> {
        insert_report(&*self.lock()?, report, informant)
    }

    async fn get(&self, id: &ReportId) -> Result<Option<Report>, StoreError> {
        let row = self.with(|c| {
            c.query_row("SELECT body, status FROM reports WHERE id = ?1", [id.as_str()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .optional()
        })?;
        row.map(|(body, status)| with_triage(&body, &status)).transpose()
    }

    async fn status_for(
        &self,
        informant: &Pseudonym,
        code: &ReferenceCode,
    ) -> Result<Option<ReportStatus>, StoreError> {
        let status = self.with(|c| {
            c.query_row(
                "SELECT status FROM reports WHERE reference = ?1 AND informant = ?2",
                [code.as_str(), informant.as_str()],
                |r| r.get::<_, String>(0),
            )
            .optional()
        })?;
        status
            .map(|s| ReportStatus::parse(&s).ok_or_else(|| corrupt(format!("status {s}"))))
            .transpose()
    }

    async fn list_recent(&self, limit: usize) -> Result<Vec<Report>, StoreError> {
        let rows = self.with(|c| {
            let mut stmt = c.prepare("SELECT body, status FROM reports ORDER BY submitted_at DESC, id LIMIT ?1")?;
            let rows = stmt.query_map([limit as i64], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            rows.collect::<rusqlite::Result<Vec<(String, String)>>>()
        })?;
        rows.iter().map(|(body, status)| with_triage(body, status)).collect()
    }

    async fn set_status(&self, id: &ReportId, status: ReportStatus, now: i64) -> Result<bool, StoreError> {
        // Triage state beside the submission: the body is never rewritten.
        let changed = self.with(|c| set_status_row(c, id, status, now))?;
        Ok(changed == 1)
    }

    async fn informant_of(&self, id: &ReportId) -> Result<Option<Pseudonym>, StoreError> {
        let who: Option<String> = self.with(|c| {
            c.query_row("SELECT informant FROM reports WHERE id = ?1", [id.as_str()], |r| {
                r.get(0)
            })
            .optional()
        })?;
        Ok(who.map(Pseudonym::new))
    }

    async fn assessed_sensitivity(&self, id: &ReportId) -> Result<Option<Sensitivity>, StoreError> {
        let record: Option<String> = self.with(|c| {
            c.query_row("SELECT record FROM triage WHERE report_id = ?1", [id.as_str()], |r| {
                r.get(0)
            })
            .optional()
        })?;
        record
            .map(|r| decode::<satark_core::triage::Assessment>(&r).map(|a| a.sensitivity))
            .transpose()
            .map_err(StoreError::from)
    }

    async fn set_verdict(&self, id: &ReportId, verdict: Verdict, now: i64) -> Result<bool, StoreError> {
        let changed = self.with(|c| set_verdict_row(c, id, verdict, now))?;
        Ok(changed == 1)
    }
}

/// Station 0 stands for "unknown" in the aggregates' primary key (numbers start at 1).
const UNKNOWN_STATION: i64 = 0;

/// Adds `delta` to a counter (created at zero), inside whatever transaction `conn` is in.
pub(crate) fn add_count(conn: &Connection, key: &AggregateKey, delta: i64) -> rusqlite::Result<usize> {
    let station = key.station.map_or(UNKNOWN_STATION, i64::from);
    conn.execute(
        "INSERT INTO aggregates (day, district, station, category, status, count) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (district, day, station, category, status) DO UPDATE SET count = count + excluded.count",
        params![key.day, key.district, station, key.category, key.measure.token(), delta],
    )
}

/// Sets a report's triage status beside its submission (the body is never rewritten);
/// closing starts the reply-address retention clock.
pub(crate) fn set_status_row(
    conn: &Connection,
    id: &ReportId,
    status: ReportStatus,
    now: i64,
) -> rusqlite::Result<usize> {
    let closed_at = (status == ReportStatus::Closed).then_some(now);
    conn.execute(
        "UPDATE reports SET status = ?2, closed_at = ?3 WHERE id = ?1",
        params![id.as_str(), status.as_str(), closed_at],
    )
}

/// Records a verdict (a spurious one starts the purge clock).
pub(crate) fn set_verdict_row(conn: &Connection, id: &ReportId, verdict: Verdict, now: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE reports SET verdict = ?2, verdict_at = ?3 WHERE id = ?1",
        params![id.as_str(), verdict.as_str(), now],
    )
}

#[async_trait]
impl AggregateStore for Store {
    async fn add(&self, key: &AggregateKey, delta: i64) -> Result<(), StoreError> {
        self.with(|c| add_count(c, key, delta)).map(|_| ())
    }

    async fn counts(
        &self,
        district: &str,
        from_day: &str,
        to_day: &str,
    ) -> Result<Vec<(AggregateKey, i64)>, StoreError> {
        let rows: Vec<(String, i64, String, String, i64)> = self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT day, station, category, status, count FROM aggregates
                 WHERE district = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY day, station, category, status",
            )?;
            let rows = stmt.query_map(params![district, from_day, to_day], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
            rows.collect()
        })?;
        // Counters written before measures existed are keyed by a bare status; they
        // read as that status and are summed with the current rows of their cell.
        let mut cells: std::collections::BTreeMap<AggregateKey, i64> = std::collections::BTreeMap::new();
        for (day, station, category, token, count) in rows {
            let measure = Measure::parse(&token).ok_or_else(|| corrupt(format!("measure {token}")))?;
            let station = u16::try_from(station).ok().filter(|n| *n != 0);
            let key = AggregateKey {
                day,
                district: district.to_string(),
                station,
                category,
                measure,
            };
            *cells.entry(key).or_default() += count;
        }
        Ok(cells.into_iter().collect())
    }
}

#[async_trait]
impl AuditLog for Store {
    async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let json = encode(entry)?;
        self.with(|c| c.execute("INSERT INTO audit (at, entry) VALUES (?1, ?2)", params![entry.at, json]))
            .map(|_| ())
    }

    async fn recent(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let rows: Vec<String> = self.with(|c| {
            let mut stmt = c.prepare("SELECT entry FROM audit ORDER BY at DESC, id DESC LIMIT ?1")?;
            let rows = stmt.query_map([limit as i64], |r| r.get(0))?;
            rows.collect()
        })?;
        rows.iter().map(|r| decode(r).map_err(StoreError::from)).collect()
    }
}
