//! WhatsApp's pair rate limit, kept on our side: one recipient gets at most about one
//! message per six seconds, sustained, with short bursts allowed (reference §10).
//!
//! The rule is a GCRA (a token bucket stated as one timestamp): each recipient has a
//! theoretical arrival time (TAT) for their next message, kept in a
//! [`PaceStore`](crate::ports::PaceStore) so it holds on both hosts and across Lambda instances. A
//! message may go when `TAT - now <= tolerance`, and moves the TAT one interval on
//! (from `now` if the TAT had passed). The tolerance, `(burst - 1) × interval`, is how
//! far ahead of the sustained pace a burst may borrow: Meta allows bursts of up to 45
//! messages that borrow future quota, and a chat turn of several bubbles (or the
//! conversation's own flood allowance, 40 replies) must not wait.
//!
//! Meta's enforcement is not documented exactly ("a burst of 20 ⇒ ~2 min pause"): when
//! it answers 131056 anyway, the job is retried after the host's backoff, 4^n seconds
//! as Meta advises, and the recipient's later jobs wait behind it in their FIFO group.

use std::time::Duration;

/// How fast one recipient may be sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacePolicy {
    /// The sustained pace: one message per `interval`.
    pub interval: Duration,
    /// How many messages may go at once before the sustained pace applies.
    pub burst: u32,
}

impl Default for PacePolicy {
    /// Meta's pair limit: one message per 6 s sustained, bursts of up to 45.
    fn default() -> Self {
        PacePolicy {
            interval: Duration::from_secs(6),
            burst: 45,
        }
    }
}

/// Whether a message may be sent now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// Send; store this as the recipient's new pace once it was sent.
    Go { next: i64 },
    /// Too soon: try again after this long.
    Wait(Duration),
}

impl PacePolicy {
    fn interval_ms(&self) -> i64 {
        i64::try_from(self.interval.as_millis()).unwrap_or(i64::MAX)
    }

    fn tolerance_ms(&self) -> i64 {
        self.interval_ms()
            .saturating_mul(i64::from(self.burst.saturating_sub(1)))
    }

    /// The decision for a message to a recipient whose stored pace is `stored`, at
    /// `now_ms` (Unix milliseconds).
    pub fn admit(&self, stored: Option<i64>, now_ms: i64) -> Pace {
        let tat = stored.unwrap_or(now_ms).max(now_ms);
        let ahead = tat.saturating_sub(now_ms);
        let tolerance = self.tolerance_ms();
        if ahead > tolerance {
            let wait = u64::try_from(ahead - tolerance).unwrap_or(0);
            Pace::Wait(Duration::from_millis(wait))
        } else {
            Pace::Go {
                next: tat.saturating_add(self.interval_ms()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends as fast as the policy lets, from `t0`, and returns the send times.
    fn greedy(policy: PacePolicy, count: usize, t0: i64) -> Vec<i64> {
        let (mut tat, mut now, mut out) = (None, t0, vec![]);
        while out.len() < count {
            match policy.admit(tat, now) {
                Pace::Go { next } => {
                    out.push(now);
                    tat = Some(next);
                }
                Pace::Wait(d) => now += d.as_millis() as i64,
            }
        }
        out
    }

    #[test]
    fn a_burst_goes_at_once_then_one_message_per_interval() {
        let policy = PacePolicy::default();
        let t0 = 1_800_000_000_000;
        let times = greedy(policy, 49, t0);
        assert!(times[..45].iter().all(|t| *t == t0), "the burst: {times:?}");
        for (i, t) in times[45..].iter().enumerate() {
            assert_eq!(*t, t0 + 6_000 * (i as i64 + 1), "then every 6 s: {times:?}");
        }
    }

    #[test]
    fn no_window_holds_more_than_the_burst_plus_the_sustained_pace() {
        let policy = PacePolicy {
            interval: Duration::from_secs(6),
            burst: 3,
        };
        let times = greedy(policy, 40, 0);
        for (i, start) in times.iter().enumerate() {
            for window in [1_000, 6_000, 60_000, 120_000] {
                let n = times[i..].iter().take_while(|t| **t < start + window).count() as i64;
                assert!(n <= 3 + window / 6_000, "{n} messages within {window} ms");
            }
        }
    }

    #[test]
    fn an_idle_recipient_starts_afresh() {
        let policy = PacePolicy::default();
        // A pace long past is no constraint.
        assert_eq!(policy.admit(Some(5), 1_000_000), Pace::Go { next: 1_006_000 });
        assert_eq!(policy.admit(None, 1_000_000), Pace::Go { next: 1_006_000 });
        // A pace just over the tolerance waits exactly the difference.
        assert_eq!(
            policy.admit(Some(1_000_000 + 44 * 6_000 + 1_500), 1_000_000),
            Pace::Wait(Duration::from_millis(1_500))
        );
    }
}
