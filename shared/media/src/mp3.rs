//! MP3: drop ID3v2 (start), ID3v1 and APEv2 (end) tags.

use crate::{MediaError, malformed};

pub(crate) fn strip(input: &[u8]) -> Result<(Vec<u8>, Vec<&'static str>), MediaError> {
    let mut start = 0;
    let mut removed = vec![];
    while input.get(start..start + 3) == Some(b"ID3") {
        let header = input
            .get(start..start + 10)
            .ok_or_else(|| malformed("MP3", "truncated ID3 header"))?;
        let size = header[6..10]
            .iter()
            .fold(0usize, |acc, b| (acc << 7) | usize::from(b & 0x7F));
        let footer = if header[5] & 0x10 != 0 { 10 } else { 0 };
        start += 10 + size + footer;
        removed.push("id3v2");
    }
    let mut end = input.len();
    if end >= start + 128 && input.get(end - 128..end - 125) == Some(b"TAG") {
        end -= 128;
        removed.push("id3v1");
    }
    if end >= start + 32 && input.get(end - 32..end - 24) == Some(b"APETAGEX") {
        let size = u32::from_le_bytes([input[end - 20], input[end - 19], input[end - 18], input[end - 17]]) as usize;
        let flags = u32::from_le_bytes([input[end - 12], input[end - 11], input[end - 10], input[end - 9]]);
        // The footer's size counts the items and the footer, not the optional header.
        let header = if flags & (1 << 31) != 0 { 32 } else { 0 };
        end = end.saturating_sub(size + header).max(start);
        removed.push("apev2");
    }
    let audio = input
        .get(start..end)
        .ok_or_else(|| malformed("MP3", "tags larger than the file"))?;
    Ok((audio.to_vec(), removed))
}
