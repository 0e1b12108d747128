//! TEMPORARY shape (replaced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Empty,
    Flood,
    RateLimit,
}
impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Empty => "empty",
            Rule::Flood => "flood",
            Rule::RateLimit => "rate_limit",
        }
    }
}
#[derive(Debug, Clone)]
pub struct RuleHit {
    pub rule: Rule,
    pub weight: f64,
    pub reason: String,
}
pub struct ContentInput<'a> {
    pub text: &'a str,
    pub media_count: usize,
}
pub fn content_rules(input: &ContentInput) -> Vec<RuleHit> {
    if input.text.trim().is_empty() && input.media_count == 0 {
        vec![RuleHit {
            rule: Rule::Empty,
            weight: 0.95,
            reason: "empty".into(),
        }]
    } else {
        vec![]
    }
}
pub struct SenderHistory {
    pub reports_last_hour: u32,
    pub reports_last_day: u32,
    pub near_copies_from_same_sender: u32,
}
pub fn sender_rules(h: &SenderHistory) -> Vec<RuleHit> {
    if h.near_copies_from_same_sender >= 3 {
        vec![RuleHit {
            rule: Rule::Flood,
            weight: 0.7,
            reason: "flood".into(),
        }]
    } else {
        vec![]
    }
}
pub fn combine(p: f64, hits: &[RuleHit]) -> f64 {
    (1.0 - (1.0 - p) * hits.iter().map(|h| 1.0 - h.weight).product::<f64>()).clamp(0.0, 1.0)
}
