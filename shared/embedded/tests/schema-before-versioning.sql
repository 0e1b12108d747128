-- The embedded store's schema before versioned records (Satark at 8caf1ec), for the
-- test that databases made by that version still open and load.
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
    UNIQUE (queue, dedupe_key)
);
CREATE INDEX IF NOT EXISTS jobs_ready ON jobs(queue, state, group_key, id);

