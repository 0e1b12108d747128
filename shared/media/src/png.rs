//! PNG: keep only the chunks that affect how the image decodes and looks.

use crate::{MediaError, malformed};

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Chunks kept: image data and colour rendering, and APNG animation. Text chunks,
/// `eXIf`, `tIME` and the rest (including private chunks) go.
const KEEP: [&[u8; 4]; 14] = [
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"bKGD", b"pHYs", b"acTL",
    b"fcTL", b"fdAT",
];

pub(crate) fn strip(input: &[u8]) -> Result<(Vec<u8>, Vec<&'static str>), MediaError> {
    if !input.starts_with(SIGNATURE) {
        return Err(malformed("PNG", "bad signature"));
    }
    let mut out = SIGNATURE.to_vec();
    let mut removed = vec![];
    let mut pos = SIGNATURE.len();
    loop {
        let header = input
            .get(pos..pos + 8)
            .ok_or_else(|| malformed("PNG", "truncated chunk header"))?;
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind: [u8; 4] = [header[4], header[5], header[6], header[7]];
        let end = pos
            .checked_add(12 + len)
            .ok_or_else(|| malformed("PNG", "chunk length overflows"))?;
        let chunk = input
            .get(pos..end)
            .ok_or_else(|| malformed("PNG", "chunk runs past the end"))?;
        if KEEP.contains(&&kind) {
            out.extend_from_slice(chunk);
        } else {
            let what = match &kind {
                b"tEXt" | b"zTXt" | b"iTXt" => "text",
                b"eXIf" => "exif",
                b"tIME" => "time",
                b"iCCP" => "icc profile",
                _ => "other chunk",
            };
            if !removed.contains(&what) {
                removed.push(what);
            }
        }
        pos = end;
        if &kind == b"IEND" {
            break;
        }
    }
    if pos < input.len() {
        removed.push("trailing data");
    }
    Ok((out, removed))
}
