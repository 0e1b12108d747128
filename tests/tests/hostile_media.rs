//! Hostile files sent as evidence through the running server: a crafted MP4 whose
//! 64-bit box sizes once wrapped the parser's arithmetic (a panic that, with
//! `panic = "abort"`, took the whole process down, and a loop that spun forever), sent
//! as a video and as a document. The server keeps answering, the informant is told the
//! file was not accepted, and nothing of it is stored.

use satark_e2e::{Harness, text_of};
use serde_json::json;
use std::time::Duration;

/// `ftyp`, then a box of type `kind` whose 64-bit size is `size`.
fn crafted_mp4(kind: &[u8; 4], size: u64) -> Vec<u8> {
    let mut file = vec![0, 0, 0, 0x18];
    file.extend_from_slice(b"ftypisom\0\0\x02\0isommp41");
    file.extend_from_slice(&1u32.to_be_bytes());
    file.extend_from_slice(kind);
    file.extend_from_slice(&size.to_be_bytes());
    file.extend_from_slice(&[0u8; 64]);
    file
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crafted_files_neither_crash_nor_stall_the_server_and_nothing_is_kept() {
    let h = Harness::start().await;
    let mut asha = h.citizen("919811122233", "Asha");
    for text in ["Hi", "English", "new report", "jaunpur", "kerakat", "illicit liquor"] {
        asha.say(text).await;
    }
    let hostile: [(&[u8; 4], u64); 5] = [
        (b"udta", u64::MAX - 7),
        (b"meta", u64::MAX),
        (b"uuid", u64::MAX - 15),
        (b"free", u64::MAX - 7),
        (b"zzzz", u64::MAX),
    ];
    for (i, (kind, size)) in hostile.iter().enumerate() {
        let (wa_kind, mime) = if i % 2 == 0 {
            ("video", "video/mp4")
        } else {
            ("document", "application/octet-stream")
        };
        let id = h.graph.add_media(crafted_mp4(kind, *size), mime);
        let mut content = json!({ "id": id, "mime_type": mime, "sha256": "ZmFrZQ==" });
        if wa_kind == "document" {
            content["filename"] = json!("clip.mp4");
        }
        assert_eq!(h.deliver(&asha.payload(asha.message(wa_kind, content))).await, 200);
    }

    // Each file is acknowledged, then refused politely.
    let notices = || {
        h.graph
            .sent_to(&asha.phone)
            .iter()
            .filter(|r| text_of(r).contains("could not be added"))
            .count()
    };
    assert!(
        h.eventually(|| notices() >= hostile.len()).await,
        "every file was refused"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(notices(), hostile.len(), "each refused once");

    // The server still answers at once.
    let so_far = h.graph.sent_to(&asha.phone).len();
    let text = asha.message(
        "text",
        json!({ "body": "This is what happened at the orchard last night" }),
    );
    assert_eq!(h.deliver(&asha.payload(text)).await, 200);
    assert!(
        h.eventually(|| h.graph.sent_to(&asha.phone).len() > so_far).await,
        "still answering"
    );

    assert!(h.reports().await.is_empty(), "nothing submitted yet");
    assert_eq!(
        h.server.media.stats().expect("stats").dead,
        0,
        "refused, not dead-lettered after a crash loop"
    );
    let rows = h.server.store.row_counts().expect("counts");
    let media_rows = rows.iter().find(|(t, _)| t == "media").map(|(_, n)| *n);
    assert_eq!(media_rows, Some(0), "no record of the hostile files");
}
