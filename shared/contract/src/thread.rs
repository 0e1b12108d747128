//! Report threads and recipients' sending pace.

use crate::{report_id, unique};
use satark_core::ports::{DeliveryState, PaceStore, ThreadDirection, ThreadEntry, ThreadKind, ThreadRef, ThreadStore};

fn entry(report: &satark_core::ids::ReportId, id: &str, at: i64, delivery: Option<DeliveryState>) -> ThreadEntry {
    ThreadEntry {
        report_id: report.clone(),
        entry_id: id.into(),
        direction: if delivery.is_some() {
            ThreadDirection::ToInformant
        } else {
            ThreadDirection::FromInformant
        },
        kind: if delivery.is_some() {
            ThreadKind::Question
        } else {
            ThreadKind::Answer
        },
        text: format!("कृपया स्थान बताएँ ({id})"),
        media_keys: if delivery.is_none() {
            vec!["m1:0a".into()]
        } else {
            vec![]
        },
        at,
        actor: delivery.map(|_| "officer-sub".to_string()),
        delivery,
        delivery_at: delivery.map(|_| at),
        as_template: false,
        probes_confirmed: vec![],
    }
}

/// Every ordering of `items`.
fn permutations<T: Copy>(items: &[T]) -> Vec<Vec<T>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = vec![];
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut tail in permutations(&rest) {
            tail.insert(0, first);
            out.push(tail);
        }
    }
    out
}

/// The state (and its time) a sequence of updates must end in: each update replaces
/// the state before it only if it has higher precedence (`Read` and `Failed` are both
/// final, and neither replaces the other).
fn model(updates: &[(DeliveryState, i64)]) -> (DeliveryState, i64) {
    updates
        .iter()
        .fold((DeliveryState::Queued, 0), |(state, at), &(new, new_at)| {
            if new.precedence() > state.precedence() {
                (new, new_at)
            } else {
                (state, at)
            }
        })
}

/// Threads: appends are idempotent and list oldest first; delivery states only rise,
/// whatever order (or concurrency) statuses arrive in; message keys find their entries.
pub async fn thread_store(store: &dyn ThreadStore) {
    use DeliveryState::*;
    let report = report_id(&unique("thread"));
    assert!(
        store.list(&report).await.expect("list").is_empty(),
        "a new report has no thread"
    );

    // Appended out of time order; listed oldest first, ties by entry id.
    let first = entry(&report, "q1", 100, Some(Queued));
    let answer = entry(&report, "a1", 200, None);
    let second = entry(&report, "q2", 200, Some(Queued));
    for e in [&second, &answer, &first] {
        store.append(e).await.expect("append");
    }
    let mut changed = first.clone();
    changed.text = "changed".into();
    store.append(&changed).await.expect("appending again succeeds");
    let listed = store.list(&report).await.expect("list");
    assert_eq!(
        listed,
        vec![first.clone(), answer.clone(), second.clone()],
        "oldest first, unchanged"
    );
    let other = report_id(&unique("thread-other"));
    assert!(
        store.list(&other).await.expect("list").is_empty(),
        "threads are per report"
    );

    let r = |id: &str| ThreadRef {
        report_id: report.clone(),
        entry_id: id.into(),
    };
    assert!(
        !store.set_delivery(&r("nope"), Sent, 300, false).await.expect("set"),
        "no such entry"
    );
    assert!(
        !store
            .set_delivery(
                &ThreadRef {
                    report_id: other.clone(),
                    entry_id: "q1".into()
                },
                Sent,
                300,
                false
            )
            .await
            .expect("set"),
        "no such entry in that report"
    );
    assert!(
        store.list(&other).await.expect("list").is_empty(),
        "nothing was created"
    );

    // Every order of the four statuses ends where the precedence rule says.
    let states = [Sent, Delivered, Read, Failed];
    for (n, order) in permutations(&states).into_iter().enumerate() {
        let id = format!("perm{n}");
        store
            .append(&entry(&report, &id, 1_000 + n as i64, Some(Queued)))
            .await
            .expect("append");
        let updates: Vec<(DeliveryState, i64)> =
            order.iter().enumerate().map(|(i, s)| (*s, 2_000 + i as i64)).collect();
        for (state, at) in &updates {
            assert!(
                store.set_delivery(&r(&id), *state, *at, false).await.expect("set"),
                "the entry exists"
            );
        }
        let got = store
            .list(&report)
            .await
            .expect("list")
            .into_iter()
            .find(|e| e.entry_id == id)
            .expect("listed");
        let (state, at) = model(&updates);
        assert_eq!(
            (got.delivery, got.delivery_at),
            (Some(state), Some(at)),
            "statuses {order:?} end in {state:?}"
        );
        // Spelled out: a late `delivered` or `sent` never lowers `read`; `failed` after
        // `read` leaves it read; a late `sent` after `failed` leaves it failed.
        let read_at = order.iter().position(|s| *s == Read);
        let failed_at = order.iter().position(|s| *s == Failed);
        assert_eq!(got.delivery, Some(if read_at < failed_at { Read } else { Failed }));
    }

    // Concurrent statuses of one message: the highest wins.
    store
        .append(&entry(&report, "race", 5_000, Some(Queued)))
        .await
        .expect("append");
    let race_ref = r("race");
    for _ in 0..3 {
        let writes = [Delivered, Sent, Read, Sent, Delivered]
            .into_iter()
            .map(|s| store.set_delivery(&race_ref, s, 6_000, false));
        for done in futures_util::future::join_all(writes).await {
            assert!(done.expect("set"));
        }
    }
    let race = store.list(&report).await.expect("list");
    assert_eq!(
        race.iter().find(|e| e.entry_id == "race").and_then(|e| e.delivery),
        Some(Read)
    );

    // Whether it went as a template is kept once recorded, and statuses never clear it.
    assert!(store.set_delivery(&r("q2"), Sent, 400, true).await.expect("set"));
    assert!(store.set_delivery(&r("q2"), Delivered, 401, false).await.expect("set"));
    let q2 = store
        .list(&report)
        .await
        .expect("list")
        .into_iter()
        .find(|e| e.entry_id == "q2")
        .expect("listed");
    assert_eq!(
        (q2.delivery, q2.delivery_at, q2.as_template),
        (Some(Delivered), Some(401), true)
    );
    assert_eq!(q2.text, second.text, "the entry itself is unchanged");

    // Message keys find their entries.
    let key = unique("m1:out");
    assert_eq!(store.by_message(&key).await.expect("by_message"), None);
    store.link_message(&key, &r("q1")).await.expect("link");
    store.link_message(&key, &r("q1")).await.expect("linking again");
    assert_eq!(store.by_message(&key).await.expect("by_message"), Some(r("q1")));
    assert_eq!(store.by_message(&unique("m1:other")).await.expect("by_message"), None);
}

/// Paces: absent until set, then the last value set.
pub async fn pace_store(store: &dyn PaceStore) {
    let key = unique("p1:pace");
    assert_eq!(store.pace(&key).await.expect("pace"), None);
    store.set_pace(&key, 1_800_000_006_000).await.expect("set");
    assert_eq!(store.pace(&key).await.expect("pace"), Some(1_800_000_006_000));
    store.set_pace(&key, 1_800_000_012_000).await.expect("set again");
    assert_eq!(store.pace(&key).await.expect("pace"), Some(1_800_000_012_000));
    let office = unique("office:JNP");
    assert_eq!(store.pace(&office).await.expect("pace"), None, "paces are per key");
}
