//! Priority (P1-P3) and evidence sensitivity. (The full rules arrive with the triage
//! rules; this holds the type the stores and aggregates use.)

use serde::{Deserialize, Serialize};

/// How urgently a report needs an officer: P1 first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    P1,
    P2,
    P3,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Priority::P1, Priority::P2, Priority::P3];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::P1 => "p1",
            Priority::P2 => "p2",
            Priority::P3 => "p3",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}
// TEMPORARY below (replaced).
use crate::range::{Category, Sensitivity};
use crate::report::IncidentTime;
pub struct PriorityInput<'a> {
    pub category: &'a Category,
    pub text: &'a str,
    pub corroborations: u32,
    pub when: Option<IncidentTime>,
    pub spurious_score: f64,
}
pub fn priority(input: &PriorityInput) -> (Priority, Vec<String>) {
    if input.text.contains("katta") {
        (Priority::P1, vec!["weapon".into()])
    } else if input.corroborations >= 2 {
        (Priority::P2, vec![])
    } else {
        (Priority::P3, vec![])
    }
}
pub fn sensitivity(category: &Category, _text: &str) -> (Sensitivity, Option<String>) {
    (category.sensitivity, None)
}
