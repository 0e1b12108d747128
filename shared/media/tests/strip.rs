//! The strippers on real files with location, device and time metadata (made by
//! `scripts/make-media-fixtures`), read back with independent readers.

use satark_media::{Declared, Format, process};
use std::path::Path;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).expect("fixture")
}

/// Strings that identify the place, the phone or the person in the fixtures.
const TELLTALES: [&[u8]; 8] = [
    b"Redmi",
    b"Xiaomi",
    b"Asha",
    b"25.7464",
    b"25,44",
    b"082.6837",
    b"SN-4471",
    b"2026:11:01",
];

fn assert_no_telltales(bytes: &[u8], what: &str) {
    for t in TELLTALES {
        assert!(
            !bytes.windows(t.len()).any(|w| w == t),
            "{what} still contains {:?}",
            String::from_utf8_lossy(t)
        );
    }
}

fn exif_fields(bytes: &[u8]) -> Vec<exif::Tag> {
    match exif::Reader::new().read_from_container(&mut std::io::Cursor::new(bytes)) {
        Ok(exif) => exif.fields().map(|f| f.tag).collect(),
        Err(_) => vec![],
    }
}

fn pixels(bytes: &[u8]) -> Vec<u8> {
    image::load_from_memory(bytes).expect("decodes").to_rgba8().into_raw()
}

#[test]
fn jpeg_loses_gps_device_time_xmp_iptc_but_keeps_pixels_and_orientation() {
    let original = fixture("gps.jpg");
    let before = exif_fields(&original);
    assert!(
        before.contains(&exif::Tag::GPSLatitude) && before.contains(&exif::Tag::Model),
        "fixture has metadata"
    );
    let out = process(Declared::Image, &original).expect("processed");
    assert_eq!(out.format, Format::Jpeg);
    assert_eq!(
        exif_fields(&out.bytes),
        vec![exif::Tag::Orientation],
        "only the orientation is left"
    );
    let exif = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(&out.bytes))
        .expect("exif");
    let orientation = exif
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0));
    assert_eq!(orientation, Some(6), "the picture still shows the right way up");
    assert_no_telltales(&out.bytes, "JPEG");
    assert!(!out.bytes.windows(13).any(|w| w == b"Photoshop 3.0"), "IPTC removed");
    assert!(
        !out.bytes.windows(9).any(|w| w == b"GPSDEPTH"),
        "appended image removed"
    );
    assert_eq!(pixels(&out.bytes), pixels(&original), "same pixels, not re-encoded");
    for removed in ["exif", "xmp", "iptc", "comment", "trailing data"] {
        assert!(out.removed.contains(&removed), "{removed} listed in {:?}", out.removed);
    }
    assert!(out.perceptual_hash.is_some());
    assert_eq!(out.sha256.len(), 64);
}

#[test]
fn png_loses_text_exif_and_xmp_but_keeps_pixels() {
    let original = fixture("gps.png");
    assert!(!exif_fields(&original).is_empty(), "fixture has EXIF");
    let out = process(Declared::Image, &original).expect("processed");
    assert!(exif_fields(&out.bytes).is_empty());
    assert_no_telltales(&out.bytes, "PNG");
    assert!(
        !out.bytes
            .windows(4)
            .any(|w| w == b"tEXt" || w == b"iTXt" || w == b"eXIf")
    );
    assert_eq!(pixels(&out.bytes), pixels(&original));
}

#[test]
fn webp_loses_exif_and_xmp_but_keeps_pixels() {
    let original = fixture("gps.webp");
    assert!(!exif_fields(&original).is_empty(), "fixture has EXIF");
    let out = process(Declared::Image, &original).expect("processed");
    assert!(exif_fields(&out.bytes).is_empty());
    assert_no_telltales(&out.bytes, "WebP");
    assert_eq!(pixels(&out.bytes), pixels(&original));
}

fn mp4_summary(bytes: &[u8]) -> (u64, Vec<u32>, u64, u64) {
    let reader = mp4::Mp4Reader::read_header(std::io::Cursor::new(bytes), bytes.len() as u64).expect("MP4 parses");
    let mut tracks: Vec<u32> = reader.tracks().keys().copied().collect();
    tracks.sort();
    let samples: u64 = reader.tracks().values().map(|t| u64::from(t.sample_count())).sum();
    (
        reader.duration().as_millis() as u64,
        tracks,
        samples,
        reader.moov.mvhd.creation_time,
    )
}

#[test]
fn mp4_loses_location_title_and_times_and_still_parses() {
    for name in ["gps.mp4", "keys.mp4"] {
        let original = fixture(name);
        assert!(
            original.windows(4).any(|w| w == b"udta" || w == b"meta"),
            "{name} has metadata boxes"
        );
        let out = process(Declared::Video, &original).expect("processed");
        assert_eq!(out.bytes.len(), original.len(), "overwritten in place");
        assert_no_telltales(&out.bytes, name);
        assert!(
            !out.bytes
                .windows(4)
                .any(|w| w == b"\xa9xyz" || w == b"udta" || w == b"ilst"),
            "{name}"
        );
        let (duration, tracks, samples, created) = mp4_summary(&out.bytes);
        let (duration0, tracks0, samples0, created0) = mp4_summary(&original);
        assert_eq!(
            (duration, tracks, samples),
            (duration0, tracks0, samples0),
            "{name}: same media"
        );
        assert!(created0 > 0 && created == 0, "{name}: creation time cleared");
        // Every sample's bytes are where the sample table says, unchanged.
        let mut a = mp4::Mp4Reader::read_header(std::io::Cursor::new(&original), original.len() as u64).expect("parse");
        let mut b =
            mp4::Mp4Reader::read_header(std::io::Cursor::new(&out.bytes), out.bytes.len() as u64).expect("parse");
        let ids: Vec<u32> = a.tracks().keys().copied().collect();
        for id in ids {
            let count = a.sample_count(id).expect("count");
            for n in 1..=count {
                let x = a.read_sample(id, n).expect("read").map(|s| s.bytes);
                let y = b.read_sample(id, n).expect("read").map(|s| s.bytes);
                assert_eq!(x, y, "{name}: track {id} sample {n}");
            }
        }
    }
}

fn ogg_packets(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut reader = ogg::PacketReader::new(std::io::Cursor::new(bytes));
    let mut out = vec![];
    while let Some(packet) = reader.read_packet().expect("valid Ogg with correct checksums") {
        out.push(packet.data);
    }
    out
}

#[test]
fn opus_loses_its_comments_and_keeps_every_audio_packet() {
    let original = fixture("tags.opus");
    let out = process(Declared::Audio, &original).expect("processed");
    assert_eq!(out.format, Format::OggOpus);
    assert_no_telltales(&out.bytes, "Opus");
    let before = ogg_packets(&original);
    let after = ogg_packets(&out.bytes);
    assert!(
        before[1].starts_with(b"OpusTags") && before[1].len() > 40,
        "fixture has comments"
    );
    assert_eq!(after[1], b"OpusTags\0\0\0\0\0\0\0\0", "empty vendor, no comments");
    assert_eq!(after[0], before[0], "identification header unchanged");
    assert_eq!(after[2..], before[2..], "audio unchanged");
}

#[test]
fn mp3_loses_id3_tags() {
    let original = fixture("tags.mp3");
    let out = process(Declared::Audio, &original).expect("processed");
    assert_no_telltales(&out.bytes, "MP3");
    assert!(!out.bytes.starts_with(b"ID3"));
    assert!(out.removed.contains(&"id3v2") && out.removed.contains(&"id3v1"));
    assert!(
        original.windows(out.bytes.len()).any(|w| w == out.bytes.as_slice()),
        "audio frames untouched"
    );
}

#[test]
fn declared_types_must_match_content() {
    assert!(
        process(Declared::Video, &fixture("gps.jpg")).is_err(),
        "a JPEG is not a video"
    );
    assert!(process(Declared::Image, b"MZ\x90\0 this is an executable").is_err());
    let doc = process(Declared::Document, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n").expect("PDF accepted");
    assert!(!doc.metadata_stripped, "documents are marked as not cleaned");
}

#[test]
fn near_duplicate_images_have_close_perceptual_hashes() {
    let original = fixture("gps.jpg");
    let img = image::load_from_memory(&original).expect("decode");
    let mut recompressed = std::io::Cursor::new(vec![]);
    img.resize(48, 36, image::imageops::FilterType::Triangle)
        .write_to(&mut recompressed, image::ImageFormat::Png)
        .expect("encode");
    let a = satark_media::difference_hash(&original).expect("hash");
    let b = satark_media::difference_hash(recompressed.get_ref()).expect("hash");
    assert!(
        satark_media::hash_distance(a, b) <= 6,
        "distance {}",
        satark_media::hash_distance(a, b)
    );
    let other = satark_media::difference_hash(&fixture("gps.webp")).expect("hash");
    let flipped = image::load_from_memory(&fixture("gps.webp")).expect("decode").fliph();
    let mut buf = std::io::Cursor::new(vec![]);
    flipped.write_to(&mut buf, image::ImageFormat::Png).expect("encode");
    let c = satark_media::difference_hash(buf.get_ref()).expect("hash");
    assert!(
        satark_media::hash_distance(other, c) > 10,
        "a different picture is far away"
    );
}

mod robustness {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

        /// Damaged files (truncated, bytes flipped) are refused or cleaned, never a panic,
        /// and nothing cleaned is larger than what came in.
        #[test]
        fn damaged_files_never_panic(
            which in 0usize..7,
            cut in 0.0f64..1.0,
            flips in prop::collection::vec((0.0f64..1.0, any::<u8>()), 0..6),
        ) {
            let names = ["gps.jpg", "gps.png", "gps.webp", "gps.mp4", "keys.mp4", "tags.opus", "tags.mp3"];
            let mut bytes = fixture(names[which]);
            let keep = ((bytes.len() as f64) * (0.2 + 0.8 * cut)) as usize;
            bytes.truncate(keep.max(1));
            let len = bytes.len();
            for (at, value) in flips {
                bytes[((len as f64) * at) as usize % len] = value;
            }
            for declared in [Declared::Image, Declared::Audio, Declared::Video, Declared::Document] {
                if let Ok(out) = process(declared, &bytes) {
                    prop_assert!(out.bytes.len() <= bytes.len() + 64);
                }
            }
        }
    }
}
