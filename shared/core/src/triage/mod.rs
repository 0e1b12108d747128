//! Triage: what the classifier decides about a submitted report, so officers see the
//! reports that matter first.
//!
//! Nothing here deletes anything: reports are ranked and marked. The pieces:
//! [`features`] and [`model`] (the learned text filter, trained on the labelled tips
//! shipped in `data/triage/` and taught by officers' verdicts), [`rules`] (the
//! hand-written spurious signals), [`disclosure`] (the self-disclosure guard),
//! [`simhash`] (near-duplicate text), [`priority`] (P1-P3 and evidence sensitivity),
//! [`category`] (category suggestions) and [`eval`] (the figures `satark eval` prints).
