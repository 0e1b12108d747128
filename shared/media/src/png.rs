//! PNG: keep only the chunks that affect how the image decodes and looks.

use crate::bytes::{OrMalformed, be_u32, fourcc, note, range_within, to_usize};
use crate::{MediaError, malformed};

const F: &str = "PNG";
const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// The end chunk: no data, and its CRC.
const IEND: &[u8] = b"\0\0\0\0IEND\xaeB`\x82";

/// Chunks kept: image data, colour rendering (not the ICC profile, which names its
/// maker and may carry a device and a date), and APNG animation. Text chunks, `eXIf`,
/// `tIME`, `iCCP`, suggested palettes (`sPLT`, which are named), and everything else,
/// private chunks included, go.
const KEEP: [&[u8; 4]; 16] = [
    b"IHDR", b"PLTE", b"IDAT", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"bKGD", b"pHYs", b"cICP", b"mDCv",
    b"cLLi", b"acTL", b"fcTL", b"fdAT",
];

pub(crate) fn strip(input: &[u8]) -> Result<(Vec<u8>, Vec<&'static str>), MediaError> {
    if !input.starts_with(SIGNATURE) {
        return Err(malformed(F, "bad signature"));
    }
    let mut out = SIGNATURE.to_vec();
    let mut removed = vec![];
    let mut pos = SIGNATURE.len();
    loop {
        let len = be_u32(input, pos).or_bad(F, "truncated chunk header")?;
        let kind = fourcc(input, pos + 4).or_bad(F, "truncated chunk header")?;
        // PNG limits chunk lengths to 2^31 - 1.
        if len > 0x7FFF_FFFF {
            return Err(malformed(F, "chunk length too large"));
        }
        if pos == SIGNATURE.len() && &kind != b"IHDR" {
            return Err(malformed(F, "first chunk is not IHDR"));
        }
        // Length, type, data and CRC: at least 12 bytes, so the walk always advances.
        let total = to_usize(len)
            .and_then(|l| l.checked_add(12))
            .or_bad(F, "chunk length overflows")?;
        let chunk = range_within(pos, total, input.len()).or_bad(F, "chunk runs past the end")?;
        if &kind == b"IEND" {
            // IEND carries no data: written afresh, so nothing can ride along in it.
            out.extend_from_slice(IEND);
            if len > 0 {
                note(&mut removed, "trailing data");
            }
        } else if KEEP.contains(&&kind) {
            out.extend_from_slice(&input[chunk.clone()]);
        } else {
            note(
                &mut removed,
                match &kind {
                    b"tEXt" | b"zTXt" | b"iTXt" => "text",
                    b"eXIf" => "exif",
                    b"tIME" => "time",
                    b"iCCP" => "icc profile",
                    _ => "other chunk",
                },
            );
        }
        pos = chunk.end;
        if &kind == b"IEND" {
            break;
        }
    }
    if pos < input.len() {
        note(&mut removed, "trailing data");
    }
    Ok((out, removed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0; 4]);
        c
    }

    #[test]
    fn lengths_near_the_limits_are_malformed() {
        for len in [u32::MAX, u32::MAX - 7, 0x8000_0000, 0x7FFF_FFFF, 1000] {
            let mut file = SIGNATURE.to_vec();
            file.extend_from_slice(&chunk(b"IHDR", &[0; 13]));
            file.extend_from_slice(&len.to_be_bytes());
            file.extend_from_slice(b"tEXt");
            file.extend_from_slice(&[0; 16]);
            assert!(matches!(strip(&file), Err(MediaError::Malformed { .. })), "{len}");
        }
    }

    #[test]
    fn only_listed_chunks_survive() {
        let mut file = SIGNATURE.to_vec();
        for (kind, data) in [
            (b"IHDR", &[0u8; 13][..]),
            (b"tIME", &[7; 7]),
            (b"sPLT", b"Ramesh\0"),
            (b"prVt", b"+919876543210"),
            (b"IDAT", &[1, 2, 3]),
            (b"IEND", &[]),
        ] {
            file.extend_from_slice(&chunk(kind, data));
        }
        file.extend_from_slice(b"appended");
        let (out, removed) = strip(&file).expect("strip");
        let kept: Vec<&[u8]> = [b"IHDR", b"IDAT", b"IEND"].iter().map(|k| &k[..]).collect();
        let mut at = 8;
        let mut seen = vec![];
        while at < out.len() {
            let len = u32::from_be_bytes(out[at..at + 4].try_into().unwrap()) as usize;
            seen.push(&out[at + 4..at + 8]);
            at += 12 + len;
        }
        assert_eq!(seen, kept);
        assert_eq!(removed, vec!["time", "other chunk", "trailing data"]);
    }
}
