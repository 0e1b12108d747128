//! MP4 / 3GP / M4A: overwrite metadata in place.
//!
//! Sample tables point into the file by absolute offset, so nothing may move. User
//! data (`udta`, where phones put `©xyz` locations and device names), `meta` boxes and
//! vendor `uuid` boxes (XMP) are turned into `free` boxes of the same size with their
//! contents zeroed; creation and modification times in the movie, track and media
//! headers are set to zero ("unknown").

use crate::{MediaError, malformed};

/// Boxes that only contain other boxes, where metadata may hide.
const CONTAINERS: [&[u8; 4]; 9] = [
    b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"moof", b"traf",
];

pub(crate) fn strip(input: &[u8]) -> Result<(Vec<u8>, Vec<&'static str>), MediaError> {
    let mut out = input.to_vec();
    let mut removed = vec![];
    walk(&mut out, 0, input.len(), 0, &mut removed)?;
    Ok((out, removed))
}

fn note(removed: &mut Vec<&'static str>, what: &'static str) {
    if !removed.contains(&what) {
        removed.push(what);
    }
}

fn walk(
    buf: &mut [u8],
    start: usize,
    end: usize,
    depth: usize,
    removed: &mut Vec<&'static str>,
) -> Result<(), MediaError> {
    if depth > 16 {
        return Err(malformed("MP4", "boxes nested too deeply"));
    }
    let mut pos = start;
    while pos + 8 <= end {
        let size32 = u32::from_be_bytes([buf[pos], buf[pos + 1], buf[pos + 2], buf[pos + 3]]) as usize;
        let kind = [buf[pos + 4], buf[pos + 5], buf[pos + 6], buf[pos + 7]];
        let (header, size) = match size32 {
            0 => (8, end - pos),
            1 => {
                let large = buf
                    .get(pos + 8..pos + 16)
                    .ok_or_else(|| malformed("MP4", "truncated large box"))?;
                let mut b = [0u8; 8];
                b.copy_from_slice(large);
                (
                    16,
                    usize::try_from(u64::from_be_bytes(b)).map_err(|_| malformed("MP4", "box too large"))?,
                )
            }
            n => (8, n),
        };
        if size < header || pos + size > end {
            return Err(malformed(
                "MP4",
                format!("box {} has a bad size", String::from_utf8_lossy(&kind)),
            ));
        }
        let body = pos + header..pos + size;
        match &kind {
            b"udta" | b"meta" | b"uuid" => {
                buf[pos + 4..pos + 8].copy_from_slice(b"free");
                buf[body].fill(0);
                note(
                    removed,
                    match &kind {
                        b"udta" => "udta",
                        b"meta" => "meta",
                        _ => "uuid",
                    },
                );
            }
            b"mvhd" | b"tkhd" | b"mdhd" => {
                zero_times(&mut buf[body])?;
                note(removed, "creation times");
            }
            k if CONTAINERS.contains(&k) => walk(buf, body.start, body.end, depth + 1, removed)?,
            _ => {}
        }
        pos += size;
    }
    Ok(())
}

/// Zeroes creation and modification time of a full box body (version 0: 32-bit
/// times after the 4-byte version and flags; version 1: 64-bit).
fn zero_times(body: &mut [u8]) -> Result<(), MediaError> {
    let width = match body.first() {
        Some(0) => 4,
        Some(1) => 8,
        _ => return Err(malformed("MP4", "unknown header box version")),
    };
    let times = body
        .get_mut(4..4 + 2 * width)
        .ok_or_else(|| malformed("MP4", "truncated header box"))?;
    times.fill(0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }

    #[test]
    fn rejects_bad_sizes_and_keeps_length() {
        let mut mvhd = vec![0u8; 100];
        mvhd[4..8].copy_from_slice(&0x1234_5678u32.to_be_bytes());
        let file = [
            boxed(b"ftyp", b"isom\0\0\0\0"),
            boxed(
                b"moov",
                &[boxed(b"mvhd", &mvhd), boxed(b"udta", b"\xa9xyz+25.7+082.6/")].concat(),
            ),
        ]
        .concat();
        let (out, removed) = strip(&file).expect("strip");
        assert_eq!(out.len(), file.len());
        assert!(!out.windows(4).any(|w| w == b"udta" || w == b"\xa9xyz"));
        assert!(removed.contains(&"udta") && removed.contains(&"creation times"));
        let mut broken = file.clone();
        broken[3] = 0xFF; // ftyp claims more than the file holds
        assert!(strip(&broken).is_err());
    }
}
