//! What a file is, from its first bytes.

/// Formats accepted as evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
    /// MP4, 3GP, MOV and M4A: the ISO base media file format, as a movie.
    Mp4,
    /// HEIF and HEIC (iPhone photos): ISO BMFF too, but told apart by the `ftyp` brand.
    Heif,
    /// AVIF: HEIF with AV1 pictures.
    Avif,
    OggOpus,
    /// Ogg with Vorbis audio.
    OggVorbis,
    Mp3,
    Amr,
    Aac,
    Pdf,
    /// DOCX, XLSX, PPTX (ZIP containers).
    OfficeZip,
    /// DOC, XLS, PPT (OLE compound files).
    OfficeLegacy,
    Text,
}

impl Format {
    pub fn mime_type(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Webp => "image/webp",
            Format::Mp4 => "video/mp4",
            Format::Heif => "image/heif",
            Format::Avif => "image/avif",
            Format::OggOpus => "audio/ogg; codecs=opus",
            Format::OggVorbis => "audio/ogg",
            Format::Mp3 => "audio/mpeg",
            Format::Amr => "audio/amr",
            Format::Aac => "audio/aac",
            Format::Pdf => "application/pdf",
            Format::OfficeZip => "application/zip",
            Format::OfficeLegacy => "application/x-ole-storage",
            Format::Text => "text/plain",
        }
    }
}

/// Identifies `bytes` by content. `None`: not a format we accept.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Some(Format::Jpeg);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Some(Format::Png);
    }
    if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return Some(Format::Webp);
    }
    if bytes.get(4..8) == Some(b"ftyp") {
        return Some(iso_bmff(bytes));
    }
    if starts(b"OggS") {
        // The first packet names the codec; WhatsApp voice notes are Opus.
        let first_packet = bytes.get(27 + usize::from(*bytes.get(26)?)..)?;
        if first_packet.starts_with(b"OpusHead") {
            return Some(Format::OggOpus);
        }
        return first_packet.starts_with(b"\x01vorbis").then_some(Format::OggVorbis);
    }
    let b0 = bytes.first().copied();
    let b1 = bytes.get(1).copied().unwrap_or(0);
    if starts(b"ID3") || (b0 == Some(0xFF) && b1 & 0xE0 == 0xE0 && b1 & 0x06 != 0) {
        return Some(Format::Mp3);
    }
    if starts(b"#!AMR") {
        return Some(Format::Amr);
    }
    if b0 == Some(0xFF) && b1 & 0xF6 == 0xF0 {
        return Some(Format::Aac);
    }
    if starts(b"%PDF-") {
        return Some(Format::Pdf);
    }
    if starts(b"PK\x03\x04") {
        return Some(Format::OfficeZip);
    }
    if starts(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Some(Format::OfficeLegacy);
    }
    let text = std::str::from_utf8(bytes).ok()?;
    (!text.contains('\0')).then_some(Format::Text)
}

/// HEIF brands (still images and image sequences, HEVC or generic).
const HEIF_BRANDS: [&[u8; 4]; 8] = [b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"];
const AVIF_BRANDS: [&[u8; 4]; 2] = [b"avif", b"avis"];

/// An ISO BMFF file is a picture when its major brand, or failing that any compatible
/// brand, is a HEIF or AVIF brand: such files keep their Exif as items, which the
/// movie cleaner would not find.
fn iso_bmff(bytes: &[u8]) -> Format {
    let brands = crate::isobmff::brands(bytes);
    let classify = |b: &[u8; 4]| {
        if AVIF_BRANDS.contains(&b) {
            Some(Format::Avif)
        } else if HEIF_BRANDS.contains(&b) {
            Some(Format::Heif)
        } else {
            None
        }
    };
    brands
        .first()
        .and_then(classify)
        .or_else(|| brands.iter().skip(1).find_map(classify))
        .unwrap_or(Format::Mp4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let mut b = ((16 + 4 * compatible.len()) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(b"ftyp");
        b.extend_from_slice(major);
        b.extend_from_slice(&[0; 4]);
        for c in compatible {
            b.extend_from_slice(*c);
        }
        b
    }

    #[test]
    fn heif_and_avif_are_told_from_mp4_by_brand() {
        assert_eq!(sniff(&ftyp(b"heic", &[b"mif1", b"heic"])), Some(Format::Heif));
        assert_eq!(sniff(&ftyp(b"mif1", &[b"heic"])), Some(Format::Heif));
        assert_eq!(sniff(&ftyp(b"avif", &[b"mif1", b"miaf"])), Some(Format::Avif));
        assert_eq!(sniff(&ftyp(b"miaf", &[b"avif"])), Some(Format::Avif));
        assert_eq!(sniff(&ftyp(b"msf1", &[b"hevc"])), Some(Format::Heif));
        assert_eq!(sniff(&ftyp(b"isom", &[b"iso2", b"mp41"])), Some(Format::Mp4));
        assert_eq!(sniff(&ftyp(b"3gp4", &[])), Some(Format::Mp4));
        // A claimed ftyp size far beyond the file is read only as far as it goes.
        let mut huge = ftyp(b"qt  ", &[b"heic"]);
        huge[..4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(sniff(&huge), Some(Format::Heif));
    }
}
