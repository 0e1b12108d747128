//! Evidence processing: what happens to a citizen's photo, voice note or video between
//! WhatsApp and the vault.
//!
//! Media can identify the informant: a phone's photo carries GPS coordinates, the
//! phone's make and model and the time in EXIF; a video carries creation times and
//! often a location box; an audio file carries encoder comments. [`process`] checks
//! what a file really is (never trusting the declared MIME type), removes location,
//! device and time metadata **without re-encoding** (the pixels and samples officers
//! see are the ones the citizen sent), and computes a SHA-256 of what is stored plus a
//! perceptual hash for images (to find the same picture sent twice).
//!
//! Every stripper is a byte-level rewrite of the container that keeps the media data
//! untouched, and every stripper is an allow-list: it keeps what is needed to show or
//! play the file and drops everything else, so metadata a phone invents tomorrow is
//! dropped too. MP4 and HEIF metadata is overwritten in place (`free` boxes, zeroed
//! times and item data) so every sample and item offset stays valid.
//!
//! The parsers read untrusted input with checked arithmetic only (see `bytes`): a
//! crafted size or offset gives [`MediaError::Malformed`], never a panic, and every
//! loop consumes input or is bounded, so no file can make processing hang.

mod bytes;
mod heif;
mod isobmff;
mod jpeg;
mod mp3;
mod mp4;
mod ogg;
mod png;
mod sniff;
mod webp;

pub use sniff::{Format, sniff};

use sha2::{Digest, Sha256};

/// Why a file was refused or could not be cleaned.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MediaError {
    #[error("file type not accepted as evidence: {0}")]
    Unsupported(String),
    #[error("{format} file is malformed: {reason}")]
    Malformed { format: &'static str, reason: String },
}

pub(crate) fn malformed(format: &'static str, reason: impl Into<String>) -> MediaError {
    MediaError::Malformed {
        format,
        reason: reason.into(),
    }
}

/// A file ready for the vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    pub bytes: Vec<u8>,
    pub format: Format,
    /// The MIME type of what is stored, from the content, not from the sender.
    pub mime_type: &'static str,
    /// SHA-256 of `bytes`, lowercase hex.
    pub sha256: String,
    /// 64-bit difference hash of an image, hex; `None` for other media.
    pub perceptual_hash: Option<String>,
    /// What was removed, for the evidence record (e.g. "exif", "xmp", "udta").
    pub removed: Vec<&'static str>,
    /// Whether the format's metadata can be removed at all (documents: no).
    pub metadata_stripped: bool,
}

/// What kind of media the citizen sent, as WhatsApp labelled it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    Image,
    Audio,
    Video,
    Document,
}

/// Checks, cleans and hashes one file.
pub fn process(declared: Declared, bytes: &[u8]) -> Result<Processed, MediaError> {
    let format = sniff(bytes).ok_or_else(|| MediaError::Unsupported("unrecognised content".into()))?;
    let allowed = match declared {
        Declared::Image => matches!(
            format,
            Format::Jpeg | Format::Png | Format::Webp | Format::Heif | Format::Avif
        ),
        Declared::Audio => matches!(
            format,
            Format::OggOpus | Format::OggVorbis | Format::Mp3 | Format::Amr | Format::Aac | Format::Mp4
        ),
        Declared::Video => matches!(format, Format::Mp4),
        Declared::Document => true,
    };
    if !allowed {
        return Err(MediaError::Unsupported(format!(
            "{} sent as {declared:?}",
            format.mime_type()
        )));
    }
    let (bytes, removed, metadata_stripped) = match format {
        Format::Jpeg => with(jpeg::strip(bytes)?),
        Format::Png => with(png::strip(bytes)?),
        Format::Webp => with(webp::strip(bytes)?),
        Format::Mp4 => with(mp4::strip(bytes, mp4::Flavor::Movie)?),
        // Pictures as items (an iPhone photo sent as a document): cleaned, never taken
        // for a movie.
        Format::Heif | Format::Avif => with(mp4::strip(bytes, mp4::Flavor::Image)?),
        Format::OggOpus | Format::OggVorbis => with(ogg::strip(bytes)?),
        Format::Mp3 => with(mp3::strip(bytes)?),
        // ADTS has no metadata of its own, but tags can be appended: rebuilt from frames.
        Format::Aac => with(mp3::strip_adts(bytes)?),
        // A raw codec stream and plain text: no metadata containers to speak of.
        Format::Amr | Format::Text => (bytes.to_vec(), vec![], true),
        // Documents keep their properties (authors, software): rewriting PDF or Office
        // files is out of scope; the record says so and officers are told.
        Format::Pdf | Format::OfficeZip | Format::OfficeLegacy => (bytes.to_vec(), vec![], false),
    };
    let perceptual_hash = match format {
        Format::Jpeg | Format::Png | Format::Webp => difference_hash(&bytes).map(|h| format!("{h:016x}")),
        _ => None,
    };
    Ok(Processed {
        sha256: hex::encode(Sha256::digest(&bytes)),
        mime_type: format.mime_type(),
        format,
        bytes,
        perceptual_hash,
        removed,
        metadata_stripped,
    })
}

fn with((bytes, removed): (Vec<u8>, Vec<&'static str>)) -> (Vec<u8>, Vec<&'static str>, bool) {
    (bytes, removed, true)
}

/// The 64-bit difference hash (dHash) of an image: shrink to 9×8 grey pixels and
/// record, for each row, whether each pixel is brighter than its right neighbour.
/// Robust to rescaling and recompression, which is what forwarding does to a photo.
pub fn difference_hash(bytes: &[u8]) -> Option<u64> {
    let image = image::load_from_memory(bytes).ok()?;
    let small = image
        .resize_exact(9, 8, image::imageops::FilterType::Triangle)
        .to_luma8();
    let mut hash = 0u64;
    for y in 0..8 {
        for x in 0..8 {
            let left = small.get_pixel(x, y)[0];
            let right = small.get_pixel(x + 1, y)[0];
            hash = (hash << 1) | u64::from(left > right);
        }
    }
    Some(hash)
}

/// Bits that differ between two perceptual hashes (0: the same picture).
pub fn hash_distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// The [`EvidenceProcessor`](satark_core::ports::EvidenceProcessor) port, implemented
/// by [`process`].
#[derive(Debug, Clone, Copy, Default)]
pub struct MediaProcessor;

impl satark_core::ports::EvidenceProcessor for MediaProcessor {
    fn process(
        &self,
        kind: satark_core::report::MediaKind,
        bytes: &[u8],
    ) -> Result<satark_core::ports::ProcessedEvidence, satark_core::ports::EvidenceRejection> {
        use satark_core::ports::EvidenceRejection;
        use satark_core::report::MediaKind;
        let declared = match kind {
            MediaKind::Photo => Declared::Image,
            MediaKind::Voice | MediaKind::Audio => Declared::Audio,
            MediaKind::Video => Declared::Video,
            MediaKind::Document => Declared::Document,
        };
        let out = process(declared, bytes).map_err(|e| match e {
            MediaError::Unsupported(why) => EvidenceRejection::Unsupported(why),
            e @ MediaError::Malformed { .. } => EvidenceRejection::Malformed(e.to_string()),
        })?;
        Ok(satark_core::ports::ProcessedEvidence {
            bytes: out.bytes,
            mime_type: out.mime_type.to_string(),
            sha256: out.sha256,
            perceptual_hash: out.perceptual_hash,
            metadata_removed: out.removed.iter().map(|r| r.to_string()).collect(),
            metadata_stripped: out.metadata_stripped,
        })
    }
}
