//! HEIF / HEIC / AVIF: the picture `meta` box, cleaned in place.
//!
//! A HEIF file is an ISO BMFF file whose top-level `meta` box (handler `pict`) lists
//! *items*: coded images (`hvc1`, `av01`, grid tiles, thumbnails, depth and gain maps)
//! and metadata (`Exif` with GPS, make, model, serial and capture time; `mime` items
//! with XMP). `iinf` says what each item is, `iloc` where its bytes are: in `mdat` by
//! absolute offset, or in the `idat` box inside `meta`. iPhones send exactly this when
//! a photo is shared "as document".
//!
//! Only image items keep their data. The data of every other item is zeroed where it
//! lies (the offsets of the images do not move), item names are blanked, properties
//! that are not needed to show the picture become `free` boxes (which keeps the
//! property indices of `ipma` valid), and ICC profiles lose their creation date and
//! device fields. Bytes of `mdat` and `idat` that no image item points at are zeroed
//! by the caller. Files whose metadata cannot be located this way (data in another
//! file, or built from other items) are refused rather than stored uncleaned.
//!
//! A picture item is kept byte for byte only when its coding has no metadata of its
//! own worth the name (HEVC, AV1, H.264, raw pixels, derivations). A `jpeg` item is a
//! whole JPEG with its own EXIF: its APPn and comment payloads (and those of a `jpgC`
//! header property) are zeroed in place, keeping every length, and whatever follows
//! its end-of-image marker is not kept. Pictures in other codings that carry comments
//! of their own (JPEG 2000) or that have not been checked (VVC, EVC) are refused.

use crate::bytes::{
    OrMalformed, be_u16, be_u32, fourcc, merge, note, range_within, to_usize, u8_at, zero, zero_except,
};
use crate::isobmff::{BoxRef, children};
use crate::mp4::{Cleaner, dref};
use crate::{MediaError, malformed};
use std::collections::HashMap;
use std::ops::Range;

const F: &str = "HEIF";

/// Item types whose data is a picture (or describes how to assemble one), kept byte for
/// byte: HEVC, its tiles and layers, AV1 and H.264 coded pictures (kept as the video
/// samples of a movie are), uncompressed pixels and masks, and the derivations (grid,
/// overlay, identity, tone map), whose data is a handful of numbers.
const IMAGE_ITEMS: [&[u8; 4]; 11] = [
    b"hvc1", b"hvt1", b"lhv1", b"av01", b"avc1", b"unci", b"mski", b"grid", b"iovl", b"iden", b"tmap",
];

/// A JPEG item: a whole JPEG with APPn segments (EXIF with GPS, make, model, serial)
/// of its own. Kept with those segments blanked in place.
const JPEG_ITEM: &[u8; 4] = b"jpeg";

/// Pictures coded in formats that carry comments or metadata of their own, which this
/// module does not clean (JPEG 2000 comment segments and boxes) or has not been shown
/// to be safe to keep (VVC, EVC): files with them are refused, not stored with it.
const REFUSED_ITEMS: [&[u8; 4]; 3] = [b"j2k1", b"vvc1", b"evc1"];

/// Item properties needed to decode or show an image.
const PROPERTIES_KEEP: [&[u8; 4]; 30] = [
    b"hvcC", b"av1C", b"avcC", b"vvcC", b"lhvC", b"j2kH", b"ispe", b"pixi", b"colr", b"irot", b"imir", b"clap",
    b"rloc", b"lsel", b"auxC", b"pasp", b"a1op", b"a1lx", b"clli", b"mdcv", b"cclv", b"amve", b"reve", b"ndwt",
    b"altt", b"uncC", b"cmpd", b"tilC", b"iscl", b"oinf",
];

/// At most this many extents are read from `iloc`: with zero-width fields an extent
/// takes no bytes, so the box size alone would not bound the work.
const MAX_EXTENTS: usize = 1 << 20;

/// What `iinf` says about one item.
struct Info {
    kind: [u8; 4],
    xmp: bool,
}

/// Where `iloc` says one item's data is.
struct Location {
    id: u32,
    method: u8,
    data_reference: u16,
    /// (offset, length) pairs; base offset already added; length 0: "to the end".
    extents: Vec<(u64, u64)>,
}

/// Cleans the top-level `meta` box of a HEIF file.
pub(crate) fn meta(buf: &mut [u8], b: BoxRef, c: &mut Cleaner) -> Result<(), MediaError> {
    let first = b
        .body
        .checked_add(4)
        .filter(|s| *s <= b.end)
        .or_bad(F, "truncated meta box")?;
    let (kids, tail) = children(buf, first, b.end, F)?;
    zero(buf, tail..b.end);
    let handler = kids
        .iter()
        .find(|k| &k.kind == b"hdlr")
        .and_then(|h| fourcc(buf, h.body + 8).filter(|_| h.body + 12 <= h.end));
    if handler != Some(*b"pict") {
        // Not a picture: nothing in it is needed to show the file.
        c.drop(buf, b);
        return Ok(());
    }
    if c.image_meta {
        return Err(malformed(F, "two picture meta boxes"));
    }
    c.image_meta = true;
    let (mut iloc, mut iinf, mut idat) = (None, None, None);
    for k in kids {
        match &k.kind {
            b"hdlr" => {
                if zero(buf, (k.body + 24).min(k.end)..k.end) {
                    note(&mut c.removed, "handler names");
                }
            }
            b"pitm" | b"iref" | b"grpl" => {}
            b"iloc" => once(&mut iloc, k)?,
            b"iinf" => once(&mut iinf, k)?,
            b"idat" => once(&mut idat, k)?,
            b"iprp" => properties(buf, k, c)?,
            b"dinf" => {
                let (refs, tail) = children(buf, k.body, k.end, F)?;
                zero(buf, tail..k.end);
                for r in refs {
                    if &r.kind == b"dref" {
                        dref(buf, r, F)?;
                    } else {
                        c.drop(buf, r);
                    }
                }
            }
            b"free" | b"skip" => c.free(buf, k),
            _ => c.drop(buf, k),
        }
    }
    let infos = match iinf {
        Some(iinf) => item_infos(buf, iinf, c)?,
        None => HashMap::new(),
    };
    let locations = match iloc {
        Some(iloc) => item_locations(buf, iloc)?,
        None => vec![],
    };
    let idat = idat.map(|d| d.body..d.end);
    let mut idat_keep = vec![];
    for loc in locations {
        let info = infos.get(&loc.id);
        let kind = info.map(|i| i.kind);
        if let Some(kind) = kind.filter(|k| REFUSED_ITEMS.contains(&k)) {
            return Err(MediaError::Unsupported(format!(
                "HEIF with a {} picture, whose own metadata is not cleaned",
                String::from_utf8_lossy(&kind)
            )));
        }
        let jpeg = kind.as_ref() == Some(JPEG_ITEM);
        let image = jpeg || kind.is_some_and(|k| IMAGE_ITEMS.contains(&&k));
        if loc.data_reference != 0 {
            return Err(MediaError::Unsupported("HEIF item stored in another file".into()));
        }
        if !image && !loc.extents.is_empty() {
            note(
                &mut c.removed,
                match info {
                    Some(i) if &i.kind == b"Exif" => "exif",
                    Some(i) if i.xmp => "xmp",
                    _ => "metadata item",
                },
            );
        }
        let mut ranges = vec![];
        for (offset, length) in loc.extents {
            let range = match loc.method {
                0 => extent(offset, length, 0..buf.len())?,
                1 => extent(offset, length, idat.clone().or_bad(F, "item in a missing idat box")?)?,
                2 if jpeg => {
                    return Err(MediaError::Unsupported(
                        "HEIF JPEG picture built from another item".into(),
                    ));
                }
                2 if image => continue,
                2 => return Err(MediaError::Unsupported("HEIF metadata built from another item".into())),
                _ => return Err(malformed(F, "unknown item construction method")),
            };
            ranges.push(range);
        }
        if jpeg {
            ranges = jpeg_item(buf, ranges, c)?;
        }
        for range in ranges {
            match (loc.method, image) {
                (0, true) => c.keep.push(range),
                (0, false) => c.blank.push(range),
                (_, true) => idat_keep.push(range),
                // idat bytes not kept are zeroed below.
                (_, false) => {}
            }
        }
    }
    if let Some(idat) = idat {
        zero_except(buf, idat, &merge(idat_keep));
    }
    Ok(())
}

/// Cleans a JPEG item whose data is `ranges` (absolute, in order): the JPEG is read
/// across its extents, its APPn and comment payloads are blanked where they lie, and
/// the ranges are cut at its end-of-image marker, so what a phone appended after it is
/// not kept (and is zeroed with the rest of what no picture points at).
fn jpeg_item(buf: &mut [u8], ranges: Vec<Range<usize>>, c: &mut Cleaner) -> Result<Vec<Range<usize>>, MediaError> {
    // Extents that overlap would read the same bytes at two places in the JPEG: a byte
    // blanked at one could be written back from the other.
    let mut sorted = ranges.clone();
    sorted.sort_by_key(|r| r.start);
    if sorted.windows(2).any(|w| w[0].end > w[1].start) {
        return Err(malformed(F, "JPEG item extents overlap"));
    }
    let mut data = vec![];
    for r in &ranges {
        data.extend_from_slice(buf.get(r.clone()).or_bad(F, "item outside the file")?);
    }
    let len = crate::jpeg::blank_in_place(&mut data, &mut c.removed)?;
    if data.get(len..).is_some_and(|rest| rest.iter().any(|b| *b != 0)) {
        note(&mut c.removed, "trailing data");
    }
    let mut out = vec![];
    let mut at = 0usize;
    for r in ranges {
        let part = data.get(at..at + r.len()).or_bad(F, "item outside the file")?;
        buf.get_mut(r.clone())
            .or_bad(F, "item outside the file")?
            .copy_from_slice(part);
        let kept = len.saturating_sub(at).min(r.len());
        if kept > 0 {
            out.push(r.start..r.start + kept);
        }
        at += r.len();
    }
    Ok(out)
}

fn once(slot: &mut Option<BoxRef>, b: BoxRef) -> Result<(), MediaError> {
    if slot.replace(b).is_some() {
        return Err(malformed(F, "an item box appears twice"));
    }
    Ok(())
}

/// An extent as an absolute range inside `within` (`within` starts where offsets
/// count from); length 0 means "to the end".
fn extent(offset: u64, length: u64, within: Range<usize>) -> Result<Range<usize>, MediaError> {
    let offset = to_usize(offset).or_bad(F, "item offset beyond the file")?;
    let start = within
        .start
        .checked_add(offset)
        .filter(|s| *s <= within.end)
        .or_bad(F, "item offset beyond its data")?;
    if length == 0 {
        return Ok(start..within.end);
    }
    let length = to_usize(length).or_bad(F, "item larger than the file")?;
    range_within(start, length, within.end).or_bad(F, "item runs past the end of its data")
}

/// Reads `iinf` and blanks every item's name (and content type: a metadata item's
/// only purpose is gone with its data).
fn item_infos(buf: &mut [u8], iinf: BoxRef, c: &mut Cleaner) -> Result<HashMap<u32, Info>, MediaError> {
    let count_width = if iinf.version(buf).or_bad(F, "truncated item info box")? == 0 {
        2
    } else {
        4
    };
    let first = iinf.body + 4 + count_width;
    if first > iinf.end {
        return Err(malformed(F, "truncated item info box"));
    }
    let (entries, tail) = children(buf, first, iinf.end, F)?;
    zero(buf, tail..iinf.end);
    let mut out = HashMap::new();
    for e in entries {
        if &e.kind != b"infe" {
            c.drop(buf, e);
            continue;
        }
        let version = e.version(buf).or_bad(F, "truncated item info entry")?;
        let at = e.body + 4;
        let (id, kind, name_at) = match version {
            0 | 1 => (be_u16(buf, at).map(u32::from), Some(*b"mime"), at + 4),
            2 => (be_u16(buf, at).map(u32::from), fourcc(buf, at + 4), at + 8),
            _ => (be_u32(buf, at), fourcc(buf, at + 6), at + 10),
        };
        let (Some(id), Some(kind)) = (id, kind) else {
            return Err(malformed(F, "truncated item info entry"));
        };
        if name_at > e.end {
            return Err(malformed(F, "truncated item info entry"));
        }
        let strings = buf.get(name_at..e.end).unwrap_or_default();
        let content_type = strings.split(|b| *b == 0).nth(1).unwrap_or_default();
        let xmp = &kind == b"mime" && content_type.windows(7).any(|w| w == b"rdf+xml");
        if zero(buf, name_at..e.end) {
            note(&mut c.removed, "item names");
        }
        out.insert(id, Info { kind, xmp });
    }
    Ok(out)
}

/// Reads `iloc` (versions 0, 1 and 2).
fn item_locations(buf: &[u8], iloc: BoxRef) -> Result<Vec<Location>, MediaError> {
    let version = iloc.version(buf).or_bad(F, "truncated item location box")?;
    if version > 2 {
        return Err(malformed(F, "unknown item location box version"));
    }
    let mut r = Reader {
        buf,
        at: iloc.body + 4,
        end: iloc.end,
    };
    let sizes = r.uint(2)?;
    let offset_size = (sizes >> 12) as usize;
    let length_size = ((sizes >> 8) & 0xF) as usize;
    let base_size = ((sizes >> 4) & 0xF) as usize;
    let index_size = if version == 0 { 0 } else { (sizes & 0xF) as usize };
    if [offset_size, length_size, base_size, index_size]
        .iter()
        .any(|s| !matches!(s, 0 | 4 | 8))
    {
        return Err(malformed(F, "bad item location field size"));
    }
    let count = r.uint(if version < 2 { 2 } else { 4 })?;
    let mut out = vec![];
    let mut extents_read = 0usize;
    for _ in 0..count {
        let id = r.uint(if version < 2 { 2 } else { 4 })? as u32;
        let method = if version == 0 { 0 } else { (r.uint(2)? & 0xF) as u8 };
        let data_reference = r.uint(2)? as u16;
        let base = r.uint(base_size)?;
        let extent_count = r.uint(2)? as usize;
        extents_read = extents_read.saturating_add(extent_count);
        if extents_read > MAX_EXTENTS {
            return Err(malformed(F, "too many item extents"));
        }
        let mut extents = Vec::with_capacity(extent_count);
        for _ in 0..extent_count {
            r.uint(index_size)?;
            let offset = base
                .checked_add(r.uint(offset_size)?)
                .or_bad(F, "item offset overflows")?;
            extents.push((offset, r.uint(length_size)?));
        }
        out.push(Location {
            id,
            method,
            data_reference,
            extents,
        });
    }
    Ok(out)
}

/// Sequential big-endian reads inside one box.
struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
    end: usize,
}

impl Reader<'_> {
    fn uint(&mut self, width: usize) -> Result<u64, MediaError> {
        let range = range_within(self.at, width, self.end).or_bad(F, "truncated item location box")?;
        let mut v = 0u64;
        for i in range.clone() {
            v = (v << 8) | u64::from(u8_at(self.buf, i).or_bad(F, "truncated item location box")?);
        }
        self.at = range.end;
        Ok(v)
    }
}

/// Item properties: the ones needed to show an image stay, the rest (user
/// descriptions `udes`, creation and modification times `crtt`/`mdft`, anything
/// unknown) become empty `free` boxes in their place.
fn properties(buf: &mut [u8], iprp: BoxRef, c: &mut Cleaner) -> Result<(), MediaError> {
    let (kids, tail) = children(buf, iprp.body, iprp.end, F)?;
    zero(buf, tail..iprp.end);
    for k in kids {
        match &k.kind {
            b"ipma" => {}
            b"ipco" => {
                let (props, tail) = children(buf, k.body, k.end, F)?;
                zero(buf, tail..k.end);
                for p in props {
                    match &p.kind {
                        b"colr" => icc_header(buf, p, c),
                        b"jpgC" => {
                            let prefix = buf.get_mut(p.body..p.end).or_bad(F, "truncated property")?;
                            crate::jpeg::blank_header_in_place(prefix, &mut c.removed)?;
                        }
                        kind if PROPERTIES_KEEP.contains(&kind) => {}
                        b"crtt" | b"mdft" => {
                            if p.blank(buf) {
                                note(&mut c.removed, "creation times");
                            }
                        }
                        _ => c.drop(buf, p),
                    }
                }
            }
            _ => c.drop(buf, k),
        }
    }
    Ok(())
}

/// Zeroes the creation date and the device manufacturer and model of an ICC profile
/// in a `colr` property; the colour data itself is kept.
fn icc_header(buf: &mut [u8], colr: BoxRef, c: &mut Cleaner) {
    if !matches!(fourcc(buf, colr.body).filter(|_| colr.body + 4 <= colr.end), Some(t) if &t == b"prof" || &t == b"rICC")
    {
        return;
    }
    let profile = colr.body + 4;
    let mut changed = false;
    for (at, len) in [(24, 12), (48, 8)] {
        if let Some(r) = range_within(profile + at, len, colr.end) {
            changed |= zero(buf, r);
        }
    }
    if changed {
        note(&mut c.removed, "icc profile");
    }
}
