//! The whole pipeline on AWS's shape: signed webhooks as API Gateway HTTP API (v2)
//! events through the webhook function's router, the media and notifier functions fed
//! from the SQS queues, DynamoDB Local and moto (S3, SQS, KMS, Secrets Manager)
//! underneath, and a fake Graph API. Then every table item, S3 object and queue
//! message is scanned for the informant's identity.

use satark_aws::aws_sdk_s3::types::ServerSideEncryption;
use satark_aws::testing::{fixture, unique};
use satark_core::ports::AggregateStore;
use satark_core::ports::ReportStore;
use satark_e2e::aws::{api_gateway_event, gateway_event, invoke, media_fixture, pump};
use satark_lambda::{
    ClassifierApp, LambdaSettings, MediaApp, NotifierApp, SqsHandler, dashboard_router, webhook_router_with,
};
use satark_whatsapp::fake::FakeGraph;
use satark_whatsapp::fake::webhooks::{envelope, to_meta_bytes};
use serde_json::{Value, json};

const PHONE: &str = "919876543210";
const NAME: &str = "आशा वर्मा";
const APP_SECRET: &str = "pipeline-app-secret";
const VERIFY_TOKEN: &str = "pipeline-verify-token";
const TOKEN: &str = "pipeline-access-token";
const PHONE_NUMBER_ID: &str = "109876543210987";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_through_the_lambda_functions_on_the_emulators() {
    let fx = fixture().await;
    let names = fx.config.names().clone();
    let secrets_client = aws_sdk_secretsmanager::Client::new(fx.config.sdk());
    let secret = json!({ "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN, "access_token": TOKEN }).to_string();
    let arn = secrets_client
        .create_secret()
        .name(unique("whatsapp"))
        .secret_string(secret)
        .send()
        .await
        .expect("CreateSecret")
        .arn
        .expect("arn");
    let graph = FakeGraph::new(TOKEN, PHONE_NUMBER_ID, "v25.0");
    let graph_server = graph.start().await.expect("fake graph");
    let settings = LambdaSettings {
        whatsapp_secret_arn: Some(arn),
        phone_number_id: PHONE_NUMBER_ID.into(),
        graph_api_version: "v25.0".into(),
        graph_base_url: graph_server.base_url.clone(),
    };
    // What each function's main does once per cold start.
    let secrets = settings.secrets(&secrets_client).await.expect("secrets");
    let webhook = webhook_router_with(
        &fx.config,
        &secrets,
        std::sync::Arc::new(fx.config.job_queue()),
        std::sync::Arc::new(satark_core::clock::SteadyClock::starting_at(
            satark_e2e::FIXTURE_TIME + 60,
        )),
    )
    .await
    .expect("webhook");
    let notifier = NotifierApp::new(&fx.config, &settings, &secrets)
        .await
        .expect("notifier");
    let media = MediaApp::new(&fx.config, &settings, &secrets).expect("media");
    let outbound_url = names.outbound_queue_url.clone().expect("outbound queue");
    let media_url = names.media_queue_url.clone().expect("media queue");
    let reports_url = names.reports_queue_url.clone().expect("reports queue");
    let classifier = ClassifierApp::new(&fx.config).expect("classifier");

    // Meta's verification handshake, as an API Gateway event.
    let query = format!("hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1158201444");
    assert_eq!(
        invoke(&webhook, api_gateway_event("GET", &query, json!({}), None)).await,
        (200, "1158201444".into())
    );

    let mut queued = vec![];
    let mut replies = 0;
    let mut counter = 0;
    let mut say = async |content: Value, kind: &str| {
        counter += 1;
        let mut message = json!({ "from": PHONE, "id": format!("wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhgU{counter:08}"),
                                  "timestamp": "1767081600", "type": kind });
        message[kind] = content;
        let payload = envelope(
            PHONE_NUMBER_ID,
            json!({ "contacts": [{ "profile": { "name": NAME }, "wa_id": PHONE }], "messages": [message] }),
        );
        let body = to_meta_bytes(&payload);
        let signature = satark_whatsapp::sign(APP_SECRET.as_bytes(), &body);
        let headers = json!({ "content-type": "application/json", "x-hub-signature-256": signature });
        let body = String::from_utf8(body).expect("Meta's bodies are ASCII");
        // Delivered twice, as Meta does: the second is recognised.
        for _ in 0..2 {
            let (status, _) = invoke(
                &webhook,
                api_gateway_event("POST", "", headers.clone(), Some(body.clone())),
            )
            .await;
            assert_eq!(status, 200);
        }
        queued.extend(pump(&fx, &media_url, |e| media.handle(e)).await);
        queued.extend(pump(&fx, &outbound_url, |e| notifier.handle(e)).await);
        replies += 1;
        let sent = graph.sent_to(PHONE);
        assert_eq!(sent.len(), replies, "one reply per message");
        sent.last().map(|r| r.body.to_string()).unwrap_or_default()
    };

    say(json!({ "body": "नमस्ते" }), "text").await;
    for text in [
        "english",
        "new report",
        "jaunpur",
        "kerakat",
        "illicit liquor",
        "Liquor is distilled in the orchard every night",
    ] {
        say(json!({ "body": text }), "text").await;
    }
    let photo_id = graph.add_media(media_fixture("gps.jpg"), "image/jpeg");
    let ack = say(
        json!({ "id": photo_id, "mime_type": "image/jpeg", "sha256": "eA==" }),
        "image",
    )
    .await;
    assert!(ack.contains("photo"), "{ack}");
    for text in ["done", "skip", "today"] {
        say(json!({ "body": text }), "text").await;
    }
    let confirmation = say(json!({ "body": "submit" }), "text").await;
    assert!(confirmation.contains("JNP-"), "{confirmation}");

    // The classifier counts the report once, even when its job comes twice.
    // (Each message was delivered twice, and a redelivery dispatches its outbox again:
    // the job may be queued twice, and is counted once.)
    let mut jobs = pump(&fx, &reports_url, |e| classifier.handle(e)).await;
    jobs.dedup();
    assert_eq!(jobs.len(), 1, "one submitted report");
    fx.config
        .sqs()
        .send_message()
        .queue_url(&reports_url)
        .message_body(&jobs[0])
        .send()
        .await
        .expect("resend");
    assert_eq!(pump(&fx, &reports_url, |e| classifier.handle(e)).await.len(), 1);
    queued.extend(jobs);
    let counts = fx
        .config
        .aggregates()
        .expect("aggregates")
        .counts("JNP", "2000-01-01", "2999-12-31")
        .await
        .expect("counts");
    // One cell per measure (status, priority, sensitivity), each counted once.
    assert_eq!(counts.len(), 3, "{counts:?}");
    assert!(counts.iter().all(|(_, n)| *n == 1), "{counts:?}");
    assert_eq!(
        (counts[0].0.station, counts[0].0.category.as_str(), counts[0].1),
        (Some(5), "illicit_liquor", 1)
    );

    // The report is in DynamoDB, the photo in S3 under SSE-KMS, stripped.
    let store = fx.store();
    let reports = store.list_recent(10).await.expect("reports");
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    assert_eq!(
        (report.district.as_str(), report.category.as_str()),
        ("JNP", "illicit_liquor")
    );
    let bucket = names.evidence_bucket.clone().expect("bucket");
    let objects = fx
        .config
        .s3()
        .list_objects_v2()
        .bucket(&bucket)
        .send()
        .await
        .expect("list")
        .contents
        .unwrap_or_default();
    assert_eq!(objects.len(), 2, "the photo and its record");
    let mut stored = vec![];
    for object in &objects {
        let key = object.key.clone().expect("key");
        let head = fx
            .config
            .s3()
            .head_object()
            .bucket(&bucket)
            .key(&key)
            .send()
            .await
            .expect("head");
        assert_eq!(head.server_side_encryption, Some(ServerSideEncryption::AwsKms));
        assert!(head.ssekms_key_id.unwrap_or_default().contains(&fx.evidence_key_id));
        let body = fx
            .config
            .s3()
            .get_object()
            .bucket(&bucket)
            .key(&key)
            .send()
            .await
            .expect("get")
            .body
            .collect()
            .await
            .expect("read");
        stored.push(body.into_bytes().to_vec());
    }
    assert!(
        stored.iter().all(|b| !b.windows(5).any(|w| w == b"Redmi")),
        "metadata stripped"
    );

    // Officers, through the dashboard function and the JWT authorizer's claims.
    let dashboard = dashboard_router(&fx.config).expect("dashboard");
    let get = |path: String, claims: Option<Value>| {
        let dashboard = dashboard.clone();
        async move { invoke(&dashboard, gateway_event("GET", &path, "", json!({}), None, claims)).await }
    };
    let officer = |groups: &str, district: &str, station: &str| json!({ "sub": "officer-1", "cognito:groups": groups, "custom:district": district, "custom:station": station });
    let detail = format!("/api/reports/{}", report.id);
    assert_eq!(get("/api/reports".into(), None).await.0, 401, "no token, no reports");
    let (status, sp_list) = get("/api/reports".into(), Some(officer("[district]", "JNP", ""))).await;
    assert_eq!(status, 200);
    assert!(sp_list.contains(report.reference.as_str()), "the SP of Jaunpur sees it");
    let (status, sp_detail) = get(detail.clone(), Some(officer("[district]", "JNP", ""))).await;
    assert_eq!(status, 200);
    let (_, other_list) = get("/api/reports".into(), Some(officer("[district]", "GZP", ""))).await;
    assert!(
        !other_list.contains(report.reference.as_str()),
        "another district does not"
    );
    assert_eq!(
        get(detail.clone(), Some(officer("[district]", "GZP", ""))).await.0,
        404,
        "out of scope is not found"
    );
    assert_eq!(
        get(detail.clone(), Some(officer("[station]", "JNP", "5"))).await.0,
        200,
        "Kerakat's station sees it"
    );
    assert_eq!(get(detail.clone(), Some(officer("[station]", "JNP", "6"))).await.0, 404);
    assert_eq!(
        get("/api/reports".into(), Some(officer("[analyst]", "", ""))).await.0,
        403
    );
    // Every view was recorded; only the range office reads the record.
    let views = satark_core::ports::AuditLog::recent(&fx.config.audit_log().expect("audit"), 100)
        .await
        .expect("audit");
    assert_eq!(views.len(), 2, "the SP's and the station's views: {views:?}");
    assert!(
        views
            .iter()
            .all(|v| v.action == "report.view" && v.report_id.as_ref() == Some(&report.id))
    );
    assert_eq!(
        get("/api/audit".into(), Some(officer("[district]", "JNP", ""))).await.0,
        404
    );
    let (status, audit) = get("/api/audit".into(), Some(officer("[range]", "", ""))).await;
    assert_eq!(status, 200);
    assert!(audit.contains("report.view"));
    let (status, me) = get("/api/me".into(), Some(officer("[range]", "", ""))).await;
    assert_eq!((status, me.contains("\"range\"")), (200, true), "{me}");

    // Nothing anywhere holds the number or the name.
    let mut everything: Vec<u8> = vec![];
    everything.extend(sp_list.into_bytes());
    everything.extend(sp_detail.into_bytes());
    for table in [
        &names.conversations_table,
        &names.dedupe_table,
        &names.reports_table,
        &names.aggregates_table,
    ] {
        let items = fx
            .config
            .dynamodb()
            .scan()
            .table_name(table.clone().expect("table"))
            .send()
            .await
            .expect("scan")
            .items
            .unwrap_or_default();
        assert!(!items.is_empty());
        everything.extend(format!("{items:?}").into_bytes());
    }
    for body in &stored {
        everything.extend(body);
    }
    for body in &queued {
        everything.extend(body.as_bytes());
    }
    assert!(queued.len() >= 13, "queue messages were captured ({})", queued.len());
    let national = &PHONE[2..];
    let escaped: String = NAME.encode_utf16().map(|u| format!("\\u{u:04x}")).collect();
    let base64_number = "OTE5ODc2NTQzMjEw";
    for needle in [PHONE, national, NAME, escaped.as_str(), "आशा", base64_number] {
        assert!(
            !everything.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} found in AWS state"
        );
    }
    // The scan can see: the fake Graph API (Meta) does have the number.
    assert!(graph.sent().iter().any(|r| r.body.to_string().contains(PHONE)));
}

/// Counts every DynamoDB request sent (retries included: each is a round trip).
#[derive(Debug, Clone, Default)]
struct RoundTrips(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl satark_aws::aws_sdk_dynamodb::config::Intercept for RoundTrips {
    fn name(&self) -> &'static str {
        "RoundTrips"
    }

    fn read_before_transmit(
        &self,
        context: &satark_aws::aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _components: &satark_aws::aws_sdk_dynamodb::config::RuntimeComponents,
        _cfg: &mut satark_aws::aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), satark_aws::aws_sdk_dynamodb::error::BoxError> {
        let target = context
            .request()
            .headers()
            .get("x-amz-target")
            .unwrap_or("?")
            .to_string();
        self.0.lock().map_err(|_| "poisoned")?.push(target);
        Ok(())
    }
}

/// DESIGN.md: the webhook persists a message in at most two DynamoDB round trips.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_inbound_message_costs_two_dynamodb_round_trips() {
    let fx = fixture().await;
    let counter = RoundTrips::default();
    let probe = counter.clone();
    let config = fx.config.clone().with_dynamodb_config(move |b| b.interceptor(probe));
    let secrets = satark_lambda::secrets::WhatsAppSecrets::for_tests(APP_SECRET, VERIFY_TOKEN, TOKEN);
    let webhook = webhook_router_with(
        &config,
        &secrets,
        std::sync::Arc::new(config.job_queue()),
        std::sync::Arc::new(satark_core::clock::SteadyClock::starting_at(
            satark_e2e::FIXTURE_TIME + 60,
        )),
    )
    .await
    .expect("webhook");
    let mut sent = 0;
    let mut say = async |text: &str| {
        sent += 1;
        let message = json!({ "from": PHONE, "id": format!("wamid.RT{sent:08}"), "timestamp": "1767081600",
                              "type": "text", "text": { "body": text } });
        let payload = envelope(
            PHONE_NUMBER_ID,
            json!({ "contacts": [{ "wa_id": PHONE }], "messages": [message] }),
        );
        let body = to_meta_bytes(&payload);
        let headers = json!({ "x-hub-signature-256": satark_whatsapp::sign(APP_SECRET.as_bytes(), &body) });
        let event = api_gateway_event("POST", "", headers, Some(String::from_utf8(body).expect("ASCII")));
        counter.0.lock().map(|mut c| c.clear()).ok();
        assert_eq!(invoke(&webhook, event).await.0, 200);
        counter.0.lock().map(|c| c.clone()).unwrap_or_default()
    };
    for text in ["hi", "english", "new report", "jaunpur"] {
        let calls = say(text).await;
        assert_eq!(calls.len(), 2, "{text}: {calls:?}");
        assert!(
            calls[0].ends_with("GetItem") && calls[1].ends_with("TransactWriteItems"),
            "{calls:?}"
        );
    }
}

/// The Lambda host honours `JobError` as `satark serve`'s workers do: a fatal job is
/// moved to the dead-letter queue at once (never retried, so it cannot block its
/// informant's FIFO group), a retry goes back to the queue, and so does a fatal job
/// when no dead-letter queue is configured (the redrive policy then moves it).
#[tokio::test]
async fn the_lambda_host_dead_letters_fatal_jobs_at_once_and_retries_the_rest() {
    use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
    use satark_core::jobs::JobError;
    use satark_lambda::sqs::{DeadLetters, process_batch};
    let fx = fixture().await;
    let dlq = fx
        .config
        .sqs()
        .create_queue()
        .queue_name(format!("{}.fifo", unique("dlq")))
        .attributes(satark_aws::aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true")
        .send()
        .await
        .expect("CreateQueue")
        .queue_url
        .expect("url");
    let record = |id: &str, body: &str| {
        let mut m = SqsMessage::default();
        m.message_id = Some(id.into());
        m.body = Some(body.into());
        m.attributes.insert("MessageGroupId".into(), format!("p1:{id}"));
        m
    };
    let event = || {
        let mut e = SqsEvent::default();
        e.records = vec![record("1", "fatal"), record("2", "retry"), record("3", "ok")];
        e
    };
    let handle = |body: String| async move {
        match body.as_str() {
            "fatal" => Err(JobError::Fatal("the window closed".into())),
            "retry" => Err(JobError::Retry("graph down".into())),
            _ => Ok(()),
        }
    };
    let with_dlq = DeadLetters::new(fx.config.sqs().clone(), Some(dlq.clone()));
    let failed: Vec<String> = process_batch(event(), &with_dlq, handle)
        .await
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect();
    assert_eq!(failed, ["2"], "only the retry goes back to the queue");
    let moved = fx
        .config
        .sqs()
        .receive_message()
        .queue_url(&dlq)
        .max_number_of_messages(10)
        .wait_time_seconds(1)
        .send()
        .await
        .expect("ReceiveMessage");
    let bodies: Vec<&str> = moved.messages().iter().filter_map(|m| m.body()).collect();
    assert_eq!(bodies, ["fatal"], "the fatal job is in the dead-letter queue");

    let without: Vec<String> = process_batch(event(), &DeadLetters::default(), handle)
        .await
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect();
    assert_eq!(without, ["1", "2"], "no dead-letter queue: left to the redrive policy");
}
