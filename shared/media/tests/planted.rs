//! Real-world layouts with a name, a phone number, GPS, device, serial and times planted
//! in every field (made by `scripts/make-media-fixtures`): after processing, neither a
//! byte search (UTF-8 and UTF-16) nor an independent reader (kamadak-exif, the `mp4` and
//! `ogg` crates, exiftool, libheif) finds any of it, and the media still decodes to the
//! same pixels, samples, packets or frames.

mod common;

use common::*;
use satark_media::{Declared, Format, MediaError, process};
use std::io::Cursor;

fn exif_tags(bytes: &[u8]) -> Vec<exif::Tag> {
    match exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) {
        Ok(exif) => exif.fields().map(|f| f.tag).collect(),
        Err(_) => vec![],
    }
}

fn pixels(bytes: &[u8]) -> Vec<u8> {
    image::load_from_memory(bytes).expect("decodes").to_rgba8().into_raw()
}

/// The chunk types of a PNG, read independently.
fn png_chunks(bytes: &[u8]) -> Vec<String> {
    let mut out = vec![];
    let mut at = 8;
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        out.push(String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned());
        at += 12 + len;
    }
    out
}

/// The chunk codes of a WebP (top level and inside animation frames), read independently.
fn webp_chunks(bytes: &[u8], from: usize, to: usize, out: &mut Vec<String>) {
    let mut at = from;
    while at + 8 <= to {
        let code = String::from_utf8_lossy(&bytes[at..at + 4]).into_owned();
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        if code == "ANMF" {
            webp_chunks(bytes, at + 8 + 16, at + 8 + len, out);
        }
        out.push(code);
        at += 8 + len + (len & 1);
    }
}

#[test]
fn jpeg_keeps_only_what_decodes_and_the_orientation() {
    let original = fixture("planted.jpg");
    assert_planted(&original, "JPEG");
    assert!(exif_tags(&original).contains(&exif::Tag::GPSLatitude));
    assert_exiftool_finds(&original, "jpg", "XPAuthor", "JPEG");
    let out = process(Declared::Image, &original).expect("processed");
    assert_nothing_planted(&out.bytes, "JPEG");
    assert_exiftool_clean(&out.bytes, "jpg", "JPEG");
    assert_eq!(
        exif_tags(&out.bytes),
        vec![exif::Tag::Orientation],
        "only the orientation is left"
    );
    assert_eq!(pixels(&out.bytes), pixels(&original), "same pixels, not re-encoded");
    for gone in [
        &b"JFIF"[..],
        b"JFXX",
        b"ICC_PROFILE",
        b"Photoshop",
        b"http://ns.adobe.com",
    ] {
        assert!(
            !out.bytes.windows(gone.len()).any(|w| w == gone),
            "{}",
            String::from_utf8_lossy(gone)
        );
    }
    // Exactly one end-of-image, at the end: the appended second image is gone.
    assert!(out.bytes.ends_with(&[0xFF, 0xD9]));
    for removed in ["exif", "xmp", "jfif", "icc profile", "iptc", "comment", "trailing data"] {
        assert!(out.removed.contains(&removed), "{removed} listed in {:?}", out.removed);
    }
}

#[test]
fn png_keeps_only_image_and_colour_chunks() {
    let original = fixture("planted.png");
    assert_planted(&original, "PNG");
    let before = png_chunks(&original);
    for kind in ["tEXt", "zTXt", "iTXt", "eXIf", "tIME", "iCCP", "sPLT", "prVt"] {
        assert!(before.iter().any(|c| c == kind), "fixture has {kind}: {before:?}");
    }
    let out = process(Declared::Image, &original).expect("processed");
    assert_nothing_planted(&out.bytes, "PNG");
    assert_exiftool_clean(&out.bytes, "png", "PNG");
    assert!(exif_tags(&out.bytes).is_empty());
    let allowed = [
        "IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "sRGB", "sBIT", "bKGD", "pHYs",
    ];
    for c in png_chunks(&out.bytes) {
        assert!(allowed.contains(&c.as_str()), "{c} left");
    }
    assert!(out.bytes.ends_with(b"IEND\xaeB`\x82"), "nothing after IEND");
    assert_eq!(pixels(&out.bytes), pixels(&original));
}

#[test]
fn webp_keeps_only_image_chunks_and_fixes_its_headers() {
    for name in ["planted.webp", "animated.webp"] {
        let original = fixture(name);
        assert_planted(&original, name);
        assert_exiftool_finds(&original, "webp", "EXIF", name);
        let out = process(Declared::Image, &original).expect("processed");
        assert_nothing_planted(&out.bytes, name);
        assert_exiftool_clean(&out.bytes, "webp", name);
        assert!(exif_tags(&out.bytes).is_empty());
        let riff = u32::from_le_bytes(out.bytes[4..8].try_into().unwrap()) as usize;
        assert_eq!(riff + 8, out.bytes.len(), "{name}: RIFF size");
        let mut chunks = vec![];
        webp_chunks(&out.bytes, 12, out.bytes.len(), &mut chunks);
        for c in &chunks {
            assert!(
                ["VP8 ", "VP8L", "VP8X", "ALPH", "ANIM", "ANMF"].contains(&c.as_str()),
                "{name}: {c} left"
            );
        }
        assert_eq!(chunks.iter().filter(|c| *c == "VP8X").count(), 1);
        let flags = out.bytes[20];
        assert_eq!(flags & (0x20 | 0x08 | 0x04), 0, "{name}: no ICC, EXIF or XMP announced");
        assert_eq!(pixels(&out.bytes), pixels(&original), "{name}: same pixels");
    }
}

/// Every sample of the tracks the `mp4` crate knows, read through the sample tables.
fn samples(bytes: &[u8]) -> Vec<(u32, u32, Vec<u8>)> {
    let mut reader = mp4::Mp4Reader::read_header(Cursor::new(bytes), bytes.len() as u64).expect("MP4 parses");
    let mut ids: Vec<u32> = reader.tracks().keys().copied().collect();
    ids.sort();
    let mut out = vec![];
    for id in ids {
        let count = reader.sample_count(id).expect("count");
        for n in 1..=count {
            let sample = reader.read_sample(id, n).expect("read").expect("sample");
            out.push((id, n, sample.bytes.to_vec()));
        }
    }
    out
}

/// The track handlers and sample offsets/sizes of an ISO BMFF movie, read with a tiny
/// independent walker (stco + stsz + stsc), for tracks the `mp4` crate does not model.
/// A track's handler type and its samples as (offset, size).
type TrackSamples = ([u8; 4], Vec<(usize, usize)>);

fn track_samples(bytes: &[u8]) -> Vec<TrackSamples> {
    fn boxes(b: &[u8], from: usize, to: usize) -> Vec<([u8; 4], usize, usize)> {
        let mut out = vec![];
        let mut at = from;
        while at + 8 <= to {
            let size = u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize;
            let size = if size == 0 { to - at } else { size };
            out.push((b[at + 4..at + 8].try_into().unwrap(), at + 8, at + size));
            at += size.max(8);
        }
        out
    }
    fn find(b: &[u8], from: usize, to: usize, path: &[&[u8; 4]]) -> Option<(usize, usize)> {
        let (first, rest) = path.split_first()?;
        let (_, s, e) = boxes(b, from, to).into_iter().find(|(k, _, _)| k == *first)?;
        if rest.is_empty() {
            Some((s, e))
        } else {
            find(b, s, e, rest)
        }
    }
    let u32_at = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    let (ms, me) = find(bytes, 0, bytes.len(), &[b"moov"]).expect("moov");
    let mut out = vec![];
    for (_, ts, te) in boxes(bytes, ms, me).into_iter().filter(|(k, _, _)| k == b"trak") {
        let (hs, _) = find(bytes, ts, te, &[b"mdia", b"hdlr"]).expect("hdlr");
        let handler: [u8; 4] = bytes[hs + 8..hs + 12].try_into().unwrap();
        let stbl = find(bytes, ts, te, &[b"mdia", b"minf", b"stbl"]).expect("stbl");
        let (cs, _) = find(bytes, stbl.0, stbl.1, &[b"stco"]).expect("stco");
        let (zs, _) = find(bytes, stbl.0, stbl.1, &[b"stsz"]).expect("stsz");
        let (ss, _) = find(bytes, stbl.0, stbl.1, &[b"stsc"]).expect("stsc");
        let chunks: Vec<usize> = (0..u32_at(cs + 4)).map(|i| u32_at(cs + 8 + 4 * i)).collect();
        let (constant, count) = (u32_at(zs + 4), u32_at(zs + 8));
        let sizes: Vec<usize> = (0..count)
            .map(|i| {
                if constant != 0 {
                    constant
                } else {
                    u32_at(zs + 12 + 4 * i)
                }
            })
            .collect();
        let stsc: Vec<(usize, usize)> = (0..u32_at(ss + 4))
            .map(|i| (u32_at(ss + 8 + 12 * i), u32_at(ss + 12 + 12 * i)))
            .collect();
        let mut list = vec![];
        let mut sample = 0;
        for (c, offset) in chunks.iter().enumerate() {
            let per = stsc
                .iter()
                .rev()
                .find(|(first, _)| *first <= c + 1)
                .map(|e| e.1)
                .unwrap_or(0);
            let mut at = *offset;
            for _ in 0..per {
                if sample < sizes.len() {
                    list.push((at, sizes[sample]));
                    at += sizes[sample];
                    sample += 1;
                }
            }
        }
        out.push((handler, list));
    }
    out
}

#[test]
fn mp4_and_3gp_keep_every_sample_and_lose_user_data_names_and_times() {
    for (name, ext) in [("gps.mp4", "mp4"), ("keys.mp4", "mp4"), ("planted.3gp", "3gp")] {
        let original = fixture(name);
        let out = process(Declared::Video, &original).expect("processed");
        assert_eq!(out.format, Format::Mp4);
        assert_eq!(out.bytes.len(), original.len(), "{name}: overwritten in place");
        assert_nothing_planted(&out.bytes, name);
        assert_exiftool_clean(&out.bytes, ext, name);
        assert_eq!(
            samples(&out.bytes),
            samples(&original),
            "{name}: every sample unchanged"
        );
        let reader = mp4::Mp4Reader::read_header(Cursor::new(&out.bytes), out.bytes.len() as u64).expect("parses");
        assert_eq!(reader.moov.mvhd.creation_time, 0);
        assert_eq!(reader.moov.mvhd.modification_time, 0);
        for track in reader.tracks().values() {
            assert_eq!(track.trak.tkhd.creation_time, 0, "{name}");
            assert_eq!(track.trak.mdia.mdhd.creation_time, 0, "{name}");
            assert!(
                track.trak.mdia.hdlr.name.trim_matches('\0').is_empty(),
                "{name}: handler name blanked"
            );
        }
    }
}

#[test]
fn gopro_style_telemetry_and_timecode_tracks_are_blanked_in_place() {
    let original = fixture("gpmf.mov");
    assert_planted(&original, "MOV");
    assert_exiftool_finds(&original, "mov", "GPSLatitude", "MOV");
    let out = process(Declared::Video, &original).expect("processed");
    assert_eq!(out.bytes.len(), original.len(), "overwritten in place");
    assert_nothing_planted(&out.bytes, "MOV");
    assert_exiftool_clean(&out.bytes, "mov", "MOV");
    assert!(out.removed.contains(&"timed metadata"), "{:?}", out.removed);
    for gone in ["prft", "uuid", "udta", "free"] {
        assert!(out.removed.contains(&gone), "{gone} in {:?}", out.removed);
    }
    let before = track_samples(&original);
    let after = track_samples(&out.bytes);
    assert_eq!(before.len(), after.len());
    let mut seen = vec![];
    for ((handler, samples), (handler_after, samples_after)) in before.iter().zip(&after) {
        assert_eq!(handler, handler_after);
        assert_eq!(samples, samples_after, "the sample tables are untouched");
        seen.push(*handler);
        for (at, len) in samples {
            let (a, b) = (&original[*at..at + len], &out.bytes[*at..at + len]);
            if handler == b"vide" {
                assert_eq!(a, b, "video sample at {at} unchanged");
            } else {
                assert!(
                    b.iter().all(|x| *x == 0),
                    "{} sample at {at} blanked",
                    String::from_utf8_lossy(handler)
                );
                assert!(a.iter().any(|x| *x != 0));
            }
        }
    }
    assert!(
        seen.contains(b"meta") && seen.contains(b"tmcd"),
        "fixture has GPMF and timecode tracks: {seen:?}"
    );
}

/// The same telemetry track under the other sample entry names cameras use.
#[test]
fn camm_mett_and_metx_tracks_are_blanked_too() {
    let original = fixture("gpmf.mov");
    let at = original
        .windows(4)
        .position(|w| w == b"gpmd")
        .expect("gpmd sample entry");
    for entry in [b"camm", b"mett", b"metx"] {
        let mut file = original.clone();
        file[at..at + 4].copy_from_slice(entry);
        let out = process(Declared::Video, &file).expect("processed");
        assert_nothing_planted(&out.bytes, std::str::from_utf8(entry).unwrap());
        assert!(out.removed.contains(&"timed metadata"));
    }
}

fn heif_decode_to(bytes: &[u8], extension: &str) -> Option<Vec<u8>> {
    let dir = std::env::temp_dir().join(format!(
        "satark-heif-{}-{extension}-{}",
        std::process::id(),
        bytes.len()
    ));
    std::fs::create_dir_all(&dir).ok()?;
    let input = dir.join(format!("in.{extension}"));
    std::fs::write(&input, bytes).ok()?;
    let status = std::process::Command::new("heif-convert")
        .arg(&input)
        .arg(dir.join("out.png"))
        .output();
    let result = match status {
        Ok(o) if o.status.success() => std::fs::read(dir.join("out.png")).ok().map(|p| pixels(&p)),
        Ok(o) => panic!("heif-convert failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(_) => {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "heif-convert (Debian: libheif-examples) is needed by the media tests in CI"
            );
            eprintln!("note: heif-convert not installed; skipping the HEIF decode check");
            None
        }
    };
    std::fs::remove_dir_all(&dir).ok();
    result
}

#[test]
fn heic_and_avif_lose_exif_and_xmp_items_whether_sent_as_photo_or_document() {
    for (name, ext, format) in [
        ("planted.heic", "heic", Format::Heif),
        ("planted.avif", "avif", Format::Avif),
    ] {
        let original = fixture(name);
        assert_planted(&original, name);
        assert!(
            exif_tags(&original).contains(&exif::Tag::GPSLatitude),
            "{name}: kamadak-exif reads its GPS"
        );
        for declared in [Declared::Document, Declared::Image] {
            let out = process(declared, &original).expect("processed");
            assert_eq!(out.format, format, "{name}: a picture, not a movie");
            assert!(out.metadata_stripped);
            assert_eq!(out.bytes.len(), original.len(), "{name}: in place");
            assert!(
                out.removed.contains(&"exif") && out.removed.contains(&"xmp"),
                "{:?}",
                out.removed
            );
            assert_nothing_planted(&out.bytes, name);
            assert!(exif_tags(&out.bytes).is_empty(), "{name}: no EXIF left");
            assert_exiftool_clean(&out.bytes, ext, name);
        }
        let out = process(Declared::Document, &original).expect("processed");
        if let (Some(a), Some(b)) = (heif_decode_to(&original, ext), heif_decode_to(&out.bytes, ext)) {
            assert_eq!(a, b, "{name}: decodes to the same pixels");
        }
    }
}

#[test]
fn a_heif_whose_metadata_cannot_be_located_is_refused_not_stored() {
    // Point the Exif item at another file (data reference 1): its bytes can no longer
    // be found through iloc, so the file must not be stored as "stripped".
    let original = fixture("planted.heic");
    let iloc = original.windows(4).position(|w| w == b"iloc").expect("iloc") - 4;
    let version = original[iloc + 8];
    assert_eq!(version, 1, "fixture's iloc layout");
    // version 1: sizes (2), item count (2), then per item: id (2), method (2), data ref (2) ...
    let mut file = original.clone();
    let first_item = iloc + 12 + 2 + 2;
    file[first_item + 4..first_item + 6].copy_from_slice(&1u16.to_be_bytes());
    assert!(matches!(
        process(Declared::Document, &file),
        Err(MediaError::Unsupported(_))
    ));
}

fn ogg_packets(bytes: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let mut reader = ogg::PacketReader::new(Cursor::new(bytes));
    let mut out = vec![];
    while let Some(packet) = reader.read_packet().expect("valid Ogg with correct checksums") {
        out.push((packet.stream_serial(), packet.data));
    }
    out
}

fn is_comment(packet: &[u8]) -> bool {
    packet.starts_with(b"OpusTags") || packet.starts_with(b"\x03vorbis")
}

#[test]
fn every_link_of_a_chained_ogg_loses_its_comments() {
    let original = fixture("chained.ogg");
    assert_planted(&original, "Ogg");
    let before = ogg_packets(&original);
    let serials: std::collections::HashSet<u32> = before.iter().map(|p| p.0).collect();
    assert_eq!(serials.len(), 3, "three links");
    assert_eq!(before.iter().filter(|p| is_comment(&p.1)).count(), 3);
    let out = process(Declared::Audio, &original).expect("processed");
    assert_eq!(out.format, Format::OggOpus);
    assert_nothing_planted(&out.bytes, "Ogg");
    assert_exiftool_clean(&out.bytes, "ogg", "Ogg");
    let after = ogg_packets(&out.bytes);
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.0, a.0);
        if is_comment(&b.1) {
            assert!(
                a.1 == b"OpusTags\0\0\0\0\0\0\0\0" || a.1 == b"\x03vorbis\0\0\0\0\0\0\0\0\x01",
                "an empty comment header"
            );
        } else {
            assert_eq!(b.1, a.1, "identification, setup and audio packets unchanged");
        }
    }
    assert!(out.removed.contains(&"opus tags") && out.removed.contains(&"vorbis comments"));
}

#[test]
fn a_comment_header_spanning_pages_is_emptied() {
    // Re-page the voice note with the ogg crate's own writer, its comment made 150 KB
    // (three pages) and followed on the same stream by the audio.
    let original = fixture("tags.opus");
    let packets = ogg_packets(&original);
    let mut huge = packets[1].1.clone();
    huge.extend(std::iter::repeat_n(b"Ramesh Kumar +919876543210 ".as_slice(), 5600).flatten());
    let mut writer = ogg::PacketWriter::new(Cursor::new(vec![]));
    let last = packets.len() - 1;
    for (n, (serial, data)) in packets.iter().enumerate() {
        let data = if n == 1 { huge.clone() } else { data.clone() };
        let end = match n {
            0 | 1 => ogg::PacketWriteEndInfo::EndPage,
            n if n == last => ogg::PacketWriteEndInfo::EndStream,
            _ => ogg::PacketWriteEndInfo::NormalPacket,
        };
        writer
            .write_packet(data, *serial, end, if n < 2 { 0 } else { 960 * n as u64 })
            .expect("write");
    }
    let file = writer.into_inner().into_inner();
    let pages = file.windows(4).filter(|w| w == b"OggS").count();
    assert!(pages >= 5, "the comment spans pages ({pages} pages)");
    let out = process(Declared::Audio, &file).expect("processed");
    assert_nothing_planted(&out.bytes, "Ogg");
    let before = ogg_packets(&file);
    let after = ogg_packets(&out.bytes);
    assert_eq!(after[1].1, b"OpusTags\0\0\0\0\0\0\0\0");
    assert_eq!(before[2..], after[2..], "audio unchanged");
    assert_eq!(before[0], after[0]);
}

#[test]
fn mp3_is_rebuilt_from_its_frames_alone() {
    let original = fixture("planted.mp3");
    let frames = fixture("frames.mp3");
    assert_planted(&original, "MP3");
    assert_exiftool_finds(&original, "mp3", "Ramesh", "MP3");
    let out = process(Declared::Audio, &original).expect("processed");
    assert_eq!(out.format, Format::Mp3);
    assert_eq!(out.bytes, frames, "exactly the MPEG frames, byte for byte");
    assert_nothing_planted(&out.bytes, "MP3");
    assert_exiftool_clean(&out.bytes, "mp3", "MP3");
    for removed in ["id3v2", "id3v1", "apev2", "lyrics3"] {
        assert!(out.removed.contains(&removed), "{removed} in {:?}", out.removed);
    }
    // The old fixture too: ID3v2.3 at the start and ID3v1 at the end.
    let old = process(Declared::Audio, &fixture("tags.mp3")).expect("processed");
    assert!(!old.bytes.starts_with(b"ID3") && !old.bytes.windows(3).any(|w| w == b"TAG"));
}

#[test]
fn no_record_says_stripped_when_it_was_not() {
    for name in [
        "planted.jpg",
        "planted.png",
        "planted.webp",
        "animated.webp",
        "gpmf.mov",
        "planted.3gp",
        "fragmented.mp4",
        "planted.heic",
        "planted.avif",
        "chained.ogg",
        "planted.mp3",
    ] {
        let original = fixture(name);
        // As a document, every one of them is still recognised and cleaned.
        let out = process(Declared::Document, &original).expect("processed");
        assert!(out.metadata_stripped, "{name}");
        assert_nothing_planted(&out.bytes, name);
    }
}

#[test]
fn a_fragmented_mp4_is_cleaned_box_by_box() {
    let original = fixture("fragmented.mp4");
    assert_planted(&original, "fragmented MP4");
    let out = process(Declared::Video, &original).expect("processed");
    assert_eq!(out.bytes.len(), original.len());
    assert_nothing_planted(&out.bytes, "fragmented MP4");
    assert_exiftool_clean(&out.bytes, "mp4", "fragmented MP4");
    // The fragments' media data is where it was: everything from the first moof on is
    // unchanged.
    let moof = original.windows(4).position(|w| w == b"moof").expect("moof") - 4;
    assert_eq!(out.bytes[moof..], original[moof..]);
}

#[test]
fn a_fragmented_file_with_a_telemetry_track_is_refused_rather_than_stored_with_it() {
    // Its samples would be located by `moof` boxes, which cannot show where the
    // telemetry is: refused, so no record says "stripped" over GPS.
    let mut file = fixture("gpmf.mov");
    let mfhd = [&16u32.to_be_bytes()[..], b"mfhd", &[0; 8]].concat();
    file.extend_from_slice(&[&(8 + mfhd.len() as u32).to_be_bytes()[..], b"moof", &mfhd].concat());
    assert!(matches!(
        process(Declared::Video, &file),
        Err(MediaError::Unsupported(_))
    ));
    assert!(matches!(
        process(Declared::Document, &file),
        Err(MediaError::Unsupported(_))
    ));
}

/// The payloads of a JPEG's APPn and comment segments, read independently.
fn app_payloads(jpeg: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = vec![];
    let mut at = 2;
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
        let marker = jpeg[at + 1];
        if marker == 0xDA || marker == 0xD9 {
            break;
        }
        let len = u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]) as usize;
        if (0xE0..=0xEF).contains(&marker) || marker == 0xFE {
            out.push((marker, jpeg[at + 4..at + 2 + len].to_vec()));
        }
        at += 2 + len;
    }
    out
}

#[test]
fn a_jpeg_item_inside_heif_loses_its_own_exif_and_still_decodes() {
    let jpeg = fixture("planted.jpg");
    let eoi = jpeg.windows(2).rposition(|w| w == [0xFF, 0xD9]).unwrap();
    let trailer_at = jpeg.windows(2).position(|w| w == [0xFF, 0xD9]).unwrap() + 2;
    assert!(
        trailer_at < eoi,
        "the fixture has a second image after its end-of-image"
    );
    let exif_at = jpeg.windows(6).position(|w| w == b"Exif\0\0").unwrap();
    let jpgc = segment(0xFE, b"Ramesh Kumar +919876543210");
    for item in [
        ITEM,
        // Split inside the EXIF segment, and between the image and what follows it.
        JpegItem {
            splits: &[exif_at + 40, trailer_at + 3],
            ..ITEM
        },
        JpegItem {
            idat: true,
            construction_method: 1,
            ..ITEM
        },
        JpegItem {
            splits: &[3, exif_at + 7],
            idat: true,
            construction_method: 1,
            jpgc: Some(&jpgc),
        },
    ] {
        let (file, ranges) = heif_with_jpeg_item(&jpeg, item);
        assert_planted(&file, "JPEG-coded HEIF");
        // The item read through its extents is the planted JPEG, EXIF and all (exiftool
        // shows it only as the HEIF's "PreviewImage"; read on its own it finds it all).
        let item_bytes = |file: &[u8]| -> Vec<u8> { ranges.iter().flat_map(|r| file[r.clone()].to_vec()).collect() };
        assert_eq!(item_bytes(&file), jpeg);
        assert!(exif_tags(&item_bytes(&file)).contains(&exif::Tag::GPSLatitude));
        assert_exiftool_finds(&item_bytes(&file), "jpg", "GPSLatitude", "the JPEG item");
        let out = process(Declared::Image, &file).unwrap_or_else(|e| panic!("{item:?}: {e}"));
        assert_eq!(out.format, Format::Heif);
        assert!(out.metadata_stripped);
        assert_eq!(out.bytes.len(), file.len(), "{item:?}: in place");
        assert_nothing_planted(&out.bytes, &format!("{item:?}"));
        assert_exiftool_clean(&out.bytes, "heic", &format!("{item:?}"));
        assert!(exif_tags(&out.bytes).is_empty());
        for removed in ["exif", "xmp", "jfif", "icc profile", "iptc", "comment", "trailing data"] {
            assert!(out.removed.contains(&removed), "{removed} in {:?}", out.removed);
        }
        // The item read back through its extents: every APPn and comment payload is
        // zeros, the same pixels decode, and nothing follows the end-of-image.
        let picture = item_bytes(&out.bytes);
        assert!(exif_tags(&picture).is_empty(), "{item:?}: no EXIF in the item");
        assert_exiftool_clean(&picture, "jpg", &format!("{item:?}: the JPEG item"));
        let payloads = app_payloads(&picture);
        assert_eq!(payloads.len(), app_payloads(&jpeg).len(), "segments kept in place");
        for (marker, payload) in &payloads {
            if *marker == 0xEE {
                assert_eq!(&payload[..12], b"Adobe\0\x64\0\0\0\0\x01", "only the colour transform");
                assert!(payload[12..].iter().all(|b| *b == 0));
            } else {
                assert!(payload.iter().all(|b| *b == 0), "{marker:#x} segment blanked");
            }
        }
        assert_eq!(pixels(&picture), pixels(&jpeg), "{item:?}: same pixels");
        assert!(picture[trailer_at..].iter().all(|b| *b == 0), "appended image gone");
        assert_eq!(picture[..trailer_at].len(), trailer_at);
    }
}

#[test]
fn heif_pictures_whose_own_metadata_is_not_cleaned_are_refused() {
    let jpeg = fixture("planted.jpg");
    // A JPEG item built from another item's data cannot be read where it lies.
    let (file, _) = heif_with_jpeg_item(
        &jpeg,
        JpegItem {
            construction_method: 2,
            ..ITEM
        },
    );
    assert!(matches!(
        process(Declared::Image, &file),
        Err(MediaError::Unsupported(_))
    ));
    // A segment that cannot be blanked in place (a JPEG extension segment).
    let mut odd = jpeg[..2].to_vec();
    odd.extend(segment(0xF1, b"Ramesh"));
    odd.extend_from_slice(&jpeg[2..]);
    let (file, _) = heif_with_jpeg_item(&odd, ITEM);
    assert!(matches!(
        process(Declared::Image, &file),
        Err(MediaError::Unsupported(_))
    ));
    // Something that is not a JPEG at all.
    let (file, _) = heif_with_jpeg_item(b"Ramesh Kumar +919876543210", ITEM);
    assert!(matches!(
        process(Declared::Image, &file),
        Err(MediaError::Malformed { .. })
    ));
    // A jpgC header with a scan in it.
    let (file, _) = heif_with_jpeg_item(
        &jpeg,
        JpegItem {
            jpgc: Some(&segment(0xDA, &[1, 1, 0, 0, 0x3F, 0])),
            ..ITEM
        },
    );
    assert!(matches!(
        process(Declared::Image, &file),
        Err(MediaError::Unsupported(_))
    ));
    // The HEVC pictures of the iPhone-style fixture relabelled as JPEG 2000, VVC, EVC.
    let heic = fixture("planted.heic");
    let iinf = heic.windows(4).position(|w| w == b"iinf").unwrap();
    let at = iinf + heic[iinf..].windows(4).position(|w| w == b"hvc1").unwrap();
    for kind in [b"j2k1", b"vvc1", b"evc1"] {
        let mut file = heic.clone();
        file[at..at + 4].copy_from_slice(kind);
        for declared in [Declared::Image, Declared::Document] {
            assert!(
                matches!(process(declared, &file), Err(MediaError::Unsupported(_))),
                "{}",
                String::from_utf8_lossy(kind)
            );
        }
    }
}

#[test]
fn motion_jpeg_tracks_are_refused_rather_than_stored_with_exif_in_every_frame() {
    for (name, entry) in [("mjpeg.mov", b"jpeg"), ("mjpeg.mp4", b"mp4v")] {
        let original = fixture(name);
        assert_planted(&original, name);
        let at = original.windows(4).position(|w| w == b"stsd").unwrap() + 16;
        assert_eq!(&original[at..at + 4], entry, "{name}: sample entry");
        for declared in [Declared::Video, Declared::Document] {
            assert!(
                matches!(process(declared, &original), Err(MediaError::Unsupported(_))),
                "{name}"
            );
        }
        if name == "mjpeg.mov" {
            for other in [b"mjpa", b"mjpb", b"mjp2", b"dmb1", b"AVDJ", b"png ", b"tiff", b"gif "] {
                let mut file = original.clone();
                file[at..at + 4].copy_from_slice(other);
                assert!(
                    matches!(process(Declared::Video, &file), Err(MediaError::Unsupported(_))),
                    "{}",
                    String::from_utf8_lossy(other)
                );
            }
        } else {
            // An `mp4v` entry is refused for what its decoder configuration says it
            // holds (object type 0x6C: JPEG), not for its name.
            let esds = original.windows(4).position(|w| w == b"esds").unwrap();
            let object = esds + original[esds..].windows(2).position(|w| w == [0x04, 0x80]).unwrap() + 5;
            assert_eq!(original[object], 0x6C, "the fixture's object type");
            for (object_type, refused) in [(0x6D, true), (0x6E, true), (0x20, false)] {
                let mut file = original.clone();
                file[object] = object_type;
                let r = process(Declared::Video, &file);
                assert_eq!(
                    matches!(r, Err(MediaError::Unsupported(_))),
                    refused,
                    "{object_type:#x}: {r:?}"
                );
            }
        }
    }
}
