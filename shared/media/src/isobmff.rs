//! Boxes of the ISO base media file format (MP4, 3GP, MOV, HEIF, AVIF), read with
//! checked arithmetic.
//!
//! A box is a 32-bit size, a four-character type and a body; size 1 means a 64-bit
//! size follows, size 0 means "to the end of the enclosing box", and a `uuid` box
//! carries a 16-byte extended type. Every size is checked against the space that is
//! left *before* it is added to a position, so a crafted size can neither wrap an
//! offset nor point outside its parent, and every box is at least 8 bytes long, so a
//! walk over children always advances.

use crate::bytes::{be_u32, be_u64, fourcc, zero};
use crate::{MediaError, malformed};

/// Deepest nesting accepted (real files nest about 8 deep).
pub(crate) const MAX_DEPTH: usize = 24;

/// One box inside a buffer, by absolute offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BoxRef {
    pub kind: [u8; 4],
    pub start: usize,
    /// First byte after the size and type fields (and the 64-bit size).
    pub header_end: usize,
    /// First byte of the body (after the extended type of a `uuid` box).
    pub body: usize,
    pub end: usize,
}

impl BoxRef {
    /// Turns this box into a `free` box of the same size with nothing in it, so no
    /// offset elsewhere in the file moves. Says whether anything was in it.
    pub(crate) fn blank(&self, buf: &mut [u8]) -> bool {
        if let Some(kind) = buf.get_mut(self.start + 4..self.start + 8) {
            kind.copy_from_slice(b"free");
        }
        zero(buf, self.header_end..self.end)
    }

    /// A full box's version byte.
    pub(crate) fn version(&self, buf: &[u8]) -> Option<u8> {
        buf.get(self.body).copied().filter(|_| self.body < self.end)
    }

    /// A full box's 24-bit flags.
    pub(crate) fn flags(&self, buf: &[u8]) -> Option<u32> {
        be_u32(buf, self.body)
            .filter(|_| self.body + 4 <= self.end)
            .map(|v| v & 0x00FF_FFFF)
    }
}

/// The boxes laid end to end in `buf[start..end]` inside a parent box, and where
/// trailing bytes too few to be a box begin (`end` when there are none). Size 0 ("to
/// the end of the file") is only valid at the top level: inside a parent it would
/// let a box that is kept swallow the siblings that follow it.
pub(crate) fn children(
    buf: &[u8],
    start: usize,
    end: usize,
    format: &'static str,
) -> Result<(Vec<BoxRef>, usize), MediaError> {
    walk(buf, start, end, format, false)
}

/// The top-level boxes of a file (size 0 allowed: the last box runs to the end).
pub(crate) fn top_level(buf: &[u8], format: &'static str) -> Result<(Vec<BoxRef>, usize), MediaError> {
    walk(buf, 0, buf.len(), format, true)
}

fn walk(
    buf: &[u8],
    start: usize,
    end: usize,
    format: &'static str,
    top: bool,
) -> Result<(Vec<BoxRef>, usize), MediaError> {
    if end > buf.len() || start > end {
        return Err(malformed(format, "box outside the file"));
    }
    let mut out = vec![];
    let mut pos = start;
    while end - pos >= 8 {
        let left = end - pos;
        let size32 = be_u32(buf, pos).ok_or_else(|| malformed(format, "truncated box header"))?;
        let kind = fourcc(buf, pos + 4).ok_or_else(|| malformed(format, "truncated box header"))?;
        let name = || String::from_utf8_lossy(&kind).into_owned();
        let (header, size) = match size32 {
            0 if top => (8, left),
            1 => {
                if left < 16 {
                    return Err(malformed(format, format!("box {} has a truncated 64-bit size", name())));
                }
                let large = be_u64(buf, pos + 8).ok_or_else(|| malformed(format, "truncated box header"))?;
                // Compared as u64 before any conversion: a size beyond what is left,
                // however large, is refused rather than added to `pos`.
                if large < 16 || large > left as u64 {
                    return Err(malformed(
                        format,
                        format!("box {} has a bad 64-bit size {large}", name()),
                    ));
                }
                (16, large as usize)
            }
            n => {
                if n < 8 || u64::from(n) > left as u64 {
                    return Err(malformed(format, format!("box {} has a bad size {n}", name())));
                }
                (8, n as usize)
            }
        };
        let extended = if &kind == b"uuid" { 16 } else { 0 };
        if size < header + extended {
            return Err(malformed(format, format!("box {} is shorter than its header", name())));
        }
        out.push(BoxRef {
            kind,
            start: pos,
            header_end: pos + header,
            body: pos + header + extended,
            end: pos + size,
        });
        pos += size;
    }
    Ok((out, pos))
}

/// The major and compatible brands of a leading `ftyp` box.
pub(crate) fn brands(buf: &[u8]) -> Vec<[u8; 4]> {
    let Some(size) = be_u32(buf, 0) else { return vec![] };
    if fourcc(buf, 4) != Some(*b"ftyp") {
        return vec![];
    }
    let end = (size as usize).min(buf.len()).min(4096);
    let mut out: Vec<[u8; 4]> = fourcc(buf, 8).into_iter().collect();
    let mut at = 16;
    while at + 4 <= end {
        if let Some(b) = fourcc(buf, at) {
            out.push(b);
        }
        at += 4;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(size: u32, kind: &[u8; 4]) -> Vec<u8> {
        let mut b = size.to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b
    }

    #[test]
    fn sizes_near_the_limits_are_refused_not_wrapped() {
        for large in [
            0u64,
            1,
            7,
            8,
            15,
            u64::MAX,
            u64::MAX - 7,
            i64::MAX as u64,
            u32::MAX as u64,
        ] {
            let mut b = header(1, b"udta");
            b.extend_from_slice(&large.to_be_bytes());
            b.extend_from_slice(&[0; 32]);
            assert!(children(&b, 0, b.len(), "MP4").is_err(), "large size {large}");
        }
        for size in [1u32, 2, 7, u32::MAX, u32::MAX - 7] {
            let mut b = header(size, b"moov");
            b.extend_from_slice(&[0; 32]);
            assert!(children(&b, 0, b.len(), "MP4").is_err(), "size {size}");
        }
        let mut b = header(20, b"uuid");
        b.extend_from_slice(&[0; 12]);
        assert!(
            children(&b, 0, b.len(), "MP4").is_err(),
            "uuid shorter than its extended type"
        );
    }

    #[test]
    fn size_zero_runs_to_the_end_and_trailing_bytes_are_reported() {
        let mut b = header(12, b"free");
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(&header(0, b"mdat"));
        b.extend_from_slice(&[7; 9]);
        let (boxes, tail) = top_level(&b, "MP4").expect("parses");
        assert_eq!(boxes.len(), 2);
        assert_eq!(boxes[1].end, b.len());
        assert_eq!(tail, b.len());
        assert!(children(&b, 0, b.len(), "MP4").is_err(), "size 0 inside a parent");
        let (_, tail) = children(&b, 0, 15, "MP4").expect("parses");
        assert_eq!(tail, 12, "three bytes too few for a box");
    }
}
