//! What a file is, from its first bytes.

/// Formats accepted as evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
    /// MP4, 3GP and M4A: the ISO base media file format.
    Mp4,
    OggOpus,
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
            Format::OggOpus => "audio/ogg; codecs=opus",
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
        return Some(Format::Mp4);
    }
    if starts(b"OggS") {
        // The first packet names the codec; WhatsApp voice notes are Opus.
        let first_packet = bytes.get(27 + usize::from(*bytes.get(26)?)..)?;
        return first_packet.starts_with(b"OpusHead").then_some(Format::OggOpus);
    }
    if starts(b"ID3") || (bytes.len() > 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0 && bytes[1] & 0x06 != 0) {
        return Some(Format::Mp3);
    }
    if starts(b"#!AMR") {
        return Some(Format::Amr);
    }
    if bytes.len() > 2 && bytes[0] == 0xFF && bytes[1] & 0xF6 == 0xF0 {
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
