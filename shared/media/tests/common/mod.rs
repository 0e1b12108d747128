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

/// An ISO BMFF box.
pub fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

/// An ISO BMFF full box (version and 24-bit flags before the body).
pub fn full_box(kind: &[u8; 4], version: u8, flags: u32, body: &[u8]) -> Vec<u8> {
    let mut head = flags.to_be_bytes();
    head[0] = version;
    bx(kind, &[&head[..], body].concat())
}

/// The boxes laid end to end in `b[from..to]`: (type, body start, end).
pub fn boxes(b: &[u8], from: usize, to: usize) -> Vec<([u8; 4], usize, usize)> {
    let mut out = vec![];
    let mut at = from;
    while at + 8 <= to {
        let size = u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize;
        let (header, size) = match size {
            0 => (8, to - at),
            1 => (16, u64::from_be_bytes(b[at + 8..at + 16].try_into().unwrap()) as usize),
            n => (8, n),
        };
        out.push((b[at + 4..at + 8].try_into().unwrap(), at + header, at + size));
        at += size.max(8);
    }
    out
}

/// The samples of a fragmented MP4 as (offset, size), read from its `moof` boxes with
/// a walker written for the tests from ISO/IEC 14496-12 8.8.7 and 8.8.8 (the `mp4`
/// crate reads every sample of a fragment at the fragment's base offset). Sizes come
/// from the run, the track fragment header, or `trex`.
pub fn fragment_samples(b: &[u8]) -> Vec<(usize, usize)> {
    let u32_at = |at: usize| u32::from_be_bytes(b[at..at + 4].try_into().unwrap());
    let u64_at = |at: usize| u64::from_be_bytes(b[at..at + 8].try_into().unwrap());
    let top = boxes(b, 0, b.len());
    let mut trex_size = std::collections::HashMap::new();
    for (kind, s, e) in &top {
        if kind == b"moov" {
            for (k, s, e) in boxes(b, *s, *e) {
                if &k == b"mvex" {
                    for (k, s, _) in boxes(b, s, e) {
                        if &k == b"trex" {
                            trex_size.insert(u32_at(s + 4), u32_at(s + 16));
                        }
                    }
                }
            }
        }
    }
    let mut out = vec![];
    for (kind, moof_body, moof_end) in top {
        if &kind != b"moof" {
            continue;
        }
        let moof = moof_body - 8;
        let mut previous_end = moof as u64;
        for (k, s, e) in boxes(b, moof_body, moof_end) {
            if &k != b"traf" {
                continue;
            }
            let parts = boxes(b, s, e);
            let (_, h, _) = *parts.iter().find(|p| &p.0 == b"tfhd").expect("tfhd");
            let flags = u32_at(h) & 0xFF_FFFF;
            let track = u32_at(h + 4);
            let mut at = h + 8;
            let mut base = None;
            let mut default_size = None;
            if flags & 1 != 0 {
                base = Some(u64_at(at));
                at += 8;
            }
            for (bit, is_size) in [(2, false), (8, false), (0x10, true), (0x20, false)] {
                if flags & bit != 0 {
                    if is_size {
                        default_size = Some(u32_at(at));
                    }
                    at += 4;
                }
            }
            let default_size = default_size.or(trex_size.get(&track).copied());
            let base = base.unwrap_or(if flags & 0x2_0000 != 0 {
                moof as u64
            } else {
                previous_end
            });
            let mut next = base;
            for (_, r, _) in parts.iter().filter(|p| &p.0 == b"trun") {
                let flags = u32_at(*r) & 0xFF_FFFF;
                let count = u32_at(r + 4);
                let mut at = r + 8;
                let mut pos = next;
                if flags & 1 != 0 {
                    pos = (base as i64 + i64::from(u32_at(at) as i32)) as u64;
                    at += 4;
                }
                if flags & 4 != 0 {
                    at += 4;
                }
                for _ in 0..count {
                    let mut size = default_size.expect("a sample size");
                    for bit in [0x100, 0x200, 0x400, 0x800] {
                        if flags & bit != 0 {
                            if bit == 0x200 {
                                size = u32_at(at);
                            }
                            at += 4;
                        }
                    }
                    out.push((pos as usize, size as usize));
                    pos += u64::from(size);
                }
                next = pos;
            }
            previous_end = next;
        }
    }
    out
}

/// A JPEG segment.
pub fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    [
        &[0xFF, marker][..],
        &((payload.len() + 2) as u16).to_be_bytes(),
        payload,
    ]
    .concat()
}

/// How the `jpeg` item of [`heif_with_jpeg_item`] is stored.
#[derive(Debug, Clone, Copy)]
pub struct JpegItem<'a> {
    /// Offsets into the JPEG where a new extent starts (planted bytes in between).
    pub splits: &'a [usize],
    /// In `idat` (construction method 1) rather than `mdat`.
    pub idat: bool,
    /// A `jpgC` property (the JPEG's header, stored apart).
    pub jpgc: Option<&'a [u8]>,
    pub construction_method: u16,
}

pub const ITEM: JpegItem<'static> = JpegItem {
    splits: &[],
    idat: false,
    jpgc: None,
    construction_method: 0,
};

/// A HEIF file whose primary picture is a `jpeg` item holding `jpeg` (64×48), as a
/// camera or app writing JPEG-coded HEIF makes it; and the absolute ranges of the
/// item's extents.
pub fn heif_with_jpeg_item(jpeg: &[u8], item: JpegItem) -> (Vec<u8>, Vec<std::ops::Range<usize>>) {
    let mut cuts = vec![0];
    cuts.extend_from_slice(item.splits);
    cuts.push(jpeg.len());
    let gap = b"Ramesh Kumar +919876543210";
    // The item's data, the parts separated by planted bytes; where each part starts.
    let mut data = vec![];
    let mut parts = vec![];
    for w in cuts.windows(2) {
        if !parts.is_empty() {
            data.extend_from_slice(gap);
        }
        parts.push((data.len(), w[1] - w[0]));
        data.extend_from_slice(&jpeg[w[0]..w[1]]);
    }
    let meta = |data_at: usize| -> Vec<u8> {
        let hdlr = full_box(b"hdlr", 0, 0, &[&[0; 4][..], b"pict", &[0; 13]].concat());
        let pitm = full_box(b"pitm", 0, 0, &1u16.to_be_bytes());
        // Version 1: 4-byte offsets and lengths, no base offset or index.
        let mut iloc = vec![0x44, 0x00];
        iloc.extend_from_slice(&1u16.to_be_bytes());
        iloc.extend_from_slice(&1u16.to_be_bytes()); // item 1
        iloc.extend_from_slice(&item.construction_method.to_be_bytes());
        iloc.extend_from_slice(&0u16.to_be_bytes()); // this file
        iloc.extend_from_slice(&(parts.len() as u16).to_be_bytes());
        for (at, len) in &parts {
            iloc.extend_from_slice(&((data_at + at) as u32).to_be_bytes());
            iloc.extend_from_slice(&(*len as u32).to_be_bytes());
        }
        let iloc = full_box(b"iloc", 1, 0, &iloc);
        let infe = full_box(
            b"infe",
            2,
            0,
            &[&1u16.to_be_bytes()[..], &[0, 0], b"jpeg", b"\0"].concat(),
        );
        let iinf = full_box(b"iinf", 0, 0, &[&1u16.to_be_bytes()[..], &infe].concat());
        let mut ipco = full_box(b"ispe", 0, 0, &[64u32.to_be_bytes(), 48u32.to_be_bytes()].concat());
        let mut associations = vec![0x81];
        if let Some(header) = item.jpgc {
            ipco.extend(bx(b"jpgC", header));
            associations.push(0x82);
        }
        let ipma = full_box(
            b"ipma",
            0,
            0,
            &[
                &1u32.to_be_bytes()[..],
                &1u16.to_be_bytes(),
                &[associations.len() as u8],
                &associations,
            ]
            .concat(),
        );
        let iprp = bx(b"iprp", &[bx(b"ipco", &ipco), ipma].concat());
        let mut kids = [hdlr, pitm, iloc, iinf, iprp].concat();
        if item.idat {
            kids.extend(bx(b"idat", &data));
        }
        full_box(b"meta", 0, 0, &kids)
    };
    let ftyp = bx(b"ftyp", b"mif1\0\0\0\0mif1miaf");
    let (file, data_at) = if item.idat {
        ([ftyp, meta(0)].concat(), None)
    } else {
        let data_at = ftyp.len() + meta(0).len() + 8;
        ([ftyp, meta(data_at), bx(b"mdat", &data)].concat(), Some(data_at))
    };
    let base = match data_at {
        Some(at) => at,
        // The idat body: after its 8-byte header, at the end of the file.
        None => file.len() - data.len(),
    };
    let ranges = parts.iter().map(|(at, len)| base + at..base + at + len).collect();
    (file, ranges)
}

/// 32-bit sizes and counts at and near the integer limits (and the small ones that
/// mean "to the end" or "a bare header").
pub const NEAR32: [u32; 12] = [
    0,
    1,
    7,
    8,
    15,
    16,
    0x7FFF_FFFF,
    0x8000_0000,
    u32::MAX - 15,
    u32::MAX - 7,
    u32::MAX - 1,
    u32::MAX,
];

/// 64-bit sizes and offsets at and near the integer limits.
pub const NEAR64: [u64; 13] = [
    0,
    1,
    7,
    8,
    15,
    16,
    u32::MAX as u64,
    u32::MAX as u64 + 8,
    i64::MAX as u64,
    u64::MAX - 15,
    u64::MAX - 7,
    u64::MAX - 1,
    u64::MAX,
];
