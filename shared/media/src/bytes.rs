//! Bounds-checked reads on untrusted input.
//!
//! Every offset a parser computes from a length or an offset found in a file goes
//! through these helpers: an addition that would wrap or a read past the end gives
//! `None`, which the parsers turn into [`MediaError::Malformed`]. No parser indexes or
//! slices the input directly with a computed position.

use crate::{MediaError, malformed};
use std::ops::Range;

/// `len` bytes at `at`, if they are all inside `buf`.
pub(crate) fn slice(buf: &[u8], at: usize, len: usize) -> Option<&[u8]> {
    buf.get(at..at.checked_add(len)?)
}

fn array<const N: usize>(buf: &[u8], at: usize) -> Option<[u8; N]> {
    slice(buf, at, N)?.try_into().ok()
}

pub(crate) fn u8_at(buf: &[u8], at: usize) -> Option<u8> {
    buf.get(at).copied()
}

pub(crate) fn be_u16(buf: &[u8], at: usize) -> Option<u16> {
    array(buf, at).map(u16::from_be_bytes)
}

pub(crate) fn be_u32(buf: &[u8], at: usize) -> Option<u32> {
    array(buf, at).map(u32::from_be_bytes)
}

pub(crate) fn be_u64(buf: &[u8], at: usize) -> Option<u64> {
    array(buf, at).map(u64::from_be_bytes)
}

pub(crate) fn le_u32(buf: &[u8], at: usize) -> Option<u32> {
    array(buf, at).map(u32::from_le_bytes)
}

pub(crate) fn fourcc(buf: &[u8], at: usize) -> Option<[u8; 4]> {
    array(buf, at)
}

/// `u32` or `u64` from a file as an in-memory size or offset.
pub(crate) fn to_usize(v: impl TryInto<usize>) -> Option<usize> {
    v.try_into().ok()
}

/// The range `at..at + len`, if it lies inside `0..limit`.
pub(crate) fn range_within(at: usize, len: usize, limit: usize) -> Option<Range<usize>> {
    let end = at.checked_add(len)?;
    (end <= limit).then_some(at..end)
}

/// Turns a failed read into a [`MediaError::Malformed`] naming the format.
pub(crate) trait OrMalformed<T> {
    fn or_bad(self, format: &'static str, why: &'static str) -> Result<T, MediaError>;
}

impl<T> OrMalformed<T> for Option<T> {
    fn or_bad(self, format: &'static str, why: &'static str) -> Result<T, MediaError> {
        self.ok_or_else(|| malformed(format, why))
    }
}

/// Records what a stripper removed, once per kind.
pub(crate) fn note(removed: &mut Vec<&'static str>, what: &'static str) {
    if !removed.contains(&what) {
        removed.push(what);
    }
}

/// Zeroes `buf[range]`; says whether anything there was not already zero (so the
/// record lists only what was really removed).
pub(crate) fn zero(buf: &mut [u8], range: Range<usize>) -> bool {
    match buf.get_mut(range) {
        Some(bytes) => {
            let had = bytes.iter().any(|b| *b != 0);
            bytes.fill(0);
            had
        }
        None => false,
    }
}

/// Sorts and merges overlapping or touching ranges.
pub(crate) fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.retain(|r| r.start < r.end);
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// Zeroes every byte of `region` that is not inside one of the sorted, merged `keep`
/// ranges; says whether any byte zeroed was not zero before.
pub(crate) fn zero_except(buf: &mut [u8], region: Range<usize>, keep: &[Range<usize>]) -> bool {
    let mut changed = false;
    let mut pos = region.start;
    // The first kept range that may overlap the region.
    let first = keep.partition_point(|k| k.end <= region.start);
    for k in keep.get(first..).unwrap_or_default() {
        if k.start >= region.end {
            break;
        }
        if k.start > pos {
            changed |= zero(buf, pos..k.start);
        }
        pos = pos.max(k.end);
    }
    if pos < region.end {
        changed |= zero(buf, pos..region.end);
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_refuse_wrapping_offsets() {
        let buf = [1u8, 2, 3, 4];
        assert_eq!(slice(&buf, usize::MAX, 2), None);
        assert_eq!(be_u32(&buf, usize::MAX - 1), None);
        assert_eq!(be_u32(&buf, 0), Some(0x0102_0304));
        assert_eq!(range_within(usize::MAX, 1, usize::MAX), None);
    }

    #[test]
    fn zero_except_keeps_only_the_kept_ranges() {
        let mut buf = [9u8; 10];
        let keep = merge(vec![6..8, 2..3, 2..4]);
        assert_eq!(keep, vec![2..4, 6..8]);
        assert!(zero_except(&mut buf, 1..9, &keep));
        assert_eq!(buf, [9, 0, 9, 9, 0, 0, 9, 9, 0, 9]);
        assert!(!zero_except(&mut buf, 1..9, &keep), "nothing left to remove");
    }
}
