//! Helpers shared by the media tests: fixtures, the planted strings, and exiftool as an
//! independent reader.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).expect("fixture")
}

/// What the planted fixtures (scripts/make-media-fixtures) put in every field they
/// could: a name, a phone number, a place, a phone model, a serial, a capture time.
pub const PLANTED: [&str; 13] = [
    "Ramesh",
    "Kumar",
    "919876543210",
    "Redmi",
    "Xiaomi",
    "SN-4471",
    "Jaunpur",
    "25.7464",
    "82.6837",
    "2026:11:01",
    "2026-11-01",
    "22:14:05",
    "MIUI",
];

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// No planted string anywhere in `bytes`, as UTF-8 or as UTF-16 (either byte order).
pub fn assert_nothing_planted(bytes: &[u8], what: &str) {
    for s in PLANTED {
        let le: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let be: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        for (encoding, needle) in [("UTF-8", s.as_bytes().to_vec()), ("UTF-16LE", le), ("UTF-16BE", be)] {
            assert!(!contains(bytes, &needle), "{what} still contains {s:?} as {encoding}");
        }
    }
}

/// Whether a fixture really carries what the test says is removed.
pub fn assert_planted(bytes: &[u8], what: &str) {
    assert!(
        contains(bytes, b"Ramesh") || contains(bytes, b"R\0a\0m\0e\0s\0h"),
        "{what} fixture has the name"
    );
}

/// Whether tests must have the external tools (in CI they must; locally a missing tool
/// only skips the check, with a note).
fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Runs an external tool on `bytes` written to a temporary file; `None` when the tool is
/// not installed (outside CI).
pub fn run_tool(tool: &str, args: &[&str], bytes: &[u8], extension: &str) -> Option<(String, std::path::PathBuf)> {
    let dir = std::env::temp_dir().join(format!("satark-media-{}-{}", std::process::id(), unique()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("file.{extension}"));
    std::fs::write(&path, bytes).expect("write temp file");
    let output = match Command::new(tool).args(args).arg(&path).current_dir(&dir).output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(
                !required(),
                "{tool} is needed by the media tests in CI (see shared/media/tests)"
            );
            eprintln!("note: {tool} not installed; skipping the independent check with it");
            return None;
        }
        Err(e) => panic!("running {tool}: {e}"),
    };
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    Some((text, dir))
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// Tag names exiftool must not report at all in a cleaned file.
const FORBIDDEN_TAGS: [&str; 12] = [
    "Make",
    "Model",
    "SerialNumber",
    "LensSerialNumber",
    "OwnerName",
    "CameraOwnerName",
    "Artist",
    "Author",
    "Creator",
    "Copyright",
    "DeviceName",
    "By-line",
];

/// exiftool's full report (all groups, unknown tags, embedded data such as GPMF
/// telemetry) of `bytes`; `None` when exiftool is not installed (outside CI).
pub fn exiftool(bytes: &[u8], extension: &str) -> Option<String> {
    let (text, dir) = run_tool("exiftool", &["-a", "-u", "-ee3", "-G1", "-s"], bytes, extension)?;
    std::fs::remove_dir_all(dir).ok();
    Some(
        text.lines()
            .filter(|l| !l.starts_with("[System]") && !l.starts_with("[ExifTool]"))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// exiftool finds no GPS, device, serial, owner, time or planted string in `bytes`.
pub fn assert_exiftool_clean(bytes: &[u8], extension: &str, what: &str) {
    let Some(report) = exiftool(bytes, extension) else {
        return;
    };
    for line in report.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let tag = name.split(']').nth(1).unwrap_or(name).trim();
        assert!(
            !tag.starts_with("GPS") && !FORBIDDEN_TAGS.contains(&tag),
            "{what}: exiftool still finds {line:?}"
        );
        for s in PLANTED {
            assert!(!value.contains(s), "{what}: exiftool still finds {line:?}");
        }
    }
}

/// exiftool does find the planted metadata in the original (so the test means something).
pub fn assert_exiftool_finds(bytes: &[u8], extension: &str, needle: &str, what: &str) {
    let Some(report) = exiftool(bytes, extension) else {
        return;
    };
    assert!(
        report.contains(needle),
        "{what}: exiftool should find {needle:?} in the fixture:\n{report}"
    );
}

/// Runs `f` on another thread and fails if it panics or takes longer than `secs`.
pub fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let out = f();
        tx.send(()).ok();
        out
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(()) => handle.join().expect("no panic"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Ok(_) => unreachable!("sent before returning"),
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("did not finish within {secs} s: a hang"),
    }
}
