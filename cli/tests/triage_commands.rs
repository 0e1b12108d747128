//! `satark eval` and `satark classify`, run as an operator runs them.
//!
//! `satark eval` is part of the test command: it fails (and so does this test) when
//! the shipped filter, trained on `shared/core/data/triage/train.jsonl`, falls below
//! spurious precision 0.90 or recall 0.80 on the held-out set, or when 200 officer
//! verdicts do not improve its held-out F1. Its figures are printed.

use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn satark_eval_meets_the_bar_and_prints_its_figures() {
    let output = Command::new(env!("CARGO_BIN_EXE_satark"))
        .arg("eval")
        .output()
        .expect("run satark eval");
    let printed = String::from_utf8_lossy(&output.stdout);
    println!("{printed}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "satark eval failed:\n{printed}");
    for figure in ["precision", "recall", "F1", "hinglish", "200"] {
        assert!(printed.contains(figure), "the report names {figure}:\n{printed}");
    }
}

fn classify(input: &str, extra: &[&str]) -> (Vec<serde_json::Value>, std::process::ExitStatus) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_satark"))
        .arg("classify")
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run satark classify");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("output");
    let lines = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    (lines, output.status)
}

#[test]
fn satark_classify_answers_every_line_in_order() {
    let input = concat!(
        r#"{"id": 1, "text": "गांव रामपुर में स्कूल के पीछे रोज़ शाम को कच्ची शराब बिकती है"}"#,
        "\n",
        r#"{"id": "b", "text": "Instant personal loan in 5 minutes, no documents! Call now, limited offer"}"#,
        "\n",
        "not json at all\n",
        "\n",
        r#"{"id": 4, "text": "asdf qwer zxcv"}"#,
        "\n",
        r#"{"id": 5, "text": "two men with a katta near the bus stand right now"}"#,
        "\n",
    );
    let (lines, status) = classify(input, &[]);
    assert!(status.success());
    assert_eq!(lines.len(), 5, "one line per non-blank input line: {lines:?}");
    assert_eq!(lines[0]["id"], 1);
    assert_eq!(lines[0]["spurious"], false, "{}", lines[0]);
    assert_eq!(lines[0]["category"], "illicit_liquor");
    assert_eq!(lines[1]["id"], "b");
    assert_eq!(lines[1]["spurious"], true, "{}", lines[1]);
    assert!(!lines[1]["reasons"].as_array().expect("reasons").is_empty());
    assert!(
        lines[2]["error"].is_string(),
        "a bad line is answered, not skipped: {}",
        lines[2]
    );
    assert_eq!(lines[3]["spurious"], true, "{}", lines[3]);
    assert_eq!(lines[4]["category"], "illegal_arms", "{}", lines[4]);
    for line in &lines[..2] {
        let score = line["spurious_score"].as_f64().expect("score");
        assert!((0.0..=1.0).contains(&score));
    }
}

#[test]
fn satark_classify_learns_verdicts_in_memory() {
    let scam =
        r#"{"id": 1, "text": "Your electricity will be disconnected tonight, update KYC at this link immediately"}"#;
    let (before, _) = classify(scam, &[]);
    let dir = std::env::temp_dir().join(format!("satark-verdicts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let verdicts = dir.join("verdicts.jsonl");
    let mut lines = String::new();
    for i in 0..30 {
        lines.push_str(&format!(
            "{{\"text\": \"Dear customer your electricity connection will be disconnected today {i}, update KYC now at the link\", \"verdict\": \"spurious\"}}\n"
        ));
    }
    std::fs::write(&verdicts, lines).expect("write verdicts");
    let (after, status) = classify(scam, &["--learn", verdicts.to_str().expect("path")]);
    assert!(status.success());
    let (b, a) = (
        before[0]["spurious_score"].as_f64().expect("score"),
        after[0]["spurious_score"].as_f64().expect("score"),
    );
    assert!(a > b, "verdicts raised the score: {b} -> {a}");
    std::fs::write(&verdicts, "{\"text\": \"x\", \"verdict\": \"maybe\"}\n").expect("write");
    let (_, status) = classify(scam, &["--learn", verdicts.to_str().expect("path")]);
    assert!(!status.success(), "an unknown verdict is refused");
    let _ = std::fs::remove_dir_all(dir);
}
