//! JPEG: drop EXIF, XMP, IPTC, comments and appended images; keep the orientation.
//!
//! A JPEG is a run of marker segments; after each start-of-scan comes entropy-coded
//! data in which 0xFF is always followed by 0x00 (stuffing) or a restart marker, so
//! the next real marker can be found by scanning. Segments that carry metadata are
//! dropped; everything that affects decoding is copied byte for byte. Whatever follows
//! the end-of-image marker (phones append depth maps and second images, with their
//! own EXIF) is dropped too.

use crate::{MediaError, malformed};

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const APP1: u8 = 0xE1;
const APP2: u8 = 0xE2;
const COM: u8 = 0xFE;

pub(crate) fn strip(input: &[u8]) -> Result<(Vec<u8>, Vec<&'static str>), MediaError> {
    if input.get(..2) != Some(&[0xFF, SOI]) {
        return Err(malformed("JPEG", "no start-of-image marker"));
    }
    let mut out = Vec::with_capacity(input.len());
    out.extend_from_slice(&[0xFF, SOI]);
    let mut removed = vec![];
    let mut orientation: Option<u16> = None;
    let mut wrote_orientation = false;
    let mut pos = 2;
    loop {
        // Find the next marker (skipping fill bytes).
        if pos >= input.len() {
            return Err(malformed("JPEG", "ends without end-of-image"));
        }
        if input[pos] != 0xFF {
            return Err(malformed("JPEG", format!("expected a marker at byte {pos}")));
        }
        while input.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *input
            .get(pos + 1)
            .ok_or_else(|| malformed("JPEG", "truncated marker"))?;
        if marker == EOI {
            out.extend_from_slice(&[0xFF, EOI]);
            if pos + 2 < input.len() {
                removed.push("trailing data");
            }
            break;
        }
        if (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            // Standalone markers carry no length.
            out.extend_from_slice(&[0xFF, marker]);
            pos += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([
            *input
                .get(pos + 2)
                .ok_or_else(|| malformed("JPEG", "truncated segment"))?,
            *input
                .get(pos + 3)
                .ok_or_else(|| malformed("JPEG", "truncated segment"))?,
        ]));
        if len < 2 {
            return Err(malformed("JPEG", "segment length below 2"));
        }
        let end = pos + 2 + len;
        let segment = input
            .get(pos..end)
            .ok_or_else(|| malformed("JPEG", "segment runs past the end"))?;
        let payload = &segment[4..];
        let drop = match marker {
            APP1 if payload.starts_with(b"Exif\0") => {
                orientation = orientation.or_else(|| exif_orientation(&payload[6.min(payload.len())..]));
                Some("exif")
            }
            APP1 => Some("xmp"),
            // ICC profiles are kept for colour; multi-picture (MPF) and FlashPix are not.
            APP2 if !payload.starts_with(b"ICC_PROFILE\0") => Some("app2"),
            0xE3..=0xED | 0xEF => Some(if marker == 0xED { "iptc" } else { "app segment" }),
            COM => Some("comment"),
            _ => None,
        };
        match drop {
            Some(what) => {
                if !removed.contains(&what) {
                    removed.push(what);
                }
            }
            None => {
                // The orientation goes back in as the only EXIF tag, before the frame.
                if !wrote_orientation && is_frame_or_scan(marker) {
                    if let Some(o) = orientation.filter(|o| *o != 1) {
                        out.extend_from_slice(&orientation_segment(o));
                    }
                    wrote_orientation = true;
                }
                out.extend_from_slice(segment);
            }
        }
        pos = end;
        if marker == SOS {
            // Copy entropy-coded data up to the next marker that is not a restart.
            let start = pos;
            while pos + 1 < input.len() {
                if input[pos] == 0xFF && input[pos + 1] != 0x00 && !(0xD0..=0xD7).contains(&input[pos + 1]) {
                    break;
                }
                pos += 1;
            }
            if pos + 1 >= input.len() {
                return Err(malformed("JPEG", "scan data runs to the end without end-of-image"));
            }
            out.extend_from_slice(&input[start..pos]);
        }
    }
    Ok((out, removed))
}

fn is_frame_or_scan(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF | SOS | 0xDB | 0xDD) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
}

/// The Orientation tag (0x0112) of IFD0 in a TIFF-structured EXIF block.
fn exif_orientation(tiff: &[u8]) -> Option<u16> {
    let big = match tiff.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b = [*tiff.get(at)?, *tiff.get(at + 1)?];
        Some(if big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b = [
            *tiff.get(at)?,
            *tiff.get(at + 1)?,
            *tiff.get(at + 2)?,
            *tiff.get(at + 3)?,
        ];
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    (0..count.min(512)).find_map(|i| {
        let entry = ifd + 2 + i * 12;
        (u16_at(entry)? == 0x0112).then(|| u16_at(entry + 8)).flatten()
    })
}

/// An APP1 EXIF segment holding only the orientation, so the picture still shows the
/// right way up without anything else from the camera.
fn orientation_segment(orientation: u16) -> Vec<u8> {
    let mut tiff = vec![];
    tiff.extend_from_slice(b"MM\0\x2a");
    tiff.extend_from_slice(&8u32.to_be_bytes()); // IFD0 right after the header
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // count
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // padding of the 4-byte value field
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut segment = vec![0xFF, APP1];
    let len = (2 + 6 + tiff.len()) as u16;
    segment.extend_from_slice(&len.to_be_bytes());
    segment.extend_from_slice(b"Exif\0\0");
    segment.extend_from_slice(&tiff);
    segment
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orientation_segment_reads_back() {
        let seg = orientation_segment(6);
        assert_eq!(exif_orientation(&seg[10..]), Some(6));
    }

    #[test]
    fn refuses_non_jpeg_and_truncation() {
        assert!(strip(b"not a jpeg").is_err());
        assert!(strip(&[0xFF, 0xD8, 0xFF, 0xE1, 0x00]).is_err());
        assert!(strip(&[0xFF, 0xD8]).is_err());
    }
}
