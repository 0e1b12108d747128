//! MP4 / 3GP / MOV (and the movie part of HEIF image sequences): an allow-list of
//! boxes, overwritten in place.
//!
//! Sample tables point into the file by absolute offset, so nothing may move: a box
//! that is not needed to play the file (user data `udta` with `©xyz` locations and
//! device names, `meta`, vendor `uuid` boxes with XMP, `prft` wall-clock times, and
//! anything this module does not know) becomes a `free` box of the same size with its
//! contents zeroed, and the contents of existing `free`/`skip` boxes are zeroed too.
//! Creation and modification times in the movie, track and media headers are set to
//! zero ("unknown"), handler names and the video compressor name are blanked.
//!
//! The media data is an allow-list as well: the bytes of `mdat` that the sample tables
//! of the audio and video tracks point at are kept byte for byte; everything else in
//! `mdat` is zeroed. That removes the samples of timed-metadata tracks (GoPro GPMF
//! `gpmd`, `camm`, `mett`/`metx`, Apple `mebx`, timecode and text tracks: GPS and
//! wall-clock time live there) and anything else a camera hid between samples, while
//! every offset stays valid. In a fragmented file the samples are located the same
//! way through the `moof` boxes (track fragment headers and runs: base offsets, data
//! offsets, sample sizes), and everything else in `mdat` is zeroed too; a fragment whose
//! samples cannot be located for sure is refused, and so is a fragmented file with a
//! timed-metadata track.
//!
//! Video tracks whose every sample is a picture file with metadata of its own (Motion
//! JPEG frames carry the camera's EXIF, GPS included) are refused: their samples would
//! be kept byte for byte.

use crate::bytes::{
    OrMalformed, be_u16, be_u32, be_u64, fourcc, merge, note, range_within, to_usize, u8_at, zero, zero_except,
};
use crate::isobmff::{BoxRef, MAX_DEPTH, children, top_level};
use crate::{MediaError, heif, malformed};
use std::ops::Range;

/// Which kind of ISO BMFF file is being cleaned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// MP4, 3GP, MOV: a movie (`moov`) is required.
    Movie,
    /// HEIF, HEIC, AVIF: a picture `meta` box (items) and/or an image sequence.
    Image,
}

/// Track handlers whose samples are needed to play or show the file.
const MEDIA_HANDLERS: [&[u8; 4]; 4] = [b"vide", b"soun", b"auxv", b"pict"];

/// Sample entries of timed metadata, blanked even under a media handler.
const METADATA_ENTRIES: [&[u8; 4]; 9] = [
    b"gpmd", b"camm", b"mett", b"metx", b"mebx", b"rtmd", b"tmcd", b"djmd", b"dbgi",
];

/// Sample entries whose samples are whole pictures with metadata of their own: Motion
/// JPEG (EXIF, with GPS, make, model and serial, in every frame), Motion JPEG 2000, PNG,
/// TIFF and GIF frames. Such a track would be kept byte for byte, so the file is refused.
const PICTURE_ENTRIES: [&[u8; 4]; 12] = [
    b"jpeg", b"mjpa", b"mjpb", b"mjpg", b"MJPG", b"dmb1", b"AVDJ", b"AVRn", b"mjp2", b"png ", b"tiff", b"gif ",
];

/// MPEG-4 object types of the same pictures, in a generic `mp4v` sample entry (how
/// MP4 writers store Motion JPEG): JPEG, PNG, JPEG 2000.
const PICTURE_OBJECT_TYPES: [u8; 3] = [0x6C, 0x6D, 0x6E];

/// Children of a visual sample entry needed to decode or display it.
const VISUAL_ENTRY_KEEP: [&[u8; 4]; 26] = [
    b"avcC", b"hvcC", b"av1C", b"vpcC", b"vvcC", b"lhvC", b"dvcC", b"dvvC", b"dvwC", b"hvcE", b"avcE", b"btrt",
    b"pasp", b"colr", b"clap", b"fiel", b"sinf", b"glbl", b"mdcv", b"clli", b"st3d", b"sv3d", b"ccst", b"amve",
    b"esds", b"d263",
];

/// Children of an audio sample entry needed to decode it.
const AUDIO_ENTRY_KEEP: [&[u8; 4]; 17] = [
    b"esds", b"dOps", b"dfLa", b"alac", b"dac3", b"dec3", b"dac4", b"btrt", b"wave", b"chan", b"chnl", b"sinf",
    b"damr", b"SA3D", b"dmlp", b"ddts", b"glbl",
];

/// The sample tables of one track, found while walking it.
#[derive(Debug, Default)]
struct Track {
    /// From the track header: what the fragments of a fragmented file refer to.
    id: Option<u32>,
    handler: Option<[u8; 4]>,
    stsd: Option<BoxRef>,
    entries: Vec<[u8; 4]>,
    stco: Option<BoxRef>,
    stsz: Option<BoxRef>,
    stsc: Option<BoxRef>,
}

impl Track {
    /// Whether its samples are audio or video (kept) rather than timed metadata. A
    /// track without a sample description cannot be played: whatever its samples hold,
    /// they are not kept.
    fn plays(&self) -> bool {
        self.handler.is_some_and(|h| MEDIA_HANDLERS.contains(&&h))
            && !self.entries.is_empty()
            && !self.entries.iter().any(|e| METADATA_ENTRIES.contains(&e))
    }
}

/// What a box's contents are for, by where it sits.
enum Act {
    /// Needed as it is.
    Keep,
    /// A container: walk its children.
    Into,
    /// A full box with creation and modification times (mvhd, tkhd, mdhd).
    Times,
    /// The media handler: its type says what the track is; its name is blanked.
    MediaHandler,
    /// A QuickTime data handler: only its name is blanked.
    DataHandler,
    Trak,
    /// Defaults of a track's fragments (`trex`).
    Trex,
    /// A track fragment, and its header and sample runs.
    Traf,
    Tfhd,
    Trun,
    Stsd,
    Dref,
    Stco,
    Stsz,
    Stsc,
    /// A table of fixed-size entries after a count: kept, bytes after it zeroed.
    Table(usize),
    /// The edit list (entry size by version).
    Elst,
    /// Padding: contents zeroed.
    Free,
    /// Cannot be inspected (a compressed movie box): the file is refused.
    Refuse,
    /// Not needed to play the file: becomes an empty `free` box.
    Drop,
}

fn act(parent: &[u8; 4], kind: &[u8; 4]) -> Act {
    use Act::*;
    match (parent, kind) {
        (_, b"free" | b"skip" | b"wide") => Free,
        (b"moov", b"mvhd") => Times,
        (b"moov", b"trak") => Trak,
        (b"moov", b"mvex") => Into,
        (b"moov", b"iods" | b"pssh") => Keep,
        (b"moov", b"cmov") => Refuse,
        (b"mvex", b"trex") => Trex,
        (b"mvex", b"mehd" | b"leva") => Keep,
        (b"trak", b"tkhd") => Times,
        (b"trak", b"edts" | b"mdia") => Into,
        (b"trak", b"tref" | b"trgr" | b"tapt") => Keep,
        (b"edts", b"elst") => Elst,
        (b"mdia", b"mdhd") => Times,
        (b"mdia", b"hdlr") => MediaHandler,
        (b"mdia", b"minf") => Into,
        (b"mdia", b"elng") => Keep,
        (b"minf", b"vmhd" | b"smhd" | b"hmhd" | b"nmhd" | b"sthd" | b"gmhd") => Keep,
        (b"minf", b"hdlr") => DataHandler,
        (b"minf", b"dinf" | b"stbl") => Into,
        (b"dinf", b"dref") => Dref,
        (b"stbl", b"stsd") => Stsd,
        (b"stbl", b"stco" | b"co64") => Stco,
        (b"stbl", b"stsz" | b"stz2") => Stsz,
        (b"stbl", b"stsc") => Stsc,
        (b"stbl", b"stts" | b"ctts") => Table(8),
        (b"stbl", b"stss" | b"stps") => Table(4),
        (
            b"stbl",
            b"cslg" | b"sdtp" | b"sgpd" | b"sbgp" | b"subs" | b"saiz" | b"saio" | b"stsh" | b"padb" | b"stdp",
        ) => Keep,
        (b"moof", b"mfhd" | b"pssh") => Keep,
        (b"moof", b"traf") => Traf,
        (b"traf", b"tfhd") => Tfhd,
        (b"traf", b"trun") => Trun,
        (b"traf", b"tfdt" | b"sbgp" | b"sgpd" | b"subs" | b"saiz" | b"saio" | b"senc") => Keep,
        _ => Drop,
    }
}

/// The name a dropped box is listed under in the evidence record.
fn dropped_name(kind: &[u8; 4]) -> &'static str {
    match kind {
        b"udta" => "udta",
        b"meta" => "meta",
        b"uuid" => "uuid",
        b"prft" => "prft",
        b"emsg" => "emsg",
        _ => "other box",
    }
}

/// The state of one cleaning pass over an ISO BMFF file.
pub(crate) struct Cleaner {
    pub(crate) format: &'static str,
    flavor: Flavor,
    pub(crate) removed: Vec<&'static str>,
    tracks: Vec<Track>,
    /// Bodies of the top-level `mdat` boxes, in file order.
    mdats: Vec<Range<usize>>,
    fragmented: bool,
    /// The movie fragments (`moof`), in file order.
    fragments: Vec<Fragment>,
    /// Track ID and default sample size of each `trex`.
    trex: Vec<(u32, u32)>,
    movie: bool,
    /// A HEIF picture `meta` box was cleaned.
    pub(crate) image_meta: bool,
    /// Absolute ranges of image item data (HEIF), kept.
    pub(crate) keep: Vec<Range<usize>>,
    /// Absolute ranges of metadata item data (HEIF), zeroed.
    pub(crate) blank: Vec<Range<usize>>,
}

/// Cleans an MP4 (`Flavor::Movie`) or a HEIF/AVIF file (`Flavor::Image`).
pub(crate) fn strip(input: &[u8], flavor: Flavor) -> Result<(Vec<u8>, Vec<&'static str>), MediaError> {
    let format = match flavor {
        Flavor::Movie => "MP4",
        Flavor::Image => "HEIF",
    };
    let mut buf = input.to_vec();
    let mut c = Cleaner {
        format,
        flavor,
        removed: vec![],
        tracks: vec![],
        mdats: vec![],
        fragmented: false,
        fragments: vec![],
        trex: vec![],
        movie: false,
        image_meta: false,
        keep: vec![],
        blank: vec![],
    };
    let len = buf.len();
    let (top, tail) = top_level(&buf, format)?;
    for b in top {
        c.top(&mut buf, b)?;
    }
    if zero(&mut buf, tail..len) {
        note(&mut c.removed, "trailing data");
    }
    c.finish(&mut buf)?;
    Ok((buf, c.removed))
}

impl Cleaner {
    fn bad(&self, why: impl Into<String>) -> MediaError {
        malformed(self.format, why)
    }

    fn top(&mut self, buf: &mut [u8], b: BoxRef) -> Result<(), MediaError> {
        match &b.kind {
            b"ftyp" | b"styp" | b"sidx" | b"ssix" | b"mfra" => {}
            b"moov" => {
                if self.movie {
                    return Err(self.bad("two movie boxes"));
                }
                self.movie = true;
                self.inside(buf, b, 1)?;
            }
            b"mdat" => self.mdats.push(b.body..b.end),
            b"moof" => {
                self.fragmented = true;
                self.fragments.push(Fragment {
                    moof: b.start,
                    trafs: vec![],
                });
                self.inside(buf, b, 1)?;
            }
            b"free" | b"skip" | b"wide" => self.free(buf, b),
            b"meta" if self.flavor == Flavor::Image => heif::meta(buf, b, self)?,
            _ => self.drop(buf, b),
        }
        Ok(())
    }

    pub(crate) fn free(&mut self, buf: &mut [u8], b: BoxRef) {
        if zero(buf, b.body..b.end) {
            note(&mut self.removed, "free");
        }
    }

    pub(crate) fn drop(&mut self, buf: &mut [u8], b: BoxRef) {
        if b.blank(buf) {
            note(&mut self.removed, dropped_name(&b.kind));
        }
    }

    /// Walks the children of a container box.
    fn inside(&mut self, buf: &mut [u8], parent: BoxRef, depth: usize) -> Result<(), MediaError> {
        if depth > MAX_DEPTH {
            return Err(self.bad("boxes nested too deeply"));
        }
        let (kids, tail) = children(buf, parent.body, parent.end, self.format)?;
        if zero(buf, tail..parent.end) {
            note(&mut self.removed, "other box");
        }
        for b in kids {
            self.child(buf, &parent.kind, b, depth + 1)?;
        }
        Ok(())
    }

    fn fragment(&mut self) -> Result<&mut Fragment, MediaError> {
        let format = self.format;
        self.fragments
            .last_mut()
            .ok_or_else(|| malformed(format, "track fragment outside a movie fragment"))
    }

    fn traf(&mut self) -> Result<&mut Traf, MediaError> {
        let format = self.format;
        self.fragment()?
            .trafs
            .last_mut()
            .ok_or_else(|| malformed(format, "sample run outside a track fragment"))
    }

    fn track(&mut self) -> Result<&mut Track, MediaError> {
        let format = self.format;
        self.tracks
            .last_mut()
            .ok_or_else(|| malformed(format, "sample table outside a track"))
    }

    fn child(&mut self, buf: &mut [u8], parent: &[u8; 4], b: BoxRef, depth: usize) -> Result<(), MediaError> {
        match act(parent, &b.kind) {
            Act::Keep => {}
            Act::Into => self.inside(buf, b, depth)?,
            Act::Times => {
                if &b.kind == b"tkhd" {
                    // The track ID follows the two times (32- or 64-bit by version).
                    let at = if b.version(buf) == Some(1) { 20 } else { 12 };
                    let id = be_u32(buf, b.body + at)
                        .filter(|_| b.body + at + 4 <= b.end)
                        .or_bad(self.format, "truncated track header")?;
                    if self.track()?.id.replace(id).is_some() {
                        return Err(self.bad("two track headers in one track"));
                    }
                }
                if zero_times(buf, b, self.format)? {
                    note(&mut self.removed, "creation times");
                }
            }
            Act::MediaHandler => {
                let handler = fourcc(buf, b.body + 8)
                    .filter(|_| b.body + 12 <= b.end)
                    .or_bad(self.format, "truncated handler box")?;
                let track = self.track()?;
                if track.handler.replace(handler).is_some() {
                    return Err(self.bad("two media handlers in one track"));
                }
                self.handler_name(buf, b);
            }
            Act::DataHandler => self.handler_name(buf, b),
            Act::Trak => {
                self.tracks.push(Track::default());
                self.inside(buf, b, depth)?;
                self.sample_entries(buf, depth)?;
            }
            Act::Trex => {
                // Version and flags, track ID, default description index, duration,
                // size and flags.
                let (Some(id), Some(size)) = (be_u32(buf, b.body + 4), be_u32(buf, b.body + 16)) else {
                    return Err(self.bad("truncated track extends box"));
                };
                if b.body + 24 > b.end {
                    return Err(self.bad("truncated track extends box"));
                }
                if self.trex.iter().any(|(t, _)| *t == id) {
                    return Err(self.bad("two track extends boxes for one track"));
                }
                self.trex.push((id, size));
            }
            Act::Traf => {
                self.fragment()?.trafs.push(Traf::default());
                self.inside(buf, b, depth)?;
            }
            Act::Tfhd => {
                let traf = self.traf()?;
                if traf.tfhd.replace(b).is_some() {
                    return Err(self.bad("two headers in one track fragment"));
                }
            }
            Act::Trun => self.traf()?.truns.push(b),
            Act::Stsd => set_once(&mut self.track()?.stsd, b)?,
            Act::Dref => dref(buf, b, self.format)?,
            Act::Stco => {
                set_once(&mut self.track()?.stco, b)?;
                zero_after_table(buf, b, if &b.kind == b"co64" { 8 } else { 4 }, 8)?;
            }
            Act::Stsz => {
                set_once(&mut self.track()?.stsz, b)?;
                if &b.kind == b"stsz" && be_u32(buf, b.body + 4) == Some(0) {
                    // Sample size 0: a table of sizes follows the count at body+8.
                    let count = be_u32(buf, b.body + 8).or_bad(self.format, "truncated sample sizes")?;
                    let end = to_usize(count)
                        .and_then(|c| c.checked_mul(4))
                        .and_then(|n| range_within(b.body + 12, n, b.end))
                        .or_bad(self.format, "sample count exceeds the sample size table")?;
                    zero(buf, end.end..b.end);
                }
            }
            Act::Stsc => {
                set_once(&mut self.track()?.stsc, b)?;
                zero_after_table(buf, b, 12, 8)?;
            }
            Act::Table(width) => zero_after_table(buf, b, width, 8)?,
            Act::Elst => {
                let width = if b.version(buf) == Some(1) { 20 } else { 12 };
                zero_after_table(buf, b, width, 8)?;
            }
            Act::Free => self.free(buf, b),
            Act::Refuse => {
                return Err(MediaError::Unsupported(format!(
                    "{} with a compressed movie header",
                    self.format
                )));
            }
            Act::Drop => self.drop(buf, b),
        }
        Ok(())
    }

    /// Blanks the name of a handler box (bytes 24.. of its body: after version and
    /// flags, pre-defined, type and reserved fields; QuickTime keeps a Pascal string
    /// there, which then reads as empty).
    fn handler_name(&mut self, buf: &mut [u8], b: BoxRef) {
        let start = b.body.saturating_add(24).min(b.end);
        if zero(buf, start..b.end) {
            note(&mut self.removed, "handler names");
        }
    }

    /// The sample entries of the track just walked: their types say whether the track
    /// is timed metadata; in audio and video tracks the compressor name is blanked and
    /// only the codec configuration boxes are kept.
    fn sample_entries(&mut self, buf: &mut [u8], depth: usize) -> Result<(), MediaError> {
        let format = self.format;
        let Some(track) = self.tracks.last_mut() else {
            return Ok(());
        };
        let Some(stsd) = track.stsd else { return Ok(()) };
        // Full box: version and flags, then a 32-bit entry count.
        let first = stsd
            .body
            .checked_add(8)
            .filter(|s| *s <= stsd.end)
            .or_bad(format, "truncated sample description")?;
        let (entries, tail) = children(buf, first, stsd.end, format)?;
        zero(buf, tail..stsd.end);
        track.entries = entries.iter().map(|e| e.kind).collect();
        let handler = track.handler;
        if !track.plays() {
            return Ok(());
        }
        if let Some(e) = entries.iter().find(|e| PICTURE_ENTRIES.contains(&&e.kind)) {
            return Err(MediaError::Unsupported(format!(
                "{format} with a {} track: every frame is a picture with metadata of its own",
                String::from_utf8_lossy(&e.kind)
            )));
        }
        for entry in entries {
            let base = entry.header_end;
            let (children_at, keep): (usize, &[&[u8; 4]]) = match handler.as_ref() {
                Some(b"vide" | b"auxv" | b"pict") => {
                    // 8 bytes of SampleEntry, 70 of VisualSampleEntry; the 32-byte
                    // compressor name (an encoder or camera name) starts at 42.
                    let name = range_within(base + 42, 32, entry.end).or_bad(format, "short visual sample entry")?;
                    if zero(buf, name) {
                        note(&mut self.removed, "compressor name");
                    }
                    (base + 78, &VISUAL_ENTRY_KEEP)
                }
                Some(b"soun") => {
                    let version = be_u16(buf, base + 8)
                        .filter(|_| base + 28 <= entry.end)
                        .or_bad(format, "short audio sample entry")?;
                    let fixed = match version {
                        0 => 28,
                        1 => 44,
                        2 => 64,
                        _ => return Err(malformed(format, "unknown audio sample entry version")),
                    };
                    (base + fixed, &AUDIO_ENTRY_KEEP)
                }
                _ => continue,
            };
            if children_at > entry.end {
                return Err(malformed(format, "short sample entry"));
            }
            if depth > MAX_DEPTH {
                return Err(malformed(format, "boxes nested too deeply"));
            }
            let (kids, tail) = children(buf, children_at, entry.end, format)?;
            if zero(buf, tail..entry.end) {
                note(&mut self.removed, "other box");
            }
            if &entry.kind == b"mp4v" {
                let object = kids
                    .iter()
                    .find(|k| &k.kind == b"esds")
                    .and_then(|esds| object_type(buf, *esds));
                match object {
                    Some(o) if PICTURE_OBJECT_TYPES.contains(&o) => {
                        return Err(MediaError::Unsupported(format!(
                            "{format} with a Motion JPEG, PNG or JPEG 2000 track: every frame is a picture \
                             with metadata of its own"
                        )));
                    }
                    Some(_) => {}
                    None => {
                        return Err(MediaError::Unsupported(format!(
                            "{format} with an MPEG-4 video track that does not say what it holds"
                        )));
                    }
                }
            }
            for kid in kids {
                if !keep.contains(&&kid.kind) {
                    self.drop(buf, kid);
                }
            }
        }
        Ok(())
    }

    /// After the walk: keeps the media bytes of `mdat` the tracks and items point at,
    /// zeroes the rest, and zeroes the data of metadata items.
    fn finish(&mut self, buf: &mut [u8]) -> Result<(), MediaError> {
        match self.flavor {
            Flavor::Movie if !self.movie => return Err(self.bad("no movie box")),
            Flavor::Image if !self.movie && !self.image_meta => return Err(self.bad("no picture")),
            _ => {}
        }
        let mut keep = std::mem::take(&mut self.keep);
        let mut dropped_samples = false;
        for track in &self.tracks {
            let chunks = chunk_ranges(buf, track, self.format)?;
            if track.plays() {
                keep.extend(chunks);
            } else if !chunks.is_empty() {
                dropped_samples = true;
            }
        }
        if self.fragmented {
            // A timed-metadata track of a fragmented file is refused as before: its
            // samples would be spread over the fragments of a file that is meant to be
            // played as it arrives.
            if self.tracks.iter().any(|t| !t.plays()) {
                return Err(MediaError::Unsupported(format!(
                    "fragmented {} with a timed-metadata track",
                    self.format
                )));
            }
            let mut ids: Vec<Option<u32>> = self.tracks.iter().map(|t| t.id).collect();
            ids.sort_unstable();
            if ids.windows(2).any(|w| w[0] == w[1]) {
                return Err(self.bad("two tracks with the same ID (or none)"));
            }
            for f in &self.fragments {
                keep.extend(fragment_ranges(buf, f, &self.tracks, &self.trex, self.format)?);
            }
        }
        let keep = merge(keep);
        let blank = merge(std::mem::take(&mut self.blank));
        for k in &keep {
            let at = self.mdats.partition_point(|m| m.end < k.end);
            if !self.mdats.get(at).is_some_and(|m| m.start <= k.start && k.end <= m.end) {
                return Err(self.bad("media data outside the media data box"));
            }
        }
        let mut changed = false;
        for m in self.mdats.clone() {
            changed |= zero_except(buf, m, &keep);
        }
        if dropped_samples {
            note(&mut self.removed, "timed metadata");
        } else if changed && blank.is_empty() {
            note(&mut self.removed, "unreferenced data");
        }
        for b in blank {
            zero_except(buf, b, &keep);
        }
        Ok(())
    }
}

/// One movie fragment: where its `moof` starts (what offsets may count from) and its
/// track fragments in order.
struct Fragment {
    moof: usize,
    trafs: Vec<Traf>,
}

/// One track fragment: its header and its sample runs in order.
#[derive(Default)]
struct Traf {
    tfhd: Option<BoxRef>,
    truns: Vec<BoxRef>,
}

/// Track fragment header flags (ISO/IEC 14496-12, 8.8.7).
const TFHD_BASE_DATA_OFFSET: u32 = 0x01;
const TFHD_DESCRIPTION_INDEX: u32 = 0x02;
const TFHD_DEFAULT_DURATION: u32 = 0x08;
const TFHD_DEFAULT_SIZE: u32 = 0x10;
const TFHD_DEFAULT_FLAGS: u32 = 0x20;
const TFHD_DURATION_IS_EMPTY: u32 = 0x01_0000;
const TFHD_DEFAULT_BASE_IS_MOOF: u32 = 0x02_0000;

/// Track run flags (8.8.8).
const TRUN_DATA_OFFSET: u32 = 0x01;
const TRUN_FIRST_SAMPLE_FLAGS: u32 = 0x04;
const TRUN_DURATION: u32 = 0x100;
const TRUN_SIZE: u32 = 0x200;
const TRUN_FLAGS: u32 = 0x400;
const TRUN_COMPOSITION_OFFSET: u32 = 0x800;

/// The byte ranges of the samples of one movie fragment, one range per run (the samples
/// of a run are contiguous), from the track fragment headers (base data offset,
/// default sample size, default-base-is-moof) and the runs (data offset, sample sizes),
/// with the `trex` default size as the last resort. Whatever cannot be located for
/// sure (a run without sizes, a field or a track that is not there, flags this module
/// does not know) refuses the file: keeping bytes that no sample is known to use, or
/// zeroing bytes a sample uses, is not an option. The work is bounded by the size of
/// the runs, whatever counts they claim.
fn fragment_ranges(
    buf: &[u8],
    f: &Fragment,
    tracks: &[Track],
    trex: &[(u32, u32)],
    format: &'static str,
) -> Result<Vec<Range<usize>>, MediaError> {
    let refuse = |why: &str| MediaError::Unsupported(format!("fragmented {format} with {why}"));
    let bad = |why: &'static str| malformed(format, why);
    let mut out = vec![];
    let moof = f.moof as u64;
    // Without a base data offset or default-base-is-moof, a track fragment's data
    // starts where the previous one's ended (the first one's at the `moof`).
    let mut previous_end = moof;
    for traf in &f.trafs {
        let tfhd = traf.tfhd.ok_or_else(|| refuse("a track fragment without a header"))?;
        let flags = tfhd.flags(buf).ok_or_else(|| bad("truncated track fragment header"))?;
        let known = TFHD_BASE_DATA_OFFSET
            | TFHD_DESCRIPTION_INDEX
            | TFHD_DEFAULT_DURATION
            | TFHD_DEFAULT_SIZE
            | TFHD_DEFAULT_FLAGS
            | TFHD_DURATION_IS_EMPTY
            | TFHD_DEFAULT_BASE_IS_MOOF;
        if tfhd.version(buf) != Some(0) || flags & !known != 0 {
            return Err(refuse("a track fragment header of an unknown version or flags"));
        }
        let mut fields = Fields {
            buf,
            at: tfhd.body + 4,
            end: tfhd.end,
        };
        let id = fields.u32().ok_or_else(|| bad("truncated track fragment header"))?;
        let truncated = || bad("truncated track fragment header");
        let base_data_offset = fields
            .optional(flags & TFHD_BASE_DATA_OFFSET != 0, 8)
            .ok_or_else(truncated)?;
        fields
            .optional(flags & TFHD_DESCRIPTION_INDEX != 0, 4)
            .ok_or_else(truncated)?;
        fields
            .optional(flags & TFHD_DEFAULT_DURATION != 0, 4)
            .ok_or_else(truncated)?;
        let default_size = fields
            .optional(flags & TFHD_DEFAULT_SIZE != 0, 4)
            .ok_or_else(truncated)?;
        fields
            .optional(flags & TFHD_DEFAULT_FLAGS != 0, 4)
            .ok_or_else(truncated)?;
        if !tracks.iter().any(|t| t.id == Some(id)) {
            return Err(refuse("a fragment of a track the movie does not describe"));
        }
        let default_size =
            default_size.or_else(|| trex.iter().find(|(t, _)| *t == id).map(|(_, size)| u64::from(*size)));
        let base = match base_data_offset {
            Some(offset) => offset,
            None if flags & TFHD_DEFAULT_BASE_IS_MOOF != 0 => moof,
            None => previous_end,
        };
        let mut next = base;
        for trun in &traf.truns {
            let flags = trun.flags(buf).ok_or_else(|| bad("truncated track run"))?;
            let known = TRUN_DATA_OFFSET
                | TRUN_FIRST_SAMPLE_FLAGS
                | TRUN_DURATION
                | TRUN_SIZE
                | TRUN_FLAGS
                | TRUN_COMPOSITION_OFFSET;
            if !matches!(trun.version(buf), Some(0 | 1)) || flags & !known != 0 {
                return Err(refuse("a track run of an unknown version or flags"));
            }
            let mut fields = Fields {
                buf,
                at: trun.body + 4,
                end: trun.end,
            };
            let count = fields.u32().ok_or_else(|| bad("truncated track run"))?;
            let start = match fields.optional(flags & TRUN_DATA_OFFSET != 0, 4) {
                None => return Err(bad("truncated track run")),
                // A signed offset from the base.
                Some(Some(offset)) => base
                    .checked_add_signed(i64::from(offset as u32 as i32))
                    .ok_or_else(|| bad("sample data before the start of the file"))?,
                Some(None) => next,
            };
            fields
                .optional(flags & TRUN_FIRST_SAMPLE_FLAGS != 0, 4)
                .ok_or_else(|| bad("truncated track run"))?;
            // Then one entry per sample: the fields the flags announce, 4 bytes each.
            let width =
                4 * (flags & (TRUN_DURATION | TRUN_SIZE | TRUN_FLAGS | TRUN_COMPOSITION_OFFSET)).count_ones() as usize;
            let table = to_usize(count)
                .and_then(|c| c.checked_mul(width))
                .and_then(|n| range_within(fields.at, n, trun.end))
                .ok_or_else(|| bad("sample count exceeds its track run"))?;
            let total = if count == 0 {
                0
            } else if flags & TRUN_SIZE != 0 {
                let size_at = if flags & TRUN_DURATION != 0 { 4 } else { 0 };
                let mut total = 0u64;
                for entry in table.step_by(width) {
                    let size = be_u32(buf, entry + size_at).ok_or_else(|| bad("truncated track run"))?;
                    total = total
                        .checked_add(u64::from(size))
                        .ok_or_else(|| bad("sample sizes overflow"))?;
                }
                total
            } else {
                // A default of 0 (what `trex` says when it has none) would make a run
                // of samples that hold nothing: refused rather than zeroed.
                let size = default_size
                    .filter(|s| *s != 0)
                    .ok_or_else(|| refuse("a track run whose sample sizes are not given"))?;
                size.checked_mul(u64::from(count))
                    .ok_or_else(|| bad("sample sizes overflow"))?
            };
            let end = start
                .checked_add(total)
                .ok_or_else(|| bad("sample data beyond the file"))?;
            if end > buf.len() as u64 {
                return Err(bad("sample data runs past the end of the file"));
            }
            if total > 0 {
                out.push(
                    to_usize(start).ok_or_else(|| bad("sample data beyond the file"))?
                        ..to_usize(end).ok_or_else(|| bad("sample data beyond the file"))?,
                );
            }
            next = end;
        }
        previous_end = next;
    }
    Ok(out)
}

/// Big-endian fields read one after another inside one box.
struct Fields<'a> {
    buf: &'a [u8],
    at: usize,
    end: usize,
}

impl Fields<'_> {
    fn u32(&mut self) -> Option<u32> {
        let v = be_u32(self.buf, self.at).filter(|_| self.at + 4 <= self.end)?;
        self.at += 4;
        Some(v)
    }

    /// A field of `width` (4 or 8) bytes if `present`: `None` when it is truncated,
    /// `Some(None)` when it is absent.
    fn optional(&mut self, present: bool, width: usize) -> Option<Option<u64>> {
        if !present {
            return Some(None);
        }
        let v = match width {
            8 => be_u64(self.buf, self.at),
            _ => be_u32(self.buf, self.at).map(u64::from),
        }
        .filter(|_| self.at + width <= self.end)?;
        self.at += width;
        Some(Some(v))
    }
}

fn set_once(slot: &mut Option<BoxRef>, b: BoxRef) -> Result<(), MediaError> {
    if slot.replace(b).is_some() {
        return Err(malformed("MP4", "a sample table box appears twice in one track"));
    }
    Ok(())
}

/// Zeroes creation and modification time of a movie, track or media header (version
/// 0: two 32-bit times after the version and flags; version 1: two 64-bit times), and
/// anything after the header's fixed fields.
fn zero_times(buf: &mut [u8], b: BoxRef, format: &'static str) -> Result<bool, MediaError> {
    let width = match b.version(buf) {
        Some(0) => 4,
        Some(1) => 8,
        _ => return Err(malformed(format, "unknown header box version")),
    };
    // Body sizes of version 0; version 1 adds 12 bytes (wider times and duration).
    let fixed = match &b.kind {
        b"mvhd" => 100,
        b"tkhd" => 84,
        _ => 24,
    } + if width == 8 { 12 } else { 0 };
    let times = range_within(b.body + 4, 2 * width, b.end).or_bad(format, "truncated header box")?;
    let extra = b.body.saturating_add(fixed).min(b.end)..b.end;
    let changed = zero(buf, times);
    Ok(zero(buf, extra) || changed)
}

/// Zeroes whatever follows the entries of a table box (`count` at body+4, then
/// entries of `width` bytes from body+`first`): only the table is needed.
fn zero_after_table(buf: &mut [u8], b: BoxRef, width: usize, first: usize) -> Result<(), MediaError> {
    let t = Table::new(buf, b, width, first)?;
    let end = t.at + t.count * t.width;
    zero(buf, end..b.end);
    Ok(())
}

/// Data references: only "in this file" is accepted (an external reference would
/// name a path or URL, and the offsets would not point into what is stored); any
/// location string left in a self-contained entry is zeroed.
pub(crate) fn dref(buf: &mut [u8], b: BoxRef, format: &'static str) -> Result<(), MediaError> {
    let first = b
        .body
        .checked_add(8)
        .filter(|s| *s <= b.end)
        .or_bad(format, "truncated data reference box")?;
    let (entries, tail) = children(buf, first, b.end, format)?;
    zero(buf, tail..b.end);
    for e in entries {
        let flags = e.flags(buf).or_bad(format, "truncated data reference")?;
        if flags & 1 == 0 {
            return Err(MediaError::Unsupported(format!(
                "{format} with external data references"
            )));
        }
        zero(buf, e.body + 4..e.end);
    }
    Ok(())
}

/// The byte ranges of a track's chunks, from its chunk offsets (`stco`/`co64`),
/// samples per chunk (`stsc`) and sample sizes (`stsz`/`stz2`). One range per chunk,
/// so the work is bounded by the size of the tables, whatever counts they claim.
fn chunk_ranges(buf: &[u8], track: &Track, format: &'static str) -> Result<Vec<Range<usize>>, MediaError> {
    let bad = |why: &'static str| malformed(format, why);
    let Some(stco) = track.stco else { return Ok(vec![]) };
    let offsets = Table::new(buf, stco, if &stco.kind == b"co64" { 8 } else { 4 }, 8)?;
    if offsets.count == 0 {
        return Ok(vec![]);
    }
    let (Some(stsz), Some(stsc)) = (track.stsz, track.stsc) else {
        return Err(bad("chunks without sample sizes or samples per chunk"));
    };
    let per_chunk = Table::new(buf, stsc, 12, 8)?;
    let sizes = Sizes::new(buf, stsz, format)?;
    let mut out = Vec::with_capacity(offsets.count);
    let mut entry = 0usize;
    let mut sample = 0u64;
    for chunk in 0..offsets.count {
        let number = chunk as u64 + 1;
        while entry + 1 < per_chunk.count && u64::from(per_chunk.u32(buf, entry + 1, 0)?) <= number {
            if per_chunk.u32(buf, entry + 1, 0)? <= per_chunk.u32(buf, entry, 0)? {
                return Err(bad("samples-per-chunk entries out of order"));
            }
            entry += 1;
        }
        if per_chunk.count == 0 || u64::from(per_chunk.u32(buf, entry, 0)?) > number {
            return Err(bad("a chunk without a samples-per-chunk entry"));
        }
        let n = u64::from(per_chunk.u32(buf, entry, 4)?).min(sizes.count.saturating_sub(sample));
        let bytes = sizes.sum(buf, sample, n)?;
        sample += n;
        let at = offsets.uint(buf, chunk)?;
        let start = to_usize(at).ok_or_else(|| bad("chunk offset beyond the file"))?;
        let len = to_usize(bytes).ok_or_else(|| bad("chunk larger than the file"))?;
        let range = range_within(start, len, buf.len()).ok_or_else(|| bad("chunk runs past the end of the file"))?;
        if !range.is_empty() {
            out.push(range);
        }
    }
    Ok(out)
}

/// The objectTypeIndication of the decoder configuration in an `esds` box (ISO/IEC
/// 14496-1: an ES descriptor, tag 3, then a decoder configuration descriptor, tag 4,
/// whose first byte it is): what a generic `mp4v` sample entry really holds.
fn object_type(buf: &[u8], esds: BoxRef) -> Option<u8> {
    let end = esds.end;
    let byte = |at: usize| u8_at(buf, at).filter(|_| at < end);
    // A descriptor's tag, then its length in up to four bytes of seven bits.
    let descriptor = |at: usize, tag: u8| -> Option<usize> {
        if byte(at)? != tag {
            return None;
        }
        (1..=4).find_map(|i| match byte(at + i) {
            Some(b) if b & 0x80 == 0 => Some(Some(at + i + 1)),
            Some(_) if i < 4 => None,
            _ => Some(None),
        })?
    };
    // Version and flags, then the ES descriptor: ID (2 bytes) and flags, then the
    // fields the flags announce (depends-on ID, URL, OCR stream ID).
    let mut at = descriptor(esds.body + 4, 0x03)?;
    let flags = byte(at + 2)?;
    at += 3;
    if flags & 0x80 != 0 {
        at += 2;
    }
    if flags & 0x40 != 0 {
        at += 1 + usize::from(byte(at)?);
    }
    if flags & 0x20 != 0 {
        at += 2;
    }
    byte(descriptor(at, 0x04)?)
}

/// A full box holding a 32-bit entry count at body+4 and fixed-size entries after
/// `first` bytes of body; the count is checked against the box's size.
struct Table {
    at: usize,
    width: usize,
    count: usize,
}

impl Table {
    fn new(buf: &[u8], b: BoxRef, width: usize, first: usize) -> Result<Table, MediaError> {
        let count = be_u32(buf, b.body + 4)
            .filter(|_| b.body + first <= b.end)
            .or_bad("MP4", "truncated table")?;
        let count = to_usize(count).or_bad("MP4", "table too large")?;
        let at = b.body + first;
        let bytes = count.checked_mul(width).or_bad("MP4", "table too large")?;
        range_within(at, bytes, b.end).or_bad("MP4", "table entry count exceeds its box")?;
        Ok(Table { at, width, count })
    }

    fn u32(&self, buf: &[u8], i: usize, field: usize) -> Result<u32, MediaError> {
        be_u32(buf, self.at + i * self.width + field).or_bad("MP4", "truncated table")
    }

    fn uint(&self, buf: &[u8], i: usize) -> Result<u64, MediaError> {
        let at = self.at + i * self.width;
        match self.width {
            8 => be_u64(buf, at),
            _ => be_u32(buf, at).map(u64::from),
        }
        .or_bad("MP4", "truncated table")
    }
}

/// Sample sizes: one size for all samples, or a table of 4-, 8-, 16- or 32-bit sizes.
struct Sizes {
    constant: u64,
    at: usize,
    bits: usize,
    count: u64,
}

impl Sizes {
    fn new(buf: &[u8], b: BoxRef, format: &'static str) -> Result<Sizes, MediaError> {
        let bad = |why: &'static str| malformed(format, why);
        let (constant, bits) = if &b.kind == b"stz2" {
            let bits = u8_at(buf, b.body + 7).ok_or_else(|| bad("truncated sample sizes"))?;
            if !matches!(bits, 4 | 8 | 16) {
                return Err(bad("bad compact sample size width"));
            }
            (0, usize::from(bits))
        } else {
            (
                u64::from(be_u32(buf, b.body + 4).ok_or_else(|| bad("truncated sample sizes"))?),
                32,
            )
        };
        let count = be_u32(buf, b.body + 8)
            .filter(|_| b.body + 12 <= b.end)
            .ok_or_else(|| bad("truncated sample sizes"))?;
        let at = b.body + 12;
        if constant == 0 {
            let bytes = (count as usize)
                .checked_mul(bits)
                .ok_or_else(|| bad("sample size table too large"))?
                .div_ceil(8);
            range_within(at, bytes, b.end).ok_or_else(|| bad("sample count exceeds the sample size table"))?;
        }
        Ok(Sizes {
            constant,
            at,
            bits,
            count: u64::from(count),
        })
    }

    /// Total size of `n` samples from `first`; a table is only read within its box.
    fn sum(&self, buf: &[u8], first: u64, n: u64) -> Result<u64, MediaError> {
        let bad = || malformed("MP4", "sample sizes overflow");
        if self.constant != 0 {
            return self.constant.checked_mul(n).ok_or_else(bad);
        }
        let mut total = 0u64;
        for i in first..first.saturating_add(n) {
            let i = to_usize(i).ok_or_else(bad)?;
            let size = match self.bits {
                32 => be_u32(buf, self.at + i * 4).map(u64::from),
                16 => be_u16(buf, self.at + i * 2).map(u64::from),
                8 => u8_at(buf, self.at + i).map(u64::from),
                _ => u8_at(buf, self.at + i / 2).map(|b| u64::from(if i % 2 == 0 { b >> 4 } else { b & 0x0F })),
            }
            .ok_or_else(bad)?;
            total = total.checked_add(size).ok_or_else(bad)?;
        }
        Ok(total)
    }
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
        let (out, removed) = strip(&file, Flavor::Movie).expect("strip");
        assert_eq!(out.len(), file.len());
        assert!(!out.windows(4).any(|w| w == b"udta" || w == b"\xa9xyz"));
        assert!(removed.contains(&"udta") && removed.contains(&"creation times"));
        let mut broken = file.clone();
        broken[3] = 0xFF; // ftyp claims more than the file holds
        assert!(strip(&broken, Flavor::Movie).is_err());
    }

    fn full(kind: &[u8; 4], flags: u32, body: &[u8]) -> Vec<u8> {
        boxed(kind, &[&flags.to_be_bytes()[..], body].concat())
    }

    /// A movie with one video track (ID 1) whose `trex` gives `default_size`, and one
    /// fragment (default-base-is-moof) of two samples without sizes, in an `mdat` that
    /// also holds a name; and where that `mdat`'s body starts.
    fn fragmented(default_size: u32) -> (Vec<u8>, usize) {
        let tkhd = full(b"tkhd", 0, &[&[0; 8][..], &1u32.to_be_bytes(), &[0; 72]].concat());
        let hdlr = full(b"hdlr", 0, &[&[0; 4][..], b"vide", &[0; 13]].concat());
        let avc1 = boxed(b"avc1", &[0; 78]);
        let stsd = full(b"stsd", 0, &[&1u32.to_be_bytes()[..], &avc1].concat());
        let minf = boxed(b"minf", &boxed(b"stbl", &stsd));
        let trak = boxed(b"trak", &[tkhd, boxed(b"mdia", &[hdlr, minf].concat())].concat());
        let trex = full(b"trex", 0, &[1, 1, 0, default_size, 0].map(u32::to_be_bytes).concat());
        let moov = boxed(b"moov", &[trak, boxed(b"mvex", &trex)].concat());
        let init = [boxed(b"ftyp", b"iso6\0\0\0\0"), moov].concat();
        let moof = |offset: u32| {
            let tfhd = full(b"tfhd", 0x02_0000, &1u32.to_be_bytes());
            let trun = full(b"trun", 0x01, &[2u32, offset].map(u32::to_be_bytes).concat());
            boxed(b"moof", &boxed(b"traf", &[tfhd, trun].concat()))
        };
        let offset = moof(0).len() as u32 + 8;
        let file = [init.clone(), moof(offset), boxed(b"mdat", b"ABCDEFGHRamesh")].concat();
        (file, init.len() + offset as usize)
    }

    #[test]
    fn fragment_sizes_may_come_from_trex() {
        let (file, body) = fragmented(4);
        let (out, removed) = strip(&file, Flavor::Movie).expect("strip");
        assert_eq!(&out[body..], b"ABCDEFGH\0\0\0\0\0\0");
        assert!(removed.contains(&"unreferenced data"));
        // A default of 0 says nothing: refused, not zeroed.
        let (file, _) = fragmented(0);
        assert!(matches!(strip(&file, Flavor::Movie), Err(MediaError::Unsupported(_))));
        // Larger than the data: past the end of the file.
        let (file, _) = fragmented(u32::MAX);
        assert!(matches!(strip(&file, Flavor::Movie), Err(MediaError::Malformed { .. })));
    }

    #[test]
    fn object_types_are_read_from_the_decoder_configuration() {
        let esds = |body: &[u8]| {
            let b = full(b"esds", 0, body);
            let (boxes, _) = children(&b, 0, b.len(), "MP4").expect("box");
            object_type(&b, boxes[0])
        };
        // As ffmpeg writes it: four-byte lengths.
        let ffmpeg = [
            3, 0x80, 0x80, 0x80, 0x1B, 0, 1, 0, 4, 0x80, 0x80, 0x80, 0x0D, 0x6C, 0x11,
        ];
        assert_eq!(esds(&ffmpeg), Some(0x6C));
        // Short lengths, and every optional field of the ES descriptor.
        let full_es = [3, 0x20, 0, 1, 0xE0, 0, 2, 3, b'u', b'r', b'l', 0, 3, 4, 0x11, 0x20];
        assert_eq!(esds(&full_es), Some(0x20));
        for cut in 0..full_es.len() {
            assert_eq!(esds(&full_es[..cut]), None, "cut at {cut}");
        }
        assert_eq!(esds(&[4, 0x11, 0x6C]), None, "no ES descriptor");
        assert_eq!(esds(&[3, 0x80, 0x80, 0x80, 0x80, 0x1B]), None, "a length of five bytes");
    }

    #[test]
    fn sample_counts_beyond_their_tables_are_malformed() {
        let stbl = [
            boxed(b"stsd", &[0, 0, 0, 0, 0, 0, 0, 0]),
            boxed(b"stco", &[0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]),
        ]
        .concat();
        let trak = boxed(b"trak", &boxed(b"mdia", &boxed(b"minf", &boxed(b"stbl", &stbl))));
        let file = [boxed(b"ftyp", b"isom\0\0\0\0"), boxed(b"moov", &trak)].concat();
        assert!(matches!(strip(&file, Flavor::Movie), Err(MediaError::Malformed { .. })));
    }
}
