//! The anonymity promise, tested the way an auditor would: run full conversations with
//! known phone numbers and profile names through the real server (every message type,
//! several informants, redelivery storms, failing sends), then scan every byte the
//! system wrote — database files, evidence files, queue payloads, debug logs, and
//! everything an officer can see — for those identities in any encoding.

use base64::Engine;
use satark_core::ports::{EvidenceVault, ReportStore};
use satark_e2e::LogBuffer;
use satark_e2e::{Harness, text_of};
use serde_json::json;
use std::path::Path;

/// The informants: number (or business-scoped id) and WhatsApp profile name.
const PEOPLE: [(&str, &str); 4] = [
    ("919876543210", "आशा वर्मा"),
    ("918765432109", "Ravi Kumar Yadav"),
    ("923001234567", "زینب بی بی"),
    ("IN.1410018717833190", "Farhan Siddiqui"),
];
/// A third party's number on a contact card an informant shares.
const CARD_NUMBER: &str = "919123456789";
const CARD_NAME: &str = "Mohan Lal Gupta";

/// Every way a number or a name could appear in bytes we wrote.
fn needles() -> Vec<(String, Vec<u8>)> {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out: Vec<(String, Vec<u8>)> = vec![];
    let mut add = |what: String, bytes: Vec<u8>| out.push((what, bytes));
    let mut numbers: Vec<String> = PEOPLE.iter().map(|(n, _)| n.to_string()).collect();
    numbers.push(CARD_NUMBER.into());
    for number in &numbers {
        let digits: String = number.chars().filter(|c| c.is_ascii_digit()).collect();
        add(format!("{number} as typed"), number.as_bytes().to_vec());
        add(format!("{number} digits"), digits.as_bytes().to_vec());
        add(format!("{number} with +"), format!("+{digits}").into_bytes());
        if digits.len() == 12 {
            let national = &digits[2..];
            add(format!("{number} without country code"), national.as_bytes().to_vec());
            add(
                format!("{number} spaced"),
                format!("{} {}", &national[..5], &national[5..]).into_bytes(),
            );
        }
        add(
            format!("{number} as hex text"),
            hex::encode(digits.as_bytes()).into_bytes(),
        );
        add(
            format!("{number} in UTF-16"),
            digits.encode_utf16().flat_map(|u| u.to_le_bytes()).collect(),
        );
        // Base64 at each of the three alignments (as inside a WhatsApp message id):
        // only the characters that do not depend on the neighbouring bytes.
        for pad in 0..3 {
            let mut raw = vec![b'\0'; pad];
            raw.extend_from_slice(digits.as_bytes());
            let encoded = b64(&raw);
            let skip = if pad == 0 { 0 } else { (pad * 8).div_ceil(6) };
            let usable = (raw.len() * 8) / 6;
            if usable > skip + 8 {
                add(
                    format!("{number} base64/{pad}"),
                    encoded.as_bytes()[skip..usable].to_vec(),
                );
            }
        }
    }
    let mut names: Vec<&str> = PEOPLE.iter().map(|(_, n)| *n).collect();
    names.push(CARD_NAME);
    for name in names {
        add(format!("name {name}"), name.as_bytes().to_vec());
        let escaped: String = name.encode_utf16().map(|u| format!("\\u{u:04x}")).collect();
        if !name.is_ascii() {
            add(format!("name {name} JSON-escaped"), escaped.clone().into_bytes());
            add(
                format!("name {name} JSON-escaped upper"),
                escaped.to_uppercase().replace("\\U", "\\u").into_bytes(),
            );
        }
        add(
            format!("name {name} in UTF-16"),
            name.encode_utf16().flat_map(|u| u.to_le_bytes()).collect(),
        );
        // Each word of a name on its own (first names are identifying too).
        for word in name.split(' ').filter(|w| w.chars().count() >= 4) {
            add(format!("name part {word}"), word.as_bytes().to_vec());
        }
    }
    out
}

fn find(haystack: &[u8], needles: &[(String, Vec<u8>)]) -> Vec<String> {
    needles
        .iter()
        .filter(|(_, n)| haystack.windows(n.len()).any(|w| w == n.as_slice()))
        .map(|(what, _)| what.clone())
        .collect()
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/media/tests/fixtures")
            .join(name),
    )
    .expect("media fixture")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_identity_reaches_any_byte_the_system_writes() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .init();

    let h = Harness::start().await;
    let [asha, ravi, zainab, farhan] = PEOPLE;

    // Asha: a Hindi report with every kind of evidence and every odd message type,
    // each webhook delivered three times at once.
    let mut a = h.citizen(asha.0, asha.1);
    a.deliveries = 3;
    a.realistic_ids = true;
    a.say("नमस्ते").await;
    a.tap("lang:hi").await;
    a.tap("menu:new").await;
    a.tap("d:JNP").await;
    a.say("केराकत").await;
    a.say("अवैध शराब").await;
    a.say("रात को बाग में भट्ठी चलती है, मेरा नाम मत बताना").await;
    a.media("image", fixture("gps.jpg"), "image/jpeg", json!({ "caption": "भट्ठी" }))
        .await;
    a.media(
        "audio",
        fixture("tags.opus"),
        "audio/ogg; codecs=opus",
        json!({ "voice": true }),
    )
    .await;
    a.media("video", fixture("gps.mp4"), "video/mp4", json!({})).await;
    a.media(
        "document",
        b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n".to_vec(),
        "application/pdf",
        json!({ "filename": "shikayat.pdf" }),
    )
    .await;
    a.media(
        "sticker",
        b"RIFF\x1a\0\0\0WEBPVP8L\x0d\0\0\0/\0\0\0\x10\x07\x10\x11\x11\x88\x88\xfe\x07\0".to_vec(),
        "image/webp",
        json!({ "animated": false }),
    )
    .await;
    let card = json!([{ "name": { "formatted_name": CARD_NAME, "first_name": "Mohan" },
                        "phones": [{ "phone": "+91 91234 56789", "wa_id": CARD_NUMBER, "type": "MOBILE" }] }]);
    a.send(a.message("contacts", card), 1).await;
    a.send(
        a.message(
            "location",
            json!({ "latitude": 25.7464, "longitude": 82.6837, "name": "बाग" }),
        ),
        1,
    )
    .await;
    let last = a.message("reaction", json!({ "message_id": "wamid.OUT1", "emoji": "👍" }));
    a.send(last, 1).await;
    let mut unsupported = a.message("unsupported", json!({ "type": "poll_creation" }));
    unsupported["errors"] = json!([{ "code": 131051, "title": "Message type unknown" }]);
    a.send(unsupported, 1).await;
    // Outbound sends fail for a while (rate limits, outages) and are retried.
    h.graph.fail_next_sends(3, 400, 131056);
    a.tap("done").await;
    // The location pin already answered "where".
    a.tap("t:today").await;
    let confirmation = a.tap("sum:submit").await;
    assert!(text_of(&confirmation[0]).contains("JNP-"));

    // Ravi: English, typed, with a status check; Zainab: Urdu from a poster, cancels
    // once; Farhan: known only by a business-scoped user id.
    let mut r = h.citizen(ravi.0, ravi.1);
    r.deliveries = 2;
    r.realistic_ids = true;
    for text in [
        "hi",
        "english",
        "new report",
        "ghazipur",
        "saidpur",
        "drugs",
        "smack is sold near the school gate",
        "done",
        "skip",
        "yesterday",
        "submit",
    ] {
        r.say(text).await;
    }
    let mut z = h.citizen(zainab.0, zainab.1);
    z.realistic_ids = true;
    z.say("Hi CDL-7").await;
    z.tap("lang:ur").await;
    z.tap("menu:new").await;
    z.say("cancel").await;
    z.tap("menu:new").await;
    z.tap("c:more").await;
    z.tap("c:robbery").await;
    z.say("بازار میں چین چھینی گئی").await;
    z.tap("done").await;
    z.tap("loc:skip").await;
    z.tap("t:earlier").await;
    z.tap("sum:submit").await;
    let mut f = h.citizen(farhan.0, farhan.1);
    f.bsuid = true;
    f.deliveries = 3;
    f.say("hello").await;
    f.tap("lang:en").await;
    f.tap_expecting("menu:privacy", 2).await;

    // Status updates name the recipient's number; they must not stick anywhere either.
    for (number, _) in &PEOPLE[..3] {
        let statuses = json!({ "object": "whatsapp_business_account", "entry": [{ "id": "1", "changes": [{ "field": "messages",
            "value": { "messaging_product": "whatsapp", "metadata": { "phone_number_id": h.config.phone_number_id },
                       "statuses": [{ "id": "wamid.OUT", "status": "read", "timestamp": "1767082460", "recipient_id": number }] } }] }] });
        assert_eq!(h.deliver(&statuses).await, 200);
    }

    // Let the queues drain: every reply sent, every file in the vault.
    let drained = h
        .eventually(|| {
            let (o, m) = (h.server.outbound.stats(), h.server.media.stats());
            matches!((o, m), (Ok(o), Ok(m)) if o.ready == 0 && m.ready == 0)
        })
        .await;
    assert!(drained, "queues drained");

    // What officers can see: reports, evidence records and the evidence itself.
    let reports = h.server.store.list_recent(100).await.expect("reports");
    assert_eq!(reports.len(), 3, "three reports filed");
    let mut visible = serde_json::to_vec(&reports).expect("json");
    let mut stored_media = 0;
    for report in &reports {
        for record in h.server.vault.list(&report.id).await.expect("media") {
            visible.extend(serde_json::to_vec(&record).expect("json"));
            visible.extend(
                h.server
                    .vault
                    .read(&report.id, &record.media_key)
                    .await
                    .expect("read")
                    .expect("present"),
            );
            stored_media += 1;
        }
    }
    assert_eq!(stored_media, 4, "photo, voice note, video and document stored");

    let needles = needles();
    // The scanner itself works: what Meta received (the fake Graph API's records) does
    // contain the numbers, and the profile names were in what Meta sent us.
    let sent_to_meta =
        serde_json::to_vec(&h.graph.sent().iter().map(|r| r.body.clone()).collect::<Vec<_>>()).expect("json");
    assert!(
        !find(&sent_to_meta, &needles).is_empty(),
        "the scanner finds numbers where they belong"
    );

    let mut leaks = vec![];
    let mut scanned_bytes = 0;
    for path in files_under(h.data.path()) {
        let bytes = std::fs::read(&path).expect("read");
        scanned_bytes += bytes.len();
        for what in find(&bytes, &needles) {
            leaks.push(format!("{what} in {}", path.display()));
        }
    }
    let log_bytes = logs.0.lock().expect("logs").clone();
    assert!(log_bytes.len() > 1000, "debug logs were captured");
    assert!(
        String::from_utf8_lossy(&log_bytes).contains("\"duplicates\":1"),
        "the redelivery storm was seen"
    );
    for what in find(&log_bytes, &needles) {
        leaks.push(format!("{what} in the logs"));
    }
    for what in find(&visible, &needles) {
        leaks.push(format!("{what} in what officers see"));
    }
    // Jobs still queued or dead-lettered (the database scan covers those already run).
    let dead = serde_json::to_vec(&h.server.outbound.dead_letters().expect("dead letters")).expect("json");
    for what in find(&dead, &needles) {
        leaks.push(format!("{what} in dead-lettered jobs"));
    }
    assert!(
        scanned_bytes > 10_000,
        "the database and evidence files were scanned ({scanned_bytes} bytes)"
    );
    assert!(leaks.is_empty(), "identities found:\n{}", leaks.join("\n"));
}
