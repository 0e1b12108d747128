//! Ports: what the domain needs from the outside world, as traits.
//!
//! Every port has an embedded adapter (`satark-embedded`: SQLite, files, a local key)
//! and an AWS adapter (`satark-aws`: DynamoDB, S3, SQS, KMS); both pass the same
//! contract suite. Ports are split by privilege: whoever holds only a
//! [`ReplyAddressSealer`] can never read a reply address; only the notifier is given a
//! [`ReplyAddressOpener`].

use crate::Lang;
use crate::conversation::{Conversation, Reply};
use crate::ids::{Identity, Pseudonym, ReferenceCode, ReportId};
use crate::jobs::Envelope;
use crate::report::{MediaKind, Report, ReportStatus, Verdict};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Someone else wrote first (optimistic concurrency); reload and retry.
    #[error("conflicting write: the record changed since it was read")]
    Conflict,
    /// A new report's reference code is already in use; draw another.
    #[error("reference code already in use")]
    ReferenceTaken,
    /// The backend failed; the operation may succeed if retried.
    #[error("storage backend: {0}")]
    Backend(String),
    /// A stored record could not be read back.
    #[error("corrupt record: {0}")]
    Corrupt(String),
    /// The message was committed before (a redelivery): nothing was written.
    #[error("message already processed")]
    AlreadyProcessed,
}

/// A reply address: the informant's identity encrypted under the contact key. Opaque
/// bytes everywhere but in the notifier.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedAddress(#[serde(with = "hex_bytes")] pub Vec<u8>);

impl std::fmt::Debug for SealedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealedAddress({} bytes)", self.0.len())
    }
}

mod hex_bytes {
    //! Serialises bytes as lowercase hex: plain ASCII in JSON, SQLite and queue bodies.
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        let mut out = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            out.push_str(&format!("{b:02x}"));
        }
        s.serialize_str(&out)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        if text.len() % 2 != 0 {
            return Err(serde::de::Error::custom("odd hex length"));
        }
        (0..text.len())
            .step_by(2)
            .map(|i| {
                text.get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| serde::de::Error::custom("bad hex"))
            })
            .collect()
    }
}

/// Why a key operation failed.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key service: {0}")]
    Backend(String),
    #[error("ciphertext could not be opened")]
    Unreadable,
}

/// Turns identities into pseudonyms, and message ids into keys that do not embed the
/// sender (WhatsApp message ids encode the sender's number).
pub trait Pseudonymizer: Send + Sync {
    fn pseudonym(&self, identity: &Identity) -> Pseudonym;
    fn message_key(&self, wamid: &str) -> String;
}

/// Encrypts an identity into a reply address. Held by the webhook.
#[async_trait]
pub trait ReplyAddressSealer: Send + Sync {
    async fn seal(&self, identity: &Identity) -> Result<SealedAddress, KeyError>;
}

/// Decrypts a reply address. Held by the notifier only.
#[async_trait]
pub trait ReplyAddressOpener: Send + Sync {
    async fn open(&self, address: &SealedAddress) -> Result<Identity, KeyError>;
}

/// A stored conversation with its version, for optimistic concurrency.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationRecord {
    pub conversation: Conversation,
    pub reply_address: Option<SealedAddress>,
    pub version: u64,
}

#[async_trait]
pub trait ConversationStore: Send + Sync {
    async fn load(&self, who: &Pseudonym) -> Result<Option<ConversationRecord>, StoreError>;
    /// Writes the conversation if its stored version is still `expected_version`
    /// (`None`: it must not exist yet); otherwise [`StoreError::Conflict`].
    /// Returns the new version.
    async fn save(
        &self,
        who: &Pseudonym,
        conversation: &Conversation,
        reply_address: Option<&SealedAddress>,
        expected_version: Option<u64>,
    ) -> Result<u64, StoreError>;

    /// Stores a [`MessageCommit`] atomically and returns the conversation's new version.
    /// Fails, writing nothing, with [`StoreError::AlreadyProcessed`] (the message key
    /// was claimed), [`StoreError::Conflict`] (the version moved) or
    /// [`StoreError::ReferenceTaken`] (a report's code is in use).
    async fn commit(&self, commit: &MessageCommit<'_>) -> Result<u64, StoreError>;

    /// The jobs a committed message may not have dispatched yet (its outbox), for a
    /// redelivery to send again; sending a job twice is harmless. Empty where the
    /// commit itself queued them (the embedded store: one transaction).
    async fn outbox(&self, message_key: &str) -> Result<Vec<Envelope>, StoreError>;
}

/// Everything one processed message writes, as one atomic write: the message's dedupe
/// claim, the conversation (with its version check) and any report it submitted.
/// Either all of it is stored or none, so a message is never half-processed, and a
/// redelivery is refused before it can have any effect.
#[derive(Debug, Clone, Copy)]
pub struct MessageCommit<'a> {
    pub who: &'a Pseudonym,
    pub conversation: &'a Conversation,
    /// Stored when given; `None` keeps the stored address.
    pub reply_address: Option<&'a SealedAddress>,
    /// `None`: the conversation must not exist yet.
    pub expected_version: Option<u64>,
    /// The message's dedupe key (kept at least seven days).
    pub message_key: &'a str,
    pub now: i64,
    /// Reports the message submitted, stored for `who`.
    pub reports: &'a [Report],
    /// The work the message causes (replies, media downloads, classification): its
    /// outbox, stored in the same write and dispatched after it.
    pub jobs: &'a [Envelope],
}

/// Remembers which inbound messages (and queue jobs) were processed, for the
/// retention policy's dedupe period ([`crate::retention::RetentionPolicy::dedupe`],
/// eight days: Meta redelivers for seven). A claim older than that counts as absent
/// on every adapter, whether or not it was deleted yet.
#[async_trait]
pub trait DedupeStore: Send + Sync {
    /// Claims `key`; `false` if it was already claimed (a redelivery).
    async fn claim(&self, key: &str, now: i64) -> Result<bool, StoreError>;
    /// Whether `key` holds an unexpired claim, without claiming it.
    async fn seen(&self, key: &str, now: i64) -> Result<bool, StoreError>;
    /// Gives a claim back after processing failed, so the redelivery is processed.
    async fn release(&self, key: &str) -> Result<(), StoreError>;
}

#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Stores a new report. Idempotent on the report id: storing the same report again
    /// succeeds without change. A reference code used by another report gives
    /// [`StoreError::ReferenceTaken`].
    async fn insert(&self, report: &Report, informant: &Pseudonym) -> Result<(), StoreError>;
    async fn get(&self, id: &ReportId) -> Result<Option<Report>, StoreError>;
    /// The status of the informant's own report with this code; `None` for someone
    /// else's code, so codes cannot be probed.
    async fn status_for(&self, informant: &Pseudonym, code: &ReferenceCode)
    -> Result<Option<ReportStatus>, StoreError>;
    /// Newest first, at most `limit`.
    async fn list_recent(&self, limit: usize) -> Result<Vec<Report>, StoreError>;
    /// Who sent the report (a pseudonym), for the classifier's corroboration and for
    /// reaching the informant through their conversation. Never returned to officers.
    async fn informant_of(&self, id: &ReportId) -> Result<Option<Pseudonym>, StoreError>;
    /// The evidence sensitivity the classifier gave the report (`None` until it is
    /// classified): what decides, with the category's, who may see it.
    async fn assessed_sensitivity(&self, id: &ReportId) -> Result<Option<crate::range::Sensitivity>, StoreError>;
    /// Sets a report's status: triage state, kept beside the submission (which never
    /// changes). Closing starts the reply-address retention clock. `false`: no such
    /// report.
    async fn set_status(&self, id: &ReportId, status: ReportStatus, now: i64) -> Result<bool, StoreError>;
    /// Records an officer's verdict (a spurious one starts the purge clock).
    async fn set_verdict(&self, id: &ReportId, verdict: Verdict, now: i64) -> Result<bool, StoreError>;
}

/// A stored piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaRecord {
    pub report_id: ReportId,
    pub media_key: String,
    pub kind: MediaKind,
    pub mime_type: String,
    pub size: u64,
    /// SHA-256 of the bytes stored, hex.
    pub sha256: String,
    /// Difference hash of an image (hex), to link the same picture sent twice.
    #[serde(default)]
    pub perceptual_hash: Option<String>,
    /// What metadata was removed before storing (e.g. "exif", "udta").
    #[serde(default)]
    pub metadata_removed: Vec<String>,
    /// False for formats whose metadata cannot be removed (documents): the console
    /// warns officers that the file may carry its author's name.
    #[serde(default)]
    pub metadata_stripped: bool,
    pub stored_at: i64,
}

/// A piece of evidence after checking and cleaning, ready for the vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessedEvidence {
    pub bytes: Vec<u8>,
    pub mime_type: String,
    pub sha256: String,
    pub perceptual_hash: Option<String>,
    pub metadata_removed: Vec<String>,
    pub metadata_stripped: bool,
}

/// Why a file is not kept as evidence.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EvidenceRejection {
    #[error("not accepted as evidence: {0}")]
    Unsupported(String),
    #[error("damaged file: {0}")]
    Malformed(String),
    /// Processing ran out of its time budget or crashed: the file is refused, and the
    /// worker goes on.
    #[error("could not be processed safely: {0}")]
    Unprocessable(String),
}

/// Checks what a file really is, removes identifying metadata and hashes it.
pub trait EvidenceProcessor: Send + Sync {
    fn process(&self, kind: MediaKind, bytes: &[u8]) -> Result<ProcessedEvidence, EvidenceRejection>;
}

/// Runs an [`EvidenceProcessor`] where a hostile file can neither stall nor crash
/// the worker: off the async threads, within a time budget, a panic caught and
/// reported as a rejection.
#[async_trait]
pub trait EvidenceSandbox: Send + Sync {
    async fn process(&self, kind: MediaKind, bytes: Vec<u8>) -> Result<ProcessedEvidence, EvidenceRejection>;
}

/// Where evidence is kept, encrypted at rest.
#[async_trait]
pub trait EvidenceVault: Send + Sync {
    /// Stores the bytes; idempotent on (report, media key).
    async fn put(&self, record: &MediaRecord, bytes: &[u8]) -> Result<(), StoreError>;
    async fn list(&self, report_id: &ReportId) -> Result<Vec<MediaRecord>, StoreError>;
    async fn read(&self, report_id: &ReportId, media_key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Deletes all evidence of a report (a cancelled or expired draft).
    async fn discard(&self, report_id: &ReportId) -> Result<(), StoreError>;
}

/// A message to send to an informant. Carries the reply address sealed, never the number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboundJob {
    /// Orders sends: one informant's messages go out in order.
    pub conversation: Pseudonym,
    pub reply_address: SealedAddress,
    pub reply: Reply,
    /// Unique per message, so a redelivered job is sent once.
    pub job_id: String,
    /// When the informant last wrote to us: the start of WhatsApp's 24-hour
    /// customer-service window. `None`: a reply to the message just received (the
    /// window is open).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_inbound_at: Option<i64>,
    /// What to send instead of `reply` once the window has closed (officers' feedback,
    /// questions and status news); `None` for in-chat replies, which are dropped rather
    /// than sent late.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateMessage>,
    /// Set when the message is part of a report's thread with the informant, so its
    /// delivery state reaches the officers ([`ThreadStore::set_delivery`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<ThreadRef>,
}

/// A registered WhatsApp template message (`infra/whatsapp-templates.toml`): its name,
/// language and body parameters in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateMessage {
    pub name: String,
    pub lang: Lang,
    pub params: Vec<String>,
}

/// A message to an office of the range (an SP office or the range office), e.g. a P1
/// alert. Offices are named, never numbered, in the job: the notifier looks the number
/// up in the range configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficeAlertJob {
    /// `range`, or a district code (its SP office).
    pub office: String,
    pub template: TemplateMessage,
    pub report_id: ReportId,
    /// Unique per alert, so a redelivered job is sent once.
    pub job_id: String,
}

/// Which entry of which report's thread an outbound message is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadRef {
    pub report_id: ReportId,
    pub entry_id: String,
}

/// Who wrote a thread entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadDirection {
    ToInformant,
    FromInformant,
}

/// What a thread entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadKind {
    /// Officers' feedback (a template and a short note).
    Feedback,
    /// An officer's follow-up question.
    Question,
    /// News of a status change (e.g. action taken), sent automatically.
    StatusNews,
    /// The informant's answer to a question.
    Answer,
}

/// What became of a message sent to an informant, as WhatsApp's status webhooks tell
/// it. Applied monotonically: a late `sent` never overwrites `read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Queued,
    Sent,
    Delivered,
    Read,
    /// Final: WhatsApp could not deliver it (or the send was refused for good).
    Failed,
}

impl DeliveryState {
    /// Which state wins: a state replaces a stored one only if its precedence is
    /// higher. `Read` and `Failed` share the top (both final: a failure never
    /// overwrites a read message, nor a late read a failure), so one comparison is the
    /// whole rule, in SQL and in a DynamoDB condition alike.
    pub fn precedence(self) -> u8 {
        match self {
            DeliveryState::Queued => 0,
            DeliveryState::Sent => 1,
            DeliveryState::Delivered => 2,
            DeliveryState::Read | DeliveryState::Failed => 3,
        }
    }

    /// The state's name as stored (`sent`, `read`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Sent => "sent",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Read => "read",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(name: &str) -> Option<DeliveryState> {
        [
            DeliveryState::Queued,
            DeliveryState::Sent,
            DeliveryState::Delivered,
            DeliveryState::Read,
            DeliveryState::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// One message between officers and an informant, about one report. Holds no identity:
/// officers read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadEntry {
    pub report_id: ReportId,
    /// Unique within the report: the outbound job's id, or the inbound message's key.
    pub entry_id: String,
    pub direction: ThreadDirection,
    pub kind: ThreadKind,
    /// The officer's words, or the informant's answer.
    pub text: String,
    /// Media the informant sent with the answer (stored in the vault under the report).
    #[serde(default)]
    pub media_keys: Vec<String>,
    pub at: i64,
    /// The officer who wrote it (their sign-in subject); `None` for the informant and
    /// for automatic news.
    #[serde(default)]
    pub actor: Option<String>,
    /// Outbound only.
    #[serde(default)]
    pub delivery: Option<DeliveryState>,
    #[serde(default)]
    pub delivery_at: Option<i64>,
    /// Whether it went out as a template (the 24-hour window had closed).
    #[serde(default)]
    pub as_template: bool,
    /// What the identity-probe check saw in an officer's words that the officer chose
    /// to send anyway: the thread keeps that record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probes_confirmed: Vec<crate::triage::probe::Probe>,
}

/// The messages of each report's thread, with their delivery state.
#[async_trait]
pub trait ThreadStore: Send + Sync {
    /// Stores an entry; idempotent on (report, entry id).
    async fn append(&self, entry: &ThreadEntry) -> Result<(), StoreError>;
    /// Oldest first.
    async fn list(&self, report_id: &ReportId) -> Result<Vec<ThreadEntry>, StoreError>;
    /// Raises an outbound entry's delivery state, never lowers it (`Failed` is final,
    /// and beats everything but `Read`); `false` if there is no such entry.
    async fn set_delivery(
        &self,
        thread: &ThreadRef,
        state: DeliveryState,
        at: i64,
        as_template: bool,
    ) -> Result<bool, StoreError>;
    /// Remembers which thread entry a sent WhatsApp message is, by the message's key
    /// ([`Pseudonymizer::message_key`] of its id: the id encodes the recipient).
    async fn link_message(&self, message_key: &str, thread: &ThreadRef) -> Result<(), StoreError>;
    /// The thread entry a status webhook's message is, if it was one.
    async fn by_message(&self, message_key: &str) -> Result<Option<ThreadRef>, StoreError>;
}

/// A piece of media to fetch into the vault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaJob {
    pub report_id: ReportId,
    pub media_key: String,
    pub wa_media_id: String,
    pub kind: MediaKind,
    pub mime_type: Option<String>,
    /// To tell the informant if the file cannot be kept.
    pub conversation: Pseudonym,
    pub reply_address: SealedAddress,
    pub lang: Lang,
}

/// A submitted report, for the classifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportJob {
    pub report_id: ReportId,
}

#[derive(Debug, thiserror::Error)]
#[error("queue: {0}")]
pub struct QueueError(pub String);

/// One cell of the analytics counters: the reports submitted on a day (in the range's
/// time zone) × district × police station × category, counted by one [`Measure`].
/// Every measure counts the same cohort (reports by the day they were submitted), so
/// shares and rates divide counts of one cell.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AggregateKey {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub district: String,
    /// `None`: the informant did not know the station.
    pub station: Option<u16>,
    pub category: String,
    pub measure: Measure,
}

/// What an aggregate counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Reports now in this status (a status change moves one report between cells).
    Status(ReportStatus),
    /// Reports classified at this priority.
    Priority(crate::triage::priority::Priority),
    /// Reports of this evidence sensitivity.
    Sensitivity(crate::range::Sensitivity),
    /// Reports the filter marked spurious.
    Flagged,
    /// Reports with this officer verdict (a changed verdict moves between cells).
    Verdict(Verdict),
    /// Reports whose first officer action came within this delay of submission.
    FirstAction(ActionDelay),
}

/// Histogram buckets of the time from submission to the first officer action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionDelay {
    UnderHour,
    UnderFourHours,
    UnderHalfDay,
    UnderDay,
    UnderThreeDays,
    UnderWeek,
    WeekOrMore,
}

impl ActionDelay {
    pub const ALL: [ActionDelay; 7] = [
        ActionDelay::UnderHour,
        ActionDelay::UnderFourHours,
        ActionDelay::UnderHalfDay,
        ActionDelay::UnderDay,
        ActionDelay::UnderThreeDays,
        ActionDelay::UnderWeek,
        ActionDelay::WeekOrMore,
    ];

    /// The bucket's upper bound in seconds (`None` for the last, open one).
    pub fn upper_seconds(self) -> Option<i64> {
        const HOUR: i64 = 3600;
        match self {
            ActionDelay::UnderHour => Some(HOUR),
            ActionDelay::UnderFourHours => Some(4 * HOUR),
            ActionDelay::UnderHalfDay => Some(12 * HOUR),
            ActionDelay::UnderDay => Some(24 * HOUR),
            ActionDelay::UnderThreeDays => Some(72 * HOUR),
            ActionDelay::UnderWeek => Some(168 * HOUR),
            ActionDelay::WeekOrMore => None,
        }
    }

    /// The bucket of a delay in seconds (a negative delay, from a skewed clock, is the
    /// first bucket).
    pub fn of(seconds: i64) -> ActionDelay {
        Self::ALL
            .into_iter()
            .find(|b| b.upper_seconds().is_some_and(|upper| seconds < upper))
            .unwrap_or(ActionDelay::WeekOrMore)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ActionDelay::UnderHour => "lt1h",
            ActionDelay::UnderFourHours => "lt4h",
            ActionDelay::UnderHalfDay => "lt12h",
            ActionDelay::UnderDay => "lt24h",
            ActionDelay::UnderThreeDays => "lt72h",
            ActionDelay::UnderWeek => "lt168h",
            ActionDelay::WeekOrMore => "ge168h",
        }
    }
}

impl Measure {
    /// The measure as one token (`status:received`, `priority:p1`, `flagged`, …), as
    /// both stores key their counters. A bare status (`received`) is how counters were
    /// keyed before other measures existed, and still reads as that status.
    pub fn token(self) -> String {
        match self {
            Measure::Status(s) => format!("status:{}", s.as_str()),
            Measure::Priority(p) => format!("priority:{}", p.as_str()),
            Measure::Sensitivity(s) => format!("sensitivity:{}", s.as_str()),
            Measure::Flagged => "flagged".to_string(),
            Measure::Verdict(v) => format!("verdict:{}", v.as_str()),
            Measure::FirstAction(d) => format!("first_action:{}", d.as_str()),
        }
    }

    pub fn parse(token: &str) -> Option<Measure> {
        let Some((kind, value)) = token.split_once(':') else {
            return match token {
                "flagged" => Some(Measure::Flagged),
                legacy => ReportStatus::parse(legacy).map(Measure::Status),
            };
        };
        match kind {
            "status" => ReportStatus::parse(value).map(Measure::Status),
            "priority" => crate::triage::priority::Priority::parse(value).map(Measure::Priority),
            "sensitivity" => crate::range::Sensitivity::parse(value).map(Measure::Sensitivity),
            "verdict" => Verdict::parse(value).map(Measure::Verdict),
            "first_action" => ActionDelay::ALL
                .into_iter()
                .find(|d| d.as_str() == value)
                .map(Measure::FirstAction),
            _ => None,
        }
    }
}

/// Counters updated atomically, so analytics never scan reports.
#[async_trait]
pub trait AggregateStore: Send + Sync {
    /// Adds `delta` to the counter (creating it at zero).
    async fn add(&self, key: &AggregateKey, delta: i64) -> Result<(), StoreError>;
    /// Every counter of `district` between two days (inclusive, `YYYY-MM-DD`).
    async fn counts(
        &self,
        district: &str,
        from_day: &str,
        to_day: &str,
    ) -> Result<Vec<(AggregateKey, i64)>, StoreError>;
}

/// What the classifier compares a report with: its text's SimHash and its pictures'
/// perceptual hashes, where and when it was submitted, and by whom (a pseudonym, so
/// that corroboration counts independent informants only). Read by the classifier
/// alone; never shown to officers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub report_id: ReportId,
    pub district: String,
    /// The police station, when the informant chose one: texts alike about two
    /// stations' areas are two incidents, not one told twice.
    #[serde(default)]
    pub station: Option<u16>,
    pub submitted_at: i64,
    /// `None` when the text is too short to compare.
    pub text: Option<u64>,
    pub images: Vec<String>,
    pub informant: Pseudonym,
}

/// An assessment as stored, with its version for optimistic concurrency.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAssessment {
    pub assessment: crate::triage::Assessment,
    pub version: u64,
}

/// Everything one classification or one officer action writes, as one atomic write:
/// the report's assessment (created, or updated at the version read), the assessments
/// of linked reports (each at the version read), the counters it moves and the jobs it
/// causes (dispatched after the write; kept for a redelivery). Either all of it is stored or none: a crash never loses or doubles a
/// count.
#[derive(Debug, Clone, Copy)]
pub struct TriageCommit<'a> {
    pub assessment: &'a crate::triage::Assessment,
    /// `None`: a first classification (refused with [`StoreError::AlreadyProcessed`]
    /// if the report has one). `Some(v)`: an update ([`StoreError::Conflict`] if the
    /// version moved).
    pub expected_version: Option<u64>,
    /// Stored with a first classification.
    pub fingerprint: Option<&'a Fingerprint>,
    pub linked: &'a [StoredAssessment],
    pub counts: &'a [(AggregateKey, i64)],
    /// A new triage status and/or verdict for the report row (what retention and
    /// `status <code>` read).
    pub status: Option<ReportStatus>,
    pub verdict: Option<Verdict>,
    pub now: i64,
    pub jobs: &'a [Envelope],
}

/// The classifier's records, and the atomic write of triage.
#[async_trait]
pub trait TriageStore: Send + Sync {
    async fn assessment(&self, id: &ReportId) -> Result<Option<StoredAssessment>, StoreError>;
    /// Fingerprints of the district's reports submitted at or after `since`, newest
    /// first, at most `limit`.
    async fn fingerprints(&self, district: &str, since: i64, limit: usize) -> Result<Vec<Fingerprint>, StoreError>;
    /// Fingerprints of one informant's reports submitted at or after `since`, newest
    /// first, at most `limit` (for floods and rate limits).
    async fn informant_fingerprints(
        &self,
        informant: &Pseudonym,
        since: i64,
        limit: usize,
    ) -> Result<Vec<Fingerprint>, StoreError>;
    /// Stores a [`TriageCommit`], or nothing. Returns the assessment's new version.
    async fn commit(&self, commit: &TriageCommit<'_>) -> Result<u64, StoreError>;
    /// The jobs of the report's last committed triage write, for a redelivery to
    /// dispatch again (sending a job twice is harmless).
    async fn outbox(&self, id: &ReportId) -> Result<Vec<Envelope>, StoreError>;
    /// P1 reports alerted at or before `alerted_before` that no officer has
    /// acknowledged and that were not escalated yet, oldest first, at most `limit`.
    async fn unacknowledged_alerts(&self, alerted_before: i64, limit: usize) -> Result<Vec<PendingAlert>, StoreError>;
    /// Drops a pending alert whose report is gone (purged) or was already handled, so
    /// it cannot hold back newer ones.
    async fn dismiss_alert(&self, alert: &PendingAlert) -> Result<(), StoreError>;
}

/// A P1 alert waiting for an officer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAlert {
    pub report_id: ReportId,
    pub alerted_at: i64,
}

/// A stored text model with its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredModel {
    pub bytes: Vec<u8>,
    pub version: u64,
}

/// Where the learned filter's parameters live between cold starts.
#[async_trait]
pub trait ModelStore: Send + Sync {
    async fn load(&self, name: &str) -> Result<Option<StoredModel>, StoreError>;
    /// Writes the model if its stored version is still `expected_version` (`None`: it
    /// must not exist yet); otherwise [`StoreError::Conflict`]. Returns the new version.
    async fn save(&self, name: &str, bytes: &[u8], expected_version: Option<u64>) -> Result<u64, StoreError>;
}

/// Why a send failed, as the notifier needs to know it: by WhatsApp's error code
/// (reference §9), never by its wording.
#[derive(Debug, thiserror::Error)]
pub enum SendFailure {
    /// Try again after a backoff: throughput and pair rate limits (130429, 131056),
    /// outages (HTTP 5xx, 131000, 131016, 1, 2, 133004), maintenance (131057), API-call
    /// limits (4, 80007), the network.
    #[error("temporary send failure (code {}): {reason}", code_text(.code))]
    Retryable { code: Option<i64>, reason: String },
    /// WhatsApp's 24-hour window has closed (131047): only a template may be sent now.
    #[error("the customer-service window has closed")]
    WindowClosed,
    /// This message will never be sent: the recipient is unreachable (131026), the
    /// message is invalid (131008, 131009, 100) or its template is not approved as sent
    /// (132000-132018).
    #[error("permanent send failure (code {}): {reason}", code_text(.code))]
    Permanent { code: Option<i64>, reason: String },
    /// WhatsApp refuses the business account itself (131048 spam rate limit, 368 policy
    /// block, 131031 locked, 130497 country restriction, or its token or permissions):
    /// nothing will be sent until someone fixes the account.
    #[error("the WhatsApp business account cannot send (code {code}): {reason}")]
    AccountBlocked { code: i64, reason: String },
}

fn code_text(code: &Option<i64>) -> String {
    code.map_or_else(|| "none".to_string(), |c| c.to_string())
}

impl SendFailure {
    /// Meta's pair rate limit (131056): this recipient was sent to too fast.
    pub fn is_pair_limit(&self) -> bool {
        matches!(
            self,
            SendFailure::Retryable {
                code: Some(131_056),
                ..
            }
        )
    }
}

/// Each recipient's sending pace, so one informant is never sent more than WhatsApp's
/// pair limit allows (about one message per six seconds, sustained) on either host.
/// A recipient's pace is the theoretical arrival time of their next message (GCRA);
/// see `service::pacing`. Keys are job groups (pseudonyms, `office:<office>`), never
/// numbers. Writes need no condition: the outbound queue hands one recipient's jobs
/// to one consumer at a time.
#[async_trait]
pub trait PaceStore: Send + Sync {
    /// The stored pace of `key` (Unix milliseconds); `None` if it has none.
    async fn pace(&self, key: &str) -> Result<Option<i64>, StoreError>;
    /// Stores the pace of `key`. A pace in the past means no constraint, so adapters
    /// may forget one a day after it passed.
    async fn set_pace(&self, key: &str, tat_millis: i64) -> Result<(), StoreError>;
}

/// Sends messages to WhatsApp users.
#[async_trait]
pub trait Messenger: Send + Sync {
    async fn send(&self, to: &Identity, reply: &Reply) -> Result<String, SendFailure>;
    /// Sends a registered template (allowed outside the 24-hour window).
    async fn send_template(&self, to: &Identity, template: &TemplateMessage) -> Result<String, SendFailure>;
}

/// Why media could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchFailure {
    #[error("media is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("temporary fetch failure: {0}")]
    Retryable(String),
    #[error("media cannot be fetched: {0}")]
    Permanent(String),
}

/// Downloads inbound media from WhatsApp.
#[async_trait]
pub trait MediaSource: Send + Sync {
    /// The bytes and the MIME type WhatsApp reports, refusing more than `max_bytes`.
    async fn fetch(&self, wa_media_id: &str, max_bytes: u64) -> Result<(Vec<u8>, Option<String>), FetchFailure>;
}

/// Fresh random bytes (ids and reference codes).
pub trait Entropy: Send + Sync {
    fn fill(&self, buf: &mut [u8]);
}

/// One audited act of an officer (viewing a report or its evidence, changing it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Unix seconds.
    pub at: i64,
    /// The officer's subject (from the sign-in token).
    pub actor: String,
    /// What was done, e.g. `report.view`, `evidence.view`, `report.status`.
    pub action: String,
    pub report_id: Option<ReportId>,
    /// A short, non-personal detail (a media key, a new status).
    pub detail: Option<String>,
}

/// An append-only record of what officers did; read by the range office.
#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// Newest first, at most `limit`.
    async fn recent(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError>;
}
