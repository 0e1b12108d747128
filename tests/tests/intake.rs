//! Intake end to end: the real server, signed webhooks, a fake Graph API.

use satark_core::ports::EvidenceVault;
use satark_core::report::{DetailItem, MediaKind, StationChoice};
use satark_e2e::{Harness, reference_in, text_of};
use serde_json::json;

/// Real media files with location and device metadata, as a phone sends them.
fn media_fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/media/tests/fixtures")
        .join(name);
    std::fs::read(path).expect("media fixture")
}

#[tokio::test]
async fn hindi_report_with_text_voice_photo_and_video() {
    let h = Harness::start().await;
    let mut asha = h.citizen("919876543210", "आशा वर्मा");
    let greeting = asha.say("नमस्ते").await;
    assert!(
        text_of(&greeting[0]).contains("भाषा"),
        "asks for a language in Hindi too"
    );
    asha.tap("lang:hi").await;
    asha.tap("menu:new").await;
    asha.tap("d:JNP").await;
    asha.tap("s:more").await;
    asha.tap("s:11").await;
    asha.tap("c:illicit_liquor").await;
    asha.say("गांव के बाहर बाग में रोज रात कच्ची शराब बनती है").await;
    let photo = media_fixture("gps.jpg");
    let voice = media_fixture("tags.opus");
    let video = media_fixture("gps.mp4");
    asha.media(
        "audio",
        voice.clone(),
        "audio/ogg; codecs=opus",
        json!({ "voice": true }),
    )
    .await;
    asha.media("image", photo.clone(), "image/jpeg", json!({ "caption": "भट्ठी" }))
        .await;
    let ack = asha.media("video", video.clone(), "video/mp4", json!({})).await;
    assert!(
        text_of(&ack[0]).contains('4'),
        "each piece is acknowledged with a count: {}",
        text_of(&ack[0])
    );
    asha.tap("done").await;
    asha.tap("loc:skip").await;
    asha.tap("t:yesterday").await;
    let confirmation = asha.tap("sum:submit").await;
    let text = text_of(&confirmation[0]);
    let code = reference_in(&text).unwrap_or_else(|| panic!("a reference code in {text}"));
    assert!(code.starts_with("JNP-"));
    assert!(!text.contains("कच्ची शराब"), "the confirmation never echoes the report");

    let reports = h.reports().await;
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    assert_eq!(report.reference.as_str(), code);
    assert_eq!(
        (report.district.as_str(), report.station),
        ("JNP", StationChoice::Known(11))
    );
    assert_eq!(report.category, "illicit_liquor");
    let kinds: Vec<_> = report
        .items
        .iter()
        .map(|i| match i {
            DetailItem::Text { .. } => None,
            DetailItem::Media { kind, .. } => Some(*kind),
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            None,
            Some(MediaKind::Voice),
            Some(MediaKind::Photo),
            Some(MediaKind::Video)
        ]
    );

    // The media worker fetches each piece into the vault, off the webhook's path.
    let vault = h.server.vault.clone();
    let id = report.id.clone();
    let mut stored = vec![];
    for _ in 0..200 {
        stored = vault.list(&id).await.expect("list");
        if stored.len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(stored.len(), 3, "all three media files stored");
    for (record, original) in stored.iter().zip([&voice, &photo, &video]) {
        let bytes = vault
            .read(&id, &record.media_key)
            .await
            .expect("read")
            .expect("present");
        assert!(&bytes != original, "metadata was removed before storing");
        assert_eq!(record.size, bytes.len() as u64);
        assert_eq!(record.sha256.len(), 64);
        assert!(record.metadata_stripped && !record.metadata_removed.is_empty());
        for telltale in [b"Redmi".as_slice(), b"Asha", b"25.7464"] {
            assert!(
                !bytes.windows(telltale.len()).any(|w| w == telltale),
                "{:?} stored clean",
                record.kind
            );
        }
    }
    assert!(
        stored
            .iter()
            .any(|r| r.kind == MediaKind::Photo && r.perceptual_hash.is_some())
    );
    let keys: Vec<&str> = report.media_keys().collect();
    assert!(
        stored.iter().all(|r| keys.contains(&r.media_key.as_str())),
        "media records reference the report's items"
    );
}

#[tokio::test]
async fn english_report_typed_without_a_single_tap() {
    let h = Harness::start().await;
    let mut ravi = h.citizen("919812345678", "Ravi");
    ravi.say("Hello").await;
    ravi.say("english").await;
    ravi.say("new report").await;
    ravi.say("Ghazipur").await;
    ravi.say("zamaniya").await;
    ravi.say("gambling").await;
    ravi.say("A satta den runs behind the bus stand every evening after 7")
        .await;
    ravi.say("done").await;
    ravi.say("near the old bus stand").await;
    ravi.say("today").await;
    let confirmation = ravi.say("submit").await;
    let code = reference_in(&text_of(&confirmation[0])).expect("reference code");
    assert!(code.starts_with("GZP-"));
    let report = &h.reports().await[0];
    assert_eq!(
        (report.district.as_str(), report.station),
        ("GZP", StationChoice::Known(4))
    );
    assert_eq!(report.category, "gambling");
    assert!(matches!(&report.items[0], DetailItem::Text { body, .. } if body.contains("satta")));
    assert!(report.place.is_some());
    // The classifier worker counts it in the analytics aggregates.
    let store = h.server.store.clone();
    let mut counted = vec![];
    for _ in 0..200 {
        counted = satark_core::ports::AggregateStore::counts(&store, "GZP", "2000-01-01", "2999-12-31")
            .await
            .expect("counts");
        if !counted.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    counted.retain(|(k, _)| matches!(k.measure, satark_core::ports::Measure::Status(_)));
    assert_eq!(counted.len(), 1);
    assert_eq!(
        (counted[0].0.station, counted[0].0.category.as_str(), counted[0].1),
        (Some(4), "gambling", 1)
    );

    // The informant can ask about it, and only they can.
    let status = ravi.say(&format!("status {code}")).await;
    assert!(text_of(&status[0]).contains(&code), "{}", text_of(&status[0]));
    assert!(text_of(&status[0]).contains("received"));
    let mut stranger = h.citizen("919800000001", "Someone");
    stranger.say("hi").await;
    stranger.tap("lang:en").await;
    let probe = stranger.say(&format!("status {code}")).await;
    assert!(
        text_of(&probe[0]).contains("No report"),
        "codes cannot be probed: {}",
        text_of(&probe[0])
    );
}

#[tokio::test]
async fn urdu_report_from_a_qr_poster() {
    let h = Harness::start().await;
    let mut citizen = h.citizen("919700000002", "زینب");
    citizen.say("Hi CDL-7").await;
    let menu = citizen.tap("lang:ur").await;
    assert!(
        text_of(&menu[0]).contains("چکیا") || text_of(&menu[0]).contains("Chakia"),
        "{}",
        text_of(&menu[0])
    );
    citizen.tap("menu:new").await;
    citizen.tap("c:more").await;
    citizen.tap("c:robbery").await;
    citizen.say("بازار میں ایک آدمی کا موبائل چھینا گیا").await;
    citizen.tap("done").await;
    let pin = citizen.message("location", json!({ "latitude": 25.2638, "longitude": 83.2722 }));
    citizen.send(pin, 1).await;
    citizen.tap("t:today").await;
    let confirmation = citizen.tap("sum:submit").await;
    let code = reference_in(&text_of(&confirmation[0])).expect("reference code");
    assert!(code.starts_with("CDL-"));
    let report = &h.reports().await[0];
    assert_eq!(
        (report.district.as_str(), report.station),
        ("CDL", StationChoice::Known(7))
    );
    assert!(report.via_poster);
    assert_eq!(report.language, satark_core::Lang::Ur);
    assert!(matches!(
        report.place,
        Some(satark_core::report::IncidentPlace::Pin { .. })
    ));
}

#[tokio::test]
async fn redeliveries_and_mixed_batches_are_answered_exactly_once() {
    let h = Harness::start().await;
    let mut asha = h.citizen("919876543210", "Asha");
    let hello = asha.payload(asha.message("text", json!({ "body": "hi" })));
    for _ in 0..3 {
        assert_eq!(h.deliver(&hello).await, 200);
    }
    asha.expect(1).await;

    // Two citizens' messages and status updates in one POST, as Meta may batch them.
    let mut ravi = h.citizen("919812345678", "Ravi");
    let batch = json!({
        "object": "whatsapp_business_account",
        "entry": [ { "id": "201234567890123", "changes": [ { "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "15551234567", "phone_number_id": h.config.phone_number_id },
            "contacts": [ { "profile": { "name": "Asha" }, "wa_id": "919876543210" },
                          { "profile": { "name": "Ravi" }, "wa_id": "919812345678" } ],
            "messages": [ asha.message("text", json!({ "body": "english" })),
                          ravi.message("text", json!({ "body": "hi" })) ],
            "statuses": [ { "id": "wamid.OUT9", "status": "read", "timestamp": "1767082999", "recipient_id": "919876543210" },
                          { "id": "wamid.OUT8", "status": "delivered", "timestamp": "1767082998", "recipient_id": "919812345678" } ]
        } } ] } ]
    });
    for _ in 0..3 {
        assert_eq!(h.deliver(&batch).await, 200);
    }
    let asha_menu = asha.expect(1).await;
    assert!(
        text_of(&asha_menu[0]).contains("What would you like to do"),
        "{}",
        text_of(&asha_menu[0])
    );
    let ravi_greeting = ravi.expect(1).await;
    assert!(text_of(&ravi_greeting[0]).contains("Choose your language"));
    // A statuses-only delivery is acknowledged and answers nobody.
    let statuses_only = json!({ "object": "whatsapp_business_account", "entry": [ { "id": "1", "changes": [ { "field": "messages",
        "value": { "messaging_product": "whatsapp", "statuses": [ { "id": "wamid.X", "status": "sent", "recipient_id": "919876543210" } ] } } ] } ] });
    assert_eq!(h.deliver(&statuses_only).await, 200);
    asha.expect(0).await;
}

#[tokio::test]
async fn bad_signatures_get_401_and_nothing_is_stored() {
    let h = Harness::start().await;
    let citizen = h.citizen("919876543210", "Asha");
    let payload = citizen.payload(citizen.message("text", json!({ "body": "hi" })));
    let body = satark_whatsapp::fake::webhooks::to_meta_bytes(&payload);
    let wrong_key = satark_whatsapp::sign(b"not-the-app-secret", &body);
    let other_body = satark_whatsapp::sign(h.config.app_secret.as_bytes(), b"{}");
    let good = satark_whatsapp::sign(h.config.app_secret.as_bytes(), &body);
    let truncated = &good[..good.len() - 2];
    for signature in [
        None,
        Some(wrong_key.as_str()),
        Some(other_body.as_str()),
        Some("sha256=zz"),
        Some(truncated),
        Some(""),
    ] {
        assert_eq!(
            h.post_raw(body.clone(), signature).await,
            401,
            "signature {signature:?}"
        );
    }
    // Re-serialised JSON (unescaped Hindi) does not match Meta's bytes either.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    for (table, rows) in h.server.store.row_counts().expect("counts") {
        assert_eq!(rows, 0, "{table} must be empty after rejected deliveries");
    }
    assert!(h.graph.sent().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn the_verification_handshake() {
    let h = Harness::start().await;
    let url = |token: &str| {
        format!(
            "{}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={token}",
            h.webhook_url()
        )
    };
    let ok = h.http.get(url(&h.config.verify_token)).send().await.expect("get");
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(ok.text().await.expect("body"), "1158201444");
    let refused = h.http.get(url("wrong")).send().await.expect("get");
    assert_eq!(refused.status().as_u16(), 403);
}

#[tokio::test]
async fn every_payload_shape_in_the_reference_is_accepted() {
    let h = Harness::start().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/whatsapp/tests/fixtures");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let body = std::fs::read(&path).expect("read fixture");
        let signature = satark_whatsapp::sign(h.config.app_secret.as_bytes(), &body);
        let status = h.post_raw(body, Some(&signature)).await;
        assert_eq!(status, 200, "{} answered {status}", path.display());
        count += 1;
    }
    assert!(count >= 40, "all fixtures were sent ({count})");
    // Still serving afterwards.
    let mut asha = h.citizen("919811111111", "Asha");
    asha.say("hi").await;
}

#[tokio::test]
async fn failed_sends_are_retried_in_order() {
    let h = Harness::start().await;
    let mut asha = h.citizen("919876543210", "Asha");
    asha.say("hi").await;
    // WhatsApp's pair rate limit twice, then success: the reply still arrives, once.
    h.graph.fail_next_sends(2, 400, 131056);
    let menu = asha.tap("lang:en").await;
    assert!(text_of(&menu[0]).contains("What would you like to do"));
    assert_eq!(h.server.outbound.stats().expect("stats").dead, 0);
}
