//! The learned filter as a service: the text model, loaded once per cold start from
//! the [`ModelStore`] and taught by officers' verdicts without a redeploy.
//!
//! The stored model is the shipped one (trained on `data/triage/train.jsonl`) plus
//! every verdict learned since. Verdicts are applied with optimistic concurrency: two
//! officers' verdicts at once both land, one after the other. Other processes pick up
//! a newer model within [`REFRESH_SECS`].

use crate::ports::{ModelStore, StoreError};
use crate::triage::model::TextModel;
use std::sync::{Arc, RwLock};

/// The stored model's name.
pub const SPURIOUS_MODEL: &str = "spurious-text";
/// How long a process keeps using its copy before checking for a newer one.
pub const REFRESH_SECS: i64 = 60;
/// Attempts at saving a verdict when other verdicts keep landing first.
const SAVE_ATTEMPTS: usize = 8;

struct Cached {
    model: Arc<TextModel>,
    version: Option<u64>,
    checked_at: Option<i64>,
}

/// The spurious-text model, shared by the classifier and the verdict action.
pub struct LearnedFilter {
    store: Arc<dyn ModelStore>,
    cached: RwLock<Cached>,
}

#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    #[error("model store: {0}")]
    Store(#[from] StoreError),
    #[error("the stored model cannot be read: {0}")]
    Unreadable(String),
    #[error("the model kept changing while a verdict was saved")]
    Contended,
}

impl LearnedFilter {
    pub fn new(store: Arc<dyn ModelStore>) -> Self {
        LearnedFilter {
            store,
            cached: RwLock::new(Cached {
                model: Arc::new(TextModel::shipped()),
                version: None,
                checked_at: None,
            }),
        }
    }

    /// The current model: the stored one (or the shipped one, before any verdict),
    /// reloaded when the copy is older than [`REFRESH_SECS`]. A store that cannot be
    /// read leaves the last good copy in use: classification goes on.
    pub async fn model(&self, now: i64) -> Arc<TextModel> {
        let (model, fresh) = {
            let cached = self.cached.read().unwrap_or_else(|p| p.into_inner());
            let fresh = cached.checked_at.is_some_and(|at| now >= at && now - at < REFRESH_SECS);
            (cached.model.clone(), fresh)
        };
        if fresh {
            return model;
        }
        match self.reload(now).await {
            Ok(model) => model,
            Err(e) => {
                tracing::warn!(error = %e, "the learned filter could not be reloaded; using the last copy");
                model
            }
        }
    }

    async fn reload(&self, now: i64) -> Result<Arc<TextModel>, FilterError> {
        let stored = self.store.load(SPURIOUS_MODEL).await?;
        let mut cached = self.cached.write().unwrap_or_else(|p| p.into_inner());
        cached.checked_at = Some(now);
        if let Some(stored) = stored
            && cached.version != Some(stored.version)
        {
            let model = TextModel::from_bytes(&stored.bytes).map_err(|e| FilterError::Unreadable(e.to_string()))?;
            cached.model = Arc::new(model);
            cached.version = Some(stored.version);
        }
        Ok(cached.model.clone())
    }

    /// Teaches the model one officer verdict and stores it. Returns how many verdicts
    /// the stored model has learned.
    pub async fn learn(&self, text: &str, spurious: bool, now: i64) -> Result<u64, FilterError> {
        for _ in 0..SAVE_ATTEMPTS {
            let stored = self.store.load(SPURIOUS_MODEL).await?;
            let (mut model, expected) = match &stored {
                Some(s) => (
                    TextModel::from_bytes(&s.bytes).map_err(|e| FilterError::Unreadable(e.to_string()))?,
                    Some(s.version),
                ),
                None => (TextModel::shipped(), None),
            };
            model.learn(text, spurious);
            match self.store.save(SPURIOUS_MODEL, &model.to_bytes(), expected).await {
                Ok(version) => {
                    let learned = model.verdicts_learned();
                    let mut cached = self.cached.write().unwrap_or_else(|p| p.into_inner());
                    cached.model = Arc::new(model);
                    cached.version = Some(version);
                    cached.checked_at = Some(now);
                    return Ok(learned);
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(FilterError::Contended)
    }
}
