//! The embedded queues: the shared job-queue contract, and the worker's rules for
//! `JobError` (the same rules the Lambda host applies with SQS, see
//! shared/lambda/src/sqs.rs): a retry is retried with backoff until the attempts run
//! out, then dead-lettered; a fatal job is dead-lettered at once; a panicking handler
//! fails its attempt, not the worker; a failing job holds back its group only.

use satark_core::clock::{Clock, FixedClock, SteadyClock};
use satark_core::conversation::Reply;
use satark_core::ids::Pseudonym;
use satark_core::jobs::{Envelope, Job, JobError, QueueName, send};
use satark_core::ports::{MediaJob, OutboundJob, ReportJob, SealedAddress};
use satark_embedded::{SqliteQueue, Store, WorkerConfig};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const T0: i64 = 1_796_000_000;

/// Runs a worker of `J` for `for_ms`, acknowledging every job; the bodies it saw.
async fn take<J: Job>(store: &Store, clock: Arc<dyn Clock>, want: usize, for_ms: u64) -> Vec<String> {
    let queue: SqliteQueue<J> = SqliteQueue::new(store.clone(), clock);
    let seen = Arc::new(Mutex::new(vec![]));
    let sink = seen.clone();
    let worker = queue.run(WorkerConfig::default(), move |job: J| {
        let sink = sink.clone();
        async move {
            let body = Envelope::of(&job).map_err(|e| JobError::Fatal(e.to_string()))?.body;
            sink.lock().map_err(|_| JobError::Fatal("poisoned".into()))?.push(body);
            Ok(())
        }
    });
    let _ = tokio::time::timeout(Duration::from_millis(for_ms), worker).await;
    let got = seen.lock().map(|g| g.clone()).unwrap_or_default();
    assert!(got.len() <= want, "more than {want} jobs: {}", got.len());
    got
}

#[tokio::test]
async fn the_job_queue_contract() {
    let store = Store::in_memory().expect("store");
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::at(T0));
    satark_contract::job_queue(&store, |queue, want| {
        let (store, clock) = (store.clone(), clock.clone());
        async move {
            match queue {
                QueueName::Outbound => take::<OutboundJob>(&store, clock, want, 400).await,
                QueueName::Media => take::<MediaJob>(&store, clock, want, 300).await,
                QueueName::Reports => take::<ReportJob>(&store, clock, want, 300).await,
            }
        }
    })
    .await;
}

fn reply(group: &str, n: usize) -> OutboundJob {
    OutboundJob {
        conversation: Pseudonym::new(group.into()),
        reply_address: SealedAddress(vec![1]),
        reply: Reply::Text { body: format!("{n}") },
        job_id: format!("{group}.{n}"),
        last_inbound_at: None,
        template: None,
        thread: None,
    }
}

#[tokio::test]
async fn retry_fatal_and_panic_are_honoured_and_hold_back_their_group_only() {
    let store = Store::in_memory().expect("store");
    let clock = Arc::new(SteadyClock::starting_at(T0));
    for job in [
        reply("p1:a", 0),
        reply("p1:a", 1),
        reply("p1:b", 0),
        reply("p1:c", 0),
        reply("p1:d", 0),
    ] {
        send(&store, &job).await.expect("send");
    }
    let queue: SqliteQueue<OutboundJob> = SqliteQueue::new(store.clone(), clock);
    let attempts = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = attempts.clone();
    let config = WorkerConfig {
        max_attempts: 3,
        first_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(80),
        poll: Duration::from_millis(10),
        concurrency: 1,
    };
    let worker = queue.run(config, move |job: OutboundJob| {
        let log = log.clone();
        async move {
            log.lock()
                .map_err(|_| JobError::Fatal("poisoned".into()))?
                .push(job.job_id.clone());
            match job.conversation.as_str() {
                // a: always retried until dead; its second job waits behind it.
                "p1:a" if job.job_id.ends_with(".0") => Err(JobError::Retry("graph down".into())),
                "p1:b" => Err(JobError::Fatal("window closed".into())),
                "p1:c" => panic!("a handler bug"),
                _ => Ok(()),
            }
        }
    });
    let _ = tokio::time::timeout(Duration::from_millis(1_500), worker).await;
    let attempts = attempts.lock().map(|a| a.clone()).unwrap_or_default();
    let count = |id: &str| attempts.iter().filter(|a| *a == id).count();
    assert_eq!(count("p1:a.0"), 3, "retried until the attempts ran out");
    assert_eq!(count("p1:b.0"), 1, "a fatal job is never retried");
    assert_eq!(count("p1:c.0"), 3, "a panic fails the attempt, and is retried like one");
    assert_eq!(count("p1:d.0"), 1, "other groups go on meanwhile");
    assert_eq!(
        count("p1:a.1"),
        1,
        "a's next job ran once a.0 was dead-lettered, not before"
    );
    let first_a1 = attempts.iter().position(|a| a == "p1:a.1").expect("ran");
    let last_a0 = attempts.iter().rposition(|a| a == "p1:a.0").expect("ran");
    assert!(first_a1 > last_a0, "order within the group held");
    let dead: Vec<String> = queue
        .dead_letters()
        .expect("dead letters")
        .into_iter()
        .map(|j| j.job_id)
        .collect();
    assert_eq!(dead, ["p1:a.0", "p1:b.0", "p1:c.0"]);
    assert_eq!(queue.stats().expect("stats").ready, 0);
}

#[tokio::test]
async fn concurrent_workers_keep_each_group_in_order_and_one_in_flight() {
    let store = Store::in_memory().expect("store");
    // Interleaved, as many informants' replies are queued.
    for n in 0..10 {
        for g in 0..20 {
            send(&store, &reply(&format!("p1:g{g:02}"), n)).await.expect("send");
        }
    }
    let queue: SqliteQueue<OutboundJob> = SqliteQueue::new(store.clone(), Arc::new(FixedClock::at(T0)));
    let seen = Arc::new(Mutex::new(Vec::<(String, usize)>::new()));
    let in_flight = Arc::new(Mutex::new(std::collections::HashSet::<String>::new()));
    let overlap = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let config = WorkerConfig {
        poll: Duration::from_millis(5),
        concurrency: 8,
        ..WorkerConfig::default()
    };
    let (s, f, o, p) = (seen.clone(), in_flight.clone(), overlap.clone(), peak.clone());
    let worker = queue.run(config, move |job: OutboundJob| {
        let (s, f, o, p) = (s.clone(), f.clone(), o.clone(), p.clone());
        async move {
            let group = job.conversation.as_str().to_string();
            let n: usize = job.job_id.rsplit('.').next().and_then(|n| n.parse().ok()).unwrap_or(0);
            {
                let mut f = f.lock().map_err(|_| JobError::Fatal("poisoned".into()))?;
                if !f.insert(group.clone()) {
                    o.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                p.fetch_max(f.len(), std::sync::atomic::Ordering::SeqCst);
            }
            // Uneven work, so jobs finish out of their start order.
            tokio::time::sleep(Duration::from_millis(((n * 7 + group.len()) % 5) as u64)).await;
            f.lock().map_err(|_| JobError::Fatal("poisoned".into()))?.remove(&group);
            s.lock()
                .map_err(|_| JobError::Fatal("poisoned".into()))?
                .push((group, n));
            Ok(())
        }
    });
    let done = {
        let seen = seen.clone();
        async move {
            while seen.lock().map(|s| s.len()).unwrap_or(0) < 200 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    };
    tokio::select! {
        _ = worker => unreachable!("the worker runs forever"),
        _ = tokio::time::timeout(Duration::from_secs(20), done) => {}
    }
    let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(seen.len(), 200, "every job ran once");
    for g in 0..20 {
        let group = format!("p1:g{g:02}");
        let order: Vec<usize> = seen.iter().filter(|(s, _)| *s == group).map(|(_, n)| *n).collect();
        assert_eq!(order, (0..10).collect::<Vec<_>>(), "{group} in order");
    }
    assert_eq!(
        overlap.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "never two jobs of a group at once"
    );
    assert!(
        peak.load(std::sync::atomic::Ordering::SeqCst) > 1,
        "groups did run concurrently"
    );
    assert!(
        peak.load(std::sync::atomic::Ordering::SeqCst) <= 8,
        "within the concurrency"
    );
}

#[tokio::test]
async fn a_deferred_job_keeps_its_place_and_its_attempts() {
    let store = Store::in_memory().expect("store");
    for job in [reply("p1:a", 0), reply("p1:a", 1)] {
        send(&store, &job).await.expect("send");
    }
    let clock = Arc::new(FixedClock::at(T0));
    let queue: SqliteQueue<OutboundJob> = SqliteQueue::new(store.clone(), clock.clone());
    let log = Arc::new(Mutex::new(Vec::<(String, i64)>::new()));
    let l = log.clone();
    let c = clock.clone();
    let config = WorkerConfig {
        max_attempts: 1,
        poll: Duration::from_millis(5),
        ..WorkerConfig::default()
    };
    let worker = queue.run(config, move |job: OutboundJob| {
        let (l, c) = (l.clone(), c.clone());
        async move {
            let mut l = l.lock().map_err(|_| JobError::Fatal("poisoned".into()))?;
            l.push((job.job_id.clone(), c.now()));
            // The first job waits ten seconds for its turn, three times over.
            if job.job_id.ends_with(".0") && l.len() <= 3 {
                return Err(JobError::Defer {
                    reason: "pace".into(),
                    after: Duration::from_secs(10),
                });
            }
            Ok(())
        }
    });
    let driver = async {
        for _ in 0..6 {
            tokio::time::sleep(Duration::from_millis(60)).await;
            clock.advance(10);
        }
        tokio::time::sleep(Duration::from_millis(60)).await;
    };
    tokio::select! {
        _ = worker => unreachable!("the worker runs forever"),
        _ = driver => {}
    }
    let log = log.lock().map(|l| l.clone()).unwrap_or_default();
    let ids: Vec<&str> = log.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        ["p1:a.0", "p1:a.0", "p1:a.0", "p1:a.0", "p1:a.1"],
        "deferred in place"
    );
    let times: Vec<i64> = log.iter().map(|(_, t)| t - T0).collect();
    assert_eq!(
        times[..4],
        [0, 10, 20, 30],
        "each turn came after its wait, by the clock"
    );
    let stats = queue.stats().expect("stats");
    assert_eq!((stats.ready, stats.dead), (0, 0), "deferrals are not failed attempts");
}
