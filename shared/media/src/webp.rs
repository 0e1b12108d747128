//! WebP: keep only the image chunks, rebuild the RIFF and VP8X headers.
//!
//! A WebP file is a RIFF container of chunks (four-character code, 32-bit little-endian
//! size, data padded to an even length). The allow-list is what a decoder reads:
//! `VP8 ` (lossy), `VP8L` (lossless), `VP8X` (extended header), `ALPH` (alpha), `ANIM`
//! and `ANMF` (animation; the frames inside an `ANMF` are filtered the same way).
//! EXIF, XMP, the ICC profile and any unknown chunk are dropped, the VP8X flags that
//! announce them are cleared, and the RIFF size is recomputed.

use crate::bytes::{OrMalformed, le_u32, note, range_within, to_usize};
use crate::{MediaError, malformed};

const F: &str = "WebP";

/// VP8X flag bits for the chunks we drop.
const FLAG_ICC: u8 = 0x20;
const FLAG_EXIF: u8 = 0x08;
const FLAG_XMP: u8 = 0x04;

/// Chunks a decoder needs at the top level, and inside an animation frame.
const KEEP: [&[u8; 4]; 6] = [b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF"];
const FRAME_KEEP: [&[u8; 4]; 3] = [b"VP8 ", b"VP8L", b"ALPH"];

/// Size of the frame header at the start of an `ANMF` chunk's data.
const ANMF_HEADER: usize = 16;

pub(crate) fn strip(input: &[u8]) -> Result<(Vec<u8>, Vec<&'static str>), MediaError> {
    if input.get(..4) != Some(b"RIFF") || input.get(8..12) != Some(b"WEBP") {
        return Err(malformed(F, "not a RIFF WEBP file"));
    }
    let riff_size = to_usize(le_u32(input, 4).or_bad(F, "truncated RIFF header")?).or_bad(F, "RIFF too large")?;
    let mut removed = vec![];
    // The RIFF size counts from byte 8; a file cut short is read as far as it goes.
    let end = match riff_size.checked_add(8) {
        Some(e) if e <= input.len() => {
            if e < input.len() {
                note(&mut removed, "trailing data");
            }
            e
        }
        _ => input.len(),
    };
    let mut body = filter(input, 12, end, &KEEP, &mut removed)?;
    if !body.chunks.iter().any(|c| matches!(&c.0, b"VP8 " | b"VP8L" | b"ANMF")) {
        return Err(malformed(F, "no image data"));
    }
    for (fourcc, data) in &mut body.chunks {
        match &*fourcc {
            b"VP8X" => {
                if let Some(flags) = data.first_mut() {
                    *flags &= !(FLAG_ICC | FLAG_EXIF | FLAG_XMP);
                }
            }
            b"ANMF" => {
                let frame_end = data.len();
                let header = data.get(..ANMF_HEADER).or_bad(F, "truncated animation frame")?.to_vec();
                let inner = filter(data, ANMF_HEADER, frame_end, &FRAME_KEEP, &mut removed)?;
                *data = header;
                data.extend_from_slice(&inner.serialise()?);
            }
            _ => {}
        }
    }
    let chunks = body.serialise()?;
    let size = u32::try_from(chunks.len() + 4).map_err(|_| malformed(F, "file too large"))?;
    let mut out = Vec::with_capacity(chunks.len() + 12);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&chunks);
    Ok((out, removed))
}

/// The chunks of `buf[start..end]` whose codes are in `keep`, in order.
struct Chunks {
    chunks: Vec<([u8; 4], Vec<u8>)>,
}

impl Chunks {
    fn serialise(&self) -> Result<Vec<u8>, MediaError> {
        let mut out = vec![];
        for (fourcc, data) in &self.chunks {
            let size = u32::try_from(data.len()).map_err(|_| malformed(F, "chunk too large"))?;
            out.extend_from_slice(fourcc);
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(data);
            if data.len() % 2 == 1 {
                out.push(0);
            }
        }
        Ok(out)
    }
}

fn filter(
    buf: &[u8],
    start: usize,
    end: usize,
    keep: &[&[u8; 4]],
    removed: &mut Vec<&'static str>,
) -> Result<Chunks, MediaError> {
    let mut chunks = vec![];
    let mut pos = start;
    while end.saturating_sub(pos) >= 8 {
        let fourcc = crate::bytes::fourcc(buf, pos).or_bad(F, "truncated chunk header")?;
        let size = to_usize(le_u32(buf, pos + 4).or_bad(F, "truncated chunk header")?).or_bad(F, "chunk too large")?;
        let data = range_within(pos + 8, size, end).or_bad(F, "chunk runs past the end")?;
        if keep.contains(&&fourcc) {
            chunks.push((fourcc, buf.get(data.clone()).unwrap_or_default().to_vec()));
        } else {
            note(
                removed,
                match &fourcc {
                    b"EXIF" => "exif",
                    b"XMP " => "xmp",
                    b"ICCP" => "icc profile",
                    _ => "other chunk",
                },
            );
        }
        // Data is padded to an even length; the last chunk's pad byte may be missing.
        pos = (data.end + (size & 1)).min(end);
    }
    if pos < end {
        note(removed, "trailing data");
    }
    Ok(Chunks { chunks })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(fourcc: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = fourcc.to_vec();
        c.extend_from_slice(&(data.len() as u32).to_le_bytes());
        c.extend_from_slice(data);
        if data.len() % 2 == 1 {
            c.push(0);
        }
        c
    }

    fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body = chunks.concat();
        let mut f = b"RIFF".to_vec();
        f.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
        f.extend_from_slice(b"WEBP");
        f.extend_from_slice(&body);
        f
    }

    #[test]
    fn unknown_chunks_go_and_flags_are_cleared() {
        let mut vp8x = vec![FLAG_ICC | FLAG_EXIF | FLAG_XMP | 0x10 | 0x02, 0, 0, 0];
        vp8x.extend_from_slice(&[0; 6]);
        let mut anmf = vec![0u8; ANMF_HEADER];
        anmf.extend_from_slice(&chunk(b"VP8L", b"frame"));
        anmf.extend_from_slice(&chunk(b"ZZZZ", b"Ramesh Kumar"));
        let file = riff(&[
            chunk(b"VP8X", &vp8x),
            chunk(b"ICCP", b"profile"),
            chunk(b"ANIM", &[0; 6]),
            chunk(b"ANMF", &anmf),
            chunk(b"EXIF", b"Exif"),
            chunk(b"XMP ", b"<x/>"),
            chunk(b"ABCD", b"+919876543210"),
        ]);
        let (out, removed) = strip(&file).expect("strip");
        assert_eq!(out[20], 0x10 | 0x02, "animation and alpha flags stay");
        assert_eq!(
            u32::from_le_bytes(out[4..8].try_into().unwrap()) as usize,
            out.len() - 8
        );
        for gone in [&b"ICCP"[..], b"EXIF", b"XMP ", b"ABCD", b"ZZZZ", b"Ramesh", b"+9198"] {
            assert!(
                !out.windows(gone.len()).any(|w| w == gone),
                "{:?}",
                String::from_utf8_lossy(gone)
            );
        }
        assert!(out.windows(5).any(|w| w == b"frame"));
        assert_eq!(removed, vec!["icc profile", "exif", "xmp", "other chunk"]);
    }

    #[test]
    fn sizes_near_the_limits_are_malformed() {
        for size in [u32::MAX, u32::MAX - 7, u32::MAX - 1, 1 << 31] {
            let mut file = riff(&[chunk(b"VP8L", b"pixels")]);
            file.extend_from_slice(b"EXIF");
            file.extend_from_slice(&size.to_le_bytes());
            file.extend_from_slice(&[0; 8]);
            let riff_len = (file.len() - 8) as u32;
            file[4..8].copy_from_slice(&riff_len.to_le_bytes());
            assert!(matches!(strip(&file), Err(MediaError::Malformed { .. })), "{size}");
        }
    }
}
