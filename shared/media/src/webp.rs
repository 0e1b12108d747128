//! WebP: drop the EXIF, XMP and ICC chunks and clear their flags.

use crate::{MediaError, malformed};

/// VP8X flag bits for the chunks we drop.
const FLAG_ICC: u8 = 0x20;
const FLAG_EXIF: u8 = 0x08;
const FLAG_XMP: u8 = 0x04;

pub(crate) fn strip(input: &[u8]) -> Result<(Vec<u8>, Vec<&'static str>), MediaError> {
    if input.get(..4) != Some(b"RIFF") || input.get(8..12) != Some(b"WEBP") {
        return Err(malformed("WebP", "not a RIFF WEBP file"));
    }
    let riff_size = u32::from_le_bytes([input[4], input[5], input[6], input[7]]) as usize;
    let end = (8 + riff_size).min(input.len());
    let mut body = vec![];
    let mut removed = vec![];
    let mut pos = 12;
    while pos + 8 <= end {
        let fourcc = &input[pos..pos + 4];
        let size = u32::from_le_bytes([input[pos + 4], input[pos + 5], input[pos + 6], input[pos + 7]]) as usize;
        let padded = size + (size & 1);
        let chunk_end = pos + 8 + padded;
        let chunk = input
            .get(pos..chunk_end.min(end))
            .ok_or_else(|| malformed("WebP", "chunk runs past the end"))?;
        if chunk_end > end && pos + 8 + size > end {
            return Err(malformed("WebP", "chunk runs past the end"));
        }
        match fourcc {
            b"EXIF" => removed.push("exif"),
            b"XMP " => removed.push("xmp"),
            b"ICCP" => removed.push("icc profile"),
            b"VP8X" => {
                let mut chunk = chunk.to_vec();
                if let Some(flags) = chunk.get_mut(8) {
                    *flags &= !(FLAG_ICC | FLAG_EXIF | FLAG_XMP);
                }
                body.extend_from_slice(&chunk);
            }
            _ => body.extend_from_slice(chunk),
        }
        pos = chunk_end;
    }
    let mut out = Vec::with_capacity(body.len() + 12);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&body);
    Ok((out, removed))
}
