//! JPEG: keep only the segments decoding needs, plus a minimal orientation.
//!
//! A JPEG is a run of marker segments; after each start-of-scan comes entropy-coded
//! data in which 0xFF is always followed by 0x00 (stuffing) or a restart marker, so
//! the next real marker can be found by scanning. The allow-list is what a decoder
//! reads: frame headers (SOFn), Huffman and arithmetic tables (DHT, DAC), quantisation
//! tables (DQT), restart interval (DRI), scans (SOS and their data), DNL and EOI.
//! Everything else goes: all APPn segments (EXIF, XMP, IPTC, JFIF and JFXX with their
//! thumbnails, the ICC profile, MPF, maker segments), comments, and whatever follows
//! the end-of-image marker (phones append depth maps and second images with their own
//! EXIF). Two things are rebuilt from scratch, in place, rather than copied: the EXIF
//! orientation (so the picture still shows the right way up) and Adobe's colour
//! transform flag (without which an RGB or CMYK JPEG would decode with wrong colours).
//!
//! A JPEG inside another container (a HEIF `jpeg` item) cannot shrink, since offsets
//! point past it: [`blank_in_place`] zeroes the payloads of the same segments instead,
//! keeping their markers and lengths.

use crate::bytes::{OrMalformed, be_u16, be_u32, to_usize};
use crate::{MediaError, bytes::note, malformed};

const F: &str = "JPEG";
const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const APP1: u8 = 0xE1;
const APP14: u8 = 0xEE;
const COM: u8 = 0xFE;

/// Segments copied as they are: SOF0-3, 5-7, 9-11, 13-15, DHT, DAC, DQT, DNL, DRI
/// and SOS.
fn decoding_needs(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF | 0xDA..=0xDD) && marker != 0xC8
}

pub(crate) fn strip(input: &[u8]) -> Result<(Vec<u8>, Vec<&'static str>), MediaError> {
    if input.get(..2) != Some(&[0xFF, SOI]) {
        return Err(malformed(F, "no start-of-image marker"));
    }
    let mut out = Vec::with_capacity(input.len());
    out.extend_from_slice(&[0xFF, SOI]);
    let mut removed = vec![];
    let (mut wrote_orientation, mut wrote_adobe) = (false, false);
    let (mut frame, mut scan) = (false, false);
    let mut pos = 2;
    loop {
        // Find the next marker (skipping fill bytes).
        if input.get(pos) != Some(&0xFF) {
            return Err(malformed(F, format!("expected a marker at byte {pos}")));
        }
        while input.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *input.get(pos + 1).or_bad(F, "truncated marker")?;
        if marker == EOI {
            if !(frame && scan) {
                return Err(malformed(F, "no image before end-of-image"));
            }
            out.extend_from_slice(&[0xFF, EOI]);
            if pos + 2 < input.len() {
                note(&mut removed, "trailing data");
            }
            break;
        }
        if (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            // Standalone markers carry no length.
            out.extend_from_slice(&[0xFF, marker]);
            pos += 2;
            continue;
        }
        if marker == SOI || marker == 0x00 {
            return Err(malformed(F, "unexpected marker"));
        }
        let len = usize::from(be_u16(input, pos + 2).or_bad(F, "truncated segment")?);
        if len < 2 {
            return Err(malformed(F, "segment length below 2"));
        }
        let end = pos + 2 + len;
        let segment = input.get(pos..end).or_bad(F, "segment runs past the end")?;
        let payload = segment.get(4..).unwrap_or_default();
        if decoding_needs(marker) {
            frame |= matches!(marker, 0xC0..=0xCF) && marker != 0xC4 && marker != 0xCC;
            scan |= marker == SOS;
            out.extend_from_slice(segment);
        } else {
            if marker == APP1 && payload.starts_with(b"Exif\0") && !wrote_orientation {
                // The first EXIF segment is replaced, where it was, by one that holds
                // only the orientation.
                wrote_orientation = true;
                if let Some(o) = exif_orientation(payload.get(6..).unwrap_or_default()).filter(|o| *o != 1) {
                    out.extend_from_slice(&orientation_segment(o));
                }
            }
            if marker == APP14
                && payload.starts_with(b"Adobe")
                && !wrote_adobe
                && let Some(t) = payload.get(11)
            {
                // Rebuilt in place with nothing but the colour transform.
                wrote_adobe = true;
                out.extend_from_slice(&adobe_segment(*t));
            }
            note(&mut removed, segment_name(marker, payload));
        }
        pos = end;
        if marker == SOS {
            // Copy entropy-coded data up to the next marker that is not a restart.
            let start = pos;
            pos = scan_end(input, pos)?;
            out.extend_from_slice(input.get(start..pos).unwrap_or_default());
        }
    }
    Ok((out, removed))
}

/// What a segment that is not needed for decoding is, for the evidence record.
fn segment_name(marker: u8, payload: &[u8]) -> &'static str {
    match marker {
        APP1 if payload.starts_with(b"Exif\0") => "exif",
        APP1 => "xmp",
        0xE0 => "jfif",
        0xE2 if payload.starts_with(b"ICC_PROFILE\0") => "icc profile",
        0xED => "iptc",
        COM => "comment",
        0xE2..=0xEF => "app segment",
        _ => "other segment",
    }
}

/// Where the entropy-coded data that starts at `pos` ends: at the next marker that is
/// neither stuffing (0xFF00) nor a restart marker.
fn scan_end(input: &[u8], mut pos: usize) -> Result<usize, MediaError> {
    loop {
        match (input.get(pos), input.get(pos + 1)) {
            (Some(0xFF), Some(next)) if *next != 0x00 && !(0xD0..=0xD7).contains(next) => return Ok(pos),
            (Some(_), Some(_)) => pos += 1,
            _ => return Err(malformed(F, "scan data runs to the end without end-of-image")),
        }
    }
}

/// Blanks, in place, what [`strip`] would drop from one JPEG held inside another
/// container (a HEIF `jpeg` item), where nothing may move: the payload of every APPn
/// segment (EXIF, XMP, JFIF, ICC, IPTC, MPF, maker segments) and every comment is
/// zeroed and its marker and length are kept, so the segment still parses and is
/// skipped by decoders; an Adobe segment keeps only its colour transform. No EXIF
/// orientation is kept: the container says how to show the picture.
///
/// Returns the length of the JPEG up to and including its end-of-image marker; what
/// follows it (phones append second images with their own EXIF) is left for the caller,
/// which must not keep it. A segment that is neither needed for decoding nor APPn nor
/// a comment (hierarchical or extension segments) cannot be blanked safely in place:
/// the file is refused.
pub(crate) fn blank_in_place(data: &mut [u8], removed: &mut Vec<&'static str>) -> Result<usize, MediaError> {
    if data.get(..2) != Some(&[0xFF, SOI]) {
        return Err(malformed(F, "no start-of-image marker"));
    }
    blank_segments(data, 2, true, removed)
}

/// [`blank_in_place`] for a run of header segments without an image (a HEIF `jpgC`
/// property: the start of every JPEG item of that image, stored apart). A start-of-image
/// marker may lead; a scan or an end-of-image marker is refused.
pub(crate) fn blank_header_in_place(data: &mut [u8], removed: &mut Vec<&'static str>) -> Result<(), MediaError> {
    let start = if data.get(..2) == Some(&[0xFF, SOI]) { 2 } else { 0 };
    blank_segments(data, start, false, removed).map(|_| ())
}

fn blank_segments(
    data: &mut [u8],
    mut pos: usize,
    image: bool,
    removed: &mut Vec<&'static str>,
) -> Result<usize, MediaError> {
    let refuse = |why: &str| MediaError::Unsupported(format!("JPEG inside another file with {why}"));
    let (mut frame, mut scan) = (false, false);
    loop {
        if !image && pos == data.len() {
            return Ok(pos);
        }
        if data.get(pos) != Some(&0xFF) {
            return Err(malformed(F, format!("expected a marker at byte {pos}")));
        }
        while data.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *data.get(pos + 1).or_bad(F, "truncated marker")?;
        if marker == EOI {
            if !image {
                return Err(refuse("an end-of-image marker in its header"));
            }
            if !(frame && scan) {
                return Err(malformed(F, "no image before end-of-image"));
            }
            return Ok(pos + 2);
        }
        if (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            pos += 2;
            continue;
        }
        if marker == SOI || marker == 0x00 {
            return Err(malformed(F, "unexpected marker"));
        }
        let len = usize::from(be_u16(data, pos + 2).or_bad(F, "truncated segment")?);
        if len < 2 {
            return Err(malformed(F, "segment length below 2"));
        }
        let end = pos + 2 + len;
        let payload = data.get_mut(pos + 4..end).or_bad(F, "segment runs past the end")?;
        if decoding_needs(marker) {
            if marker == SOS && !image {
                return Err(refuse("a scan in its header"));
            }
            frame |= matches!(marker, 0xC0..=0xCF) && marker != 0xC4 && marker != 0xCC;
            scan |= marker == SOS;
        } else if matches!(marker, 0xE0..=0xEF | COM) {
            let what = segment_name(marker, payload);
            let changed = match (marker, payload.get(11).copied()) {
                (APP14, Some(transform)) if payload.starts_with(b"Adobe") => {
                    // Version 100, no flags, the transform; the rest zeroed.
                    let adobe = adobe_segment(transform);
                    let fixed = adobe.get(4..).unwrap_or_default();
                    let changed = payload.get(..fixed.len()) != Some(fixed)
                        || payload
                            .get(fixed.len()..)
                            .is_some_and(|rest| rest.iter().any(|b| *b != 0));
                    payload.fill(0);
                    if let Some(head) = payload.get_mut(..fixed.len()) {
                        head.copy_from_slice(fixed);
                    }
                    changed
                }
                _ => {
                    let changed = payload.iter().any(|b| *b != 0);
                    payload.fill(0);
                    changed
                }
            };
            if changed {
                note(removed, what);
            }
        } else {
            return Err(refuse(&format!("a segment of type {marker:#04x}")));
        }
        pos = end;
        if marker == SOS {
            pos = scan_end(data, pos)?;
        }
    }
}

/// The Orientation tag (0x0112) of IFD0 in a TIFF-structured EXIF block.
fn exif_orientation(tiff: &[u8]) -> Option<u16> {
    let big = match tiff.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let v = be_u16(tiff, at)?;
        Some(if big { v } else { v.swap_bytes() })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let v = be_u32(tiff, at)?;
        Some(if big { v } else { v.swap_bytes() })
    };
    let ifd = to_usize(u32_at(4)?)?;
    let count = usize::from(u16_at(ifd)?);
    (0..count.min(512)).find_map(|i| {
        let entry = ifd.checked_add(2)?.checked_add(i * 12)?;
        (u16_at(entry)? == 0x0112)
            .then(|| u16_at(entry.checked_add(8)?))
            .flatten()
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

/// An Adobe APP14 segment with only the colour transform (0: none, RGB or CMYK;
/// 1: YCbCr; 2: YCCK); version 100, no flags.
fn adobe_segment(transform: u8) -> Vec<u8> {
    let mut segment = vec![0xFF, APP14, 0, 14];
    segment.extend_from_slice(b"Adobe");
    segment.extend_from_slice(&[0, 100, 0, 0, 0, 0, transform]);
    segment
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orientation_segment_reads_back() {
        let seg = orientation_segment(6);
        assert_eq!(exif_orientation(&seg[10..]), Some(6));
        assert_eq!(exif_orientation(b"II*\0\xff\xff\xff\xff"), None);
    }

    #[test]
    fn refuses_non_jpeg_and_truncation() {
        assert!(strip(b"not a jpeg").is_err());
        assert!(strip(&[0xFF, 0xD8, 0xFF, 0xE1, 0x00]).is_err());
        assert!(strip(&[0xFF, 0xD8]).is_err());
        assert!(strip(&[0xFF, 0xD8, 0xFF, 0xD9]).is_err(), "no image at all");
        assert!(strip(&[0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x12, 0xFF]).is_err());
    }

    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        [
            &[0xFF, marker][..],
            &((payload.len() + 2) as u16).to_be_bytes(),
            payload,
        ]
        .concat()
    }

    #[test]
    fn blanking_in_place_keeps_every_length_and_what_decodes() {
        let frame = segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
        let scan = segment(SOS, &[1, 1, 0, 0, 0x3F, 0]);
        let jpeg = [
            &[0xFF, SOI][..],
            &segment(APP1, b"Exif\0\0MM\0*Ramesh"),
            &segment(APP14, b"Adobe\0\x64\x80\0\0\0\x01Kumar"),
            &segment(COM, b"+919876543210"),
            &segment(0xDB, &[0; 65]),
            &frame,
            &scan,
            b"\x12\xFF\x00\x34\xFF\xD0\x56",
            &[0xFF, EOI],
            b"Ramesh after the end",
        ]
        .concat();
        let mut data = jpeg.clone();
        let mut removed = vec![];
        let end = blank_in_place(&mut data, &mut removed).expect("blanked");
        assert_eq!(end, jpeg.len() - 20, "up to the end-of-image marker");
        assert_eq!(data.len(), jpeg.len());
        assert_eq!(&data[end..], b"Ramesh after the end", "left for the caller");
        assert!(!data[..end].windows(5).any(|w| w == b"Kumar" || w == b"Rames"));
        assert!(data[..end].windows(frame.len()).any(|w| w == frame));
        assert!(data[..end].ends_with(&[scan.as_slice(), b"\x12\xFF\x00\x34\xFF\xD0\x56\xFF\xD9"].concat()));
        let adobe = data.windows(5).position(|w| w == b"Adobe").expect("Adobe kept");
        assert_eq!(&data[adobe..adobe + 17], b"Adobe\0\x64\0\0\0\0\x01\0\0\0\0\0");
        assert_eq!(removed, ["exif", "app segment", "comment"]);
        // Already blank: nothing more to remove.
        let mut again = data.clone();
        let mut removed = vec![];
        blank_in_place(&mut again, &mut removed).expect("blanked");
        assert_eq!((again, removed), (data, vec![]));
    }

    #[test]
    fn blanking_refuses_what_it_cannot_blank() {
        let mut removed = vec![];
        let mut odd = [&[0xFF, SOI][..], &segment(0xF1, b"Ramesh")].concat();
        assert!(matches!(
            blank_in_place(&mut odd, &mut removed),
            Err(MediaError::Unsupported(_))
        ));
        assert!(matches!(
            blank_in_place(&mut b"Ramesh".to_vec(), &mut removed),
            Err(MediaError::Malformed { .. })
        ));
        assert!(blank_in_place(&mut [0xFF, SOI, 0xFF, APP1, 0, 9, 1].to_vec(), &mut removed).is_err());
        // A header: segments only; comments blanked, a scan or an end refused.
        let mut header = [segment(COM, b"Ramesh"), segment(0xDB, &[0; 65])].concat();
        blank_header_in_place(&mut header, &mut removed).expect("blanked");
        assert_eq!(&header[4..10], &[0; 6]);
        for bad in [segment(SOS, &[1, 1, 0, 0, 0x3F, 0]), vec![0xFF, EOI]] {
            let mut header = [&[0xFF, SOI][..], &bad].concat();
            assert!(matches!(
                blank_header_in_place(&mut header, &mut removed),
                Err(MediaError::Unsupported(_))
            ));
        }
    }

    #[test]
    fn adobe_transform_is_rebuilt_alone() {
        let seg = adobe_segment(0);
        assert_eq!(seg.len(), 2 + 14);
        assert_eq!(seg[2 + 2 + 11], 0);
    }
}
