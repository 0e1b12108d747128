//! MP3 (and ADTS AAC): rebuilt from validated audio frames only.
//!
//! Tags in these files are not part of any container: ID3v2 at the start (or
//! appended at the end, found by its "3DI" footer), ID3v1 ("TAG") at the end, APE
//! tags, Lyrics3, and whatever else a tool wrote between frames. Rather than
//! recognise each of them (a deny-list), the file is rebuilt from what a decoder
//! plays: runs of consecutive frames whose headers are valid and agree (same
//! version, layer and sample rate). A run counts only when it is at least
//! [`MIN_RUN`] frames long, so a stray sync pattern inside a tag or a picture is not
//! taken for audio. Everything between and around the runs is dropped, so frames come
//! out byte for byte as they went in and nothing else does.

use crate::bytes::{be_u32, note, slice, u8_at};
use crate::{MediaError, malformed};

/// Frames in a row needed before bytes are taken for audio.
const MIN_RUN: usize = 3;

/// One frame: its length and what must agree between neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Frame {
    len: usize,
    key: u32,
}

pub(crate) fn strip(input: &[u8]) -> Result<(Vec<u8>, Vec<&'static str>), MediaError> {
    rebuild(input, skip_id3v2(input), mpeg_frame, "MP3")
}

/// ADTS AAC: a 7- or 9-byte header with a 13-bit frame length per frame.
pub(crate) fn strip_adts(input: &[u8]) -> Result<(Vec<u8>, Vec<&'static str>), MediaError> {
    rebuild(input, skip_id3v2(input), adts_frame, "AAC")
}

/// Where the audio may begin: after any ID3v2 tags at the start, skipped by their
/// declared size (so an embedded picture is never scanned for frames).
fn skip_id3v2(input: &[u8]) -> usize {
    let mut pos = 0usize;
    while slice(input, pos, 3) == Some(b"ID3") {
        let Some(header) = slice(input, pos, 10) else { break };
        if header[6..10].iter().any(|b| b & 0x80 != 0) {
            break;
        }
        let size = header[6..10]
            .iter()
            .fold(0usize, |acc, b| (acc << 7) | usize::from(b & 0x7F));
        let footer = if header[5] & 0x10 != 0 { 10 } else { 0 };
        pos = pos.saturating_add(10 + size + footer).min(input.len());
    }
    pos
}

fn rebuild(
    input: &[u8],
    start: usize,
    frame: fn(&[u8], usize) -> Option<Frame>,
    format: &'static str,
) -> Result<(Vec<u8>, Vec<&'static str>), MediaError> {
    let mut out = Vec::with_capacity(input.len());
    let mut removed = vec![];
    let mut gap_start = 0;
    let mut pos = start;
    while pos < input.len() {
        let Some(end) = run(input, pos, frame) else {
            pos += 1;
            continue;
        };
        classify(input.get(gap_start..pos).unwrap_or_default(), &mut removed);
        out.extend_from_slice(input.get(pos..end).unwrap_or_default());
        gap_start = end;
        pos = end;
    }
    classify(input.get(gap_start..).unwrap_or_default(), &mut removed);
    if out.is_empty() {
        return Err(malformed(format, "no audio frames"));
    }
    Ok((out, removed))
}

/// The end of the run of agreeing frames starting at `pos`, if it is long enough.
fn run(input: &[u8], pos: usize, frame: fn(&[u8], usize) -> Option<Frame>) -> Option<usize> {
    let first = frame(input, pos)?;
    let mut end = pos;
    let mut count = 0;
    while let Some(f) = frame(input, end) {
        // Every frame is longer than its header, so the run always advances.
        let next = end.checked_add(f.len).filter(|n| *n <= input.len());
        match next {
            Some(next) if f.key == first.key => {
                end = next;
                count += 1;
            }
            _ => break,
        }
    }
    (count >= MIN_RUN).then_some(end)
}

/// Names what was dropped, for the record.
fn classify(gap: &[u8], removed: &mut Vec<&'static str>) {
    if gap.is_empty() {
        return;
    }
    let has = |needle: &[u8]| gap.windows(needle.len()).any(|w| w == needle);
    let mut named = false;
    for (needle, name) in [
        (&b"ID3"[..], "id3v2"),
        (b"3DI", "id3v2"),
        (b"APETAGEX", "apev2"),
        (b"LYRICSBEGIN", "lyrics3"),
        (b"TAG", "id3v1"),
    ] {
        if has(needle) {
            note(removed, name);
            named = true;
        }
    }
    if !named {
        note(removed, "other data");
    }
}

/// Bit rates in kbit/s by [version 1 or 2/2.5][layer I, II, III][index].
const BITRATES: [[[u16; 15]; 3]; 2] = [
    [
        [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
        [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
    ],
    [
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    ],
];

/// Sample rates by [MPEG 2.5, reserved, 2, 1][index].
const SAMPLE_RATES: [[u32; 3]; 4] = [
    [11025, 12000, 8000],
    [0, 0, 0],
    [22050, 24000, 16000],
    [44100, 48000, 32000],
];

/// An MPEG audio frame header at `at` (free-format bit rate is not accepted: its
/// frame length cannot be computed).
fn mpeg_frame(input: &[u8], at: usize) -> Option<Frame> {
    let h = be_u32(input, at)?;
    if h >> 21 != 0x7FF {
        return None;
    }
    let version = ((h >> 19) & 3) as usize;
    let layer_bits = ((h >> 17) & 3) as usize;
    let bitrate_index = ((h >> 12) & 0xF) as usize;
    let rate_index = ((h >> 10) & 3) as usize;
    let padding = (h >> 9) & 1;
    if version == 1 || layer_bits == 0 || bitrate_index == 0 || bitrate_index == 15 || rate_index == 3 || h & 3 == 2 {
        return None;
    }
    // Layer bits: 3 = I, 2 = II, 1 = III.
    let layer = 3 - layer_bits;
    let v1 = version == 3;
    let bitrate = u32::from(*BITRATES.get(usize::from(!v1))?.get(layer)?.get(bitrate_index)?) * 1000;
    let rate = *SAMPLE_RATES.get(version)?.get(rate_index)?;
    let len = match layer {
        0 => (12 * bitrate / rate + padding) * 4,
        2 if !v1 => 72 * bitrate / rate + padding,
        _ => 144 * bitrate / rate + padding,
    };
    (len > 4).then_some(Frame {
        len: len as usize,
        key: h & 0xFFFE_0C00,
    })
}

/// An ADTS frame header at `at`.
fn adts_frame(input: &[u8], at: usize) -> Option<Frame> {
    let h = be_u32(input, at)?;
    // Sync word, layer 0.
    if h >> 20 != 0xFFF || (h >> 17) & 3 != 0 {
        return None;
    }
    let protection_absent = (h >> 16) & 1 == 1;
    let rate_index = (h >> 10) & 0xF;
    if rate_index > 12 {
        return None;
    }
    let len = (usize::from(u8_at(input, at + 3)? & 0x03) << 11)
        | (usize::from(u8_at(input, at + 4)?) << 3)
        | usize::from(u8_at(input, at + 5)? >> 5);
    let header = if protection_absent { 7 } else { 9 };
    (len > header).then_some(Frame {
        len,
        // Version, profile, sample rate and channel configuration must agree.
        key: h & 0xFFFF_FDC0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An MPEG-1 layer III frame at 128 kbit/s, 44.1 kHz: 417 bytes.
    fn frame(fill: u8) -> Vec<u8> {
        let mut f = vec![0xFF, 0xFB, 0x90, 0x64];
        f.resize(417, fill);
        f
    }

    #[test]
    fn keeps_frames_and_drops_everything_around_them() {
        let audio: Vec<u8> = (0..6).flat_map(frame).collect();
        let mut id3 = b"ID3\x04\x00\x00\x00\x00\x00\x10".to_vec();
        id3.extend_from_slice(&[b'R'; 16]);
        let file = [
            id3.clone(),
            audio[..417 * 3].to_vec(),
            b"junk between frames \xFF\xFB".to_vec(),
            audio[417 * 3..].to_vec(),
            b"APETAGEX........LYRICSBEGIN...3DI".to_vec(),
            [b"TAG".to_vec(), vec![b'x'; 125]].concat(),
            b"data after the tag".to_vec(),
        ]
        .concat();
        let (out, removed) = strip(&file).expect("strip");
        assert_eq!(out, audio);
        for name in ["id3v2", "apev2", "lyrics3", "id3v1", "other data"] {
            assert!(removed.contains(&name), "{name} in {removed:?}");
        }
    }

    #[test]
    fn a_lone_sync_pattern_is_not_audio() {
        let mut file = b"ID3\x03\x00\x00\x00\x00\x00\x00".to_vec();
        file.extend_from_slice(&frame(0)[..]);
        file.extend_from_slice(b"TAG");
        assert!(strip(&file).is_err(), "one frame is not a run");
        assert!(strip(b"ID3\x03\x00\x00\xFF\xFF\xFF\xFF").is_err());
    }
}
