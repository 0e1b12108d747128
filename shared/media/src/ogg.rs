//! Ogg Opus: replace the comment header (OpusTags) with an empty one.
//!
//! The comment packet may span pages, so the stream is re-paged: the identification
//! page is copied, the new comment packet gets a page of its own, and every audio page
//! is copied with its sequence number renumbered and its checksum recomputed. Audio
//! packets are untouched.

use crate::{MediaError, malformed};

struct Page<'a> {
    header_type: u8,
    granule: [u8; 8],
    serial: [u8; 4],
    segments: &'a [u8],
    data: &'a [u8],
}

fn pages(input: &[u8]) -> Result<Vec<Page<'_>>, MediaError> {
    let mut out = vec![];
    let mut pos = 0;
    while pos < input.len() {
        let h = input
            .get(pos..pos + 27)
            .ok_or_else(|| malformed("Ogg", "truncated page header"))?;
        if &h[..4] != b"OggS" || h[4] != 0 {
            return Err(malformed("Ogg", format!("no page at byte {pos}")));
        }
        let count = usize::from(h[26]);
        let segments = input
            .get(pos + 27..pos + 27 + count)
            .ok_or_else(|| malformed("Ogg", "truncated segment table"))?;
        let len: usize = segments.iter().map(|s| usize::from(*s)).sum();
        let start = pos + 27 + count;
        let data = input
            .get(start..start + len)
            .ok_or_else(|| malformed("Ogg", "truncated page"))?;
        let mut granule = [0u8; 8];
        granule.copy_from_slice(&h[6..14]);
        let mut serial = [0u8; 4];
        serial.copy_from_slice(&h[14..18]);
        out.push(Page {
            header_type: h[5],
            granule,
            serial,
            segments,
            data,
        });
        pos = start + len;
    }
    Ok(out)
}

pub(crate) fn strip(input: &[u8]) -> Result<(Vec<u8>, Vec<&'static str>), MediaError> {
    let pages = pages(input)?;
    let first = pages.first().ok_or_else(|| malformed("Ogg", "empty stream"))?;
    if !first.data.starts_with(b"OpusHead") {
        return Err(malformed("Ogg", "not an Opus stream"));
    }
    // The comment packet: the pages after the first, up to the one where a packet
    // ends (a segment shorter than 255).
    let mut tags_end = 1;
    loop {
        let page = pages
            .get(tags_end)
            .ok_or_else(|| malformed("Ogg", "no comment header"))?;
        tags_end += 1;
        if page.segments.last().is_some_and(|s| *s < 255) {
            break;
        }
    }
    let tags: Vec<u8> = pages[1..tags_end].iter().flat_map(|p| p.data.iter().copied()).collect();
    if !tags.starts_with(b"OpusTags") {
        return Err(malformed("Ogg", "second packet is not OpusTags"));
    }
    let mut empty_tags = b"OpusTags".to_vec();
    empty_tags.extend_from_slice(&0u32.to_le_bytes()); // vendor string: none
    empty_tags.extend_from_slice(&0u32.to_le_bytes()); // no comments

    let mut out = Vec::with_capacity(input.len());
    let mut sequence = 0u32;
    let mut emit = |page: &Page<'_>, segments: &[u8], data: &[u8]| {
        write_page(
            &mut out,
            page.header_type,
            page.granule,
            page.serial,
            sequence,
            segments,
            data,
        );
        sequence += 1;
    };
    emit(first, first.segments, first.data);
    let tags_page = &pages[1];
    let segments = lacing(empty_tags.len());
    emit(
        &Page {
            header_type: 0,
            granule: [0; 8],
            ..*tags_page
        },
        &segments,
        &empty_tags,
    );
    for page in &pages[tags_end..] {
        emit(page, page.segments, page.data);
    }
    Ok((out, vec!["opus tags"]))
}

/// The segment table for one packet of `len` bytes that ends on this page.
fn lacing(len: usize) -> Vec<u8> {
    let mut table = vec![255u8; len / 255];
    table.push((len % 255) as u8);
    table
}

fn write_page(
    out: &mut Vec<u8>,
    header_type: u8,
    granule: [u8; 8],
    serial: [u8; 4],
    seq: u32,
    segments: &[u8],
    data: &[u8],
) {
    let start = out.len();
    out.extend_from_slice(b"OggS");
    out.push(0);
    out.push(header_type);
    out.extend_from_slice(&granule);
    out.extend_from_slice(&serial);
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.push(segments.len() as u8);
    out.extend_from_slice(segments);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out[start + 22..start + 26].copy_from_slice(&crc.to_le_bytes());
}

/// Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial value 0.
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0u32;
    for &b in bytes {
        crc ^= u32::from(b) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
    }
    crc
}
