//! No file can crash or hang evidence processing: crafted sizes near the integer limits
//! (0, 1, 7, 8, 15, 16, u32::MAX, u32::MAX - 7, u64::MAX, u64::MAX - 7, i64::MAX) in
//! every size and count field of real files, and generated structures, give a clean
//! result or a `MediaError`, within a time limit, never a panic. And whatever is
//! accepted still carries nothing of what was planted in the fixtures.

mod common;

use common::{ITEM, JpegItem, NEAR32, NEAR64, PLANTED, fixture, heif_with_jpeg_item, within};
use proptest::prelude::*;
use satark_media::{Declared, MediaError, process};

const NEAR16: [u16; 8] = [0, 1, 2, 3, 7, 8, 0xFFFE, 0xFFFF];

const DECLARED: [Declared; 4] = [Declared::Image, Declared::Audio, Declared::Video, Declared::Document];

/// Processes `bytes` as every declared kind on another thread: fails on a panic or
/// after 20 s; returns the results.
fn every_way(bytes: Vec<u8>) -> Vec<Result<satark_media::Processed, MediaError>> {
    within(20, move || DECLARED.iter().map(|d| process(*d, &bytes)).collect())
}

fn leaks(bytes: &[u8]) -> Option<&'static str> {
    PLANTED
        .into_iter()
        .find(|s| bytes.windows(s.len()).any(|w| w == s.as_bytes()))
}

/// Processes a mutated fixture; whatever is accepted must carry nothing planted.
fn check(name: &str, bytes: Vec<u8>) -> Result<(), TestCaseError> {
    for out in every_way(bytes).into_iter().flatten() {
        if out.metadata_stripped {
            prop_assert_eq!(leaks(&out.bytes), None, "{} accepted with planted data", name);
        }
    }
    Ok(())
}

fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

fn ftyp(brand: &[u8; 4]) -> Vec<u8> {
    boxed(b"ftyp", &[&brand[..], &[0; 4], &brand[..], b"isom"].concat())
}

fn mvhd() -> Vec<u8> {
    boxed(b"mvhd", &[0u8; 100])
}

#[test]
fn a_64_bit_box_size_that_would_wrap_is_malformed_not_a_crash_or_a_hang() {
    // The crash of issue 7: `pos + size` wrapped, `udta`/`meta`/`uuid` then panicked on
    // a slice and an unknown type looped forever.
    for kind in [
        b"udta", b"meta", b"uuid", b"abcd", b"moov", b"trak", b"mdat", b"free", b"stsz",
    ] {
        for large in NEAR64 {
            let mut b = 1u32.to_be_bytes().to_vec();
            b.extend_from_slice(kind);
            b.extend_from_slice(&large.to_be_bytes());
            b.extend_from_slice(&[0x41; 40]);
            for brand in [b"isom", b"heic"] {
                let top = [ftyp(brand), boxed(b"moov", &mvhd()), b.clone()].concat();
                let nested = [ftyp(brand), boxed(b"moov", &[mvhd(), b.clone()].concat())].concat();
                let deep = [
                    ftyp(brand),
                    boxed(
                        b"moov",
                        &boxed(b"trak", &boxed(b"mdia", &[boxed(b"minf", &b)].concat())),
                    ),
                ]
                .concat();
                for file in [top, nested, deep] {
                    for result in every_way(file) {
                        assert!(
                            matches!(result, Err(MediaError::Malformed { .. } | MediaError::Unsupported(_))),
                            "{} with size {large}: {result:?}",
                            String::from_utf8_lossy(kind)
                        );
                    }
                    let r = within(5, {
                        let file = [ftyp(b"isom"), boxed(b"moov", &[mvhd(), b.clone()].concat())].concat();
                        move || process(Declared::Video, &file)
                    });
                    assert!(matches!(r, Err(MediaError::Malformed { .. })), "{r:?}");
                }
            }
        }
    }
}

#[test]
fn an_unknown_box_with_any_size_ends_the_walk() {
    for size in NEAR32 {
        let mut b = size.to_be_bytes().to_vec();
        b.extend_from_slice(b"zzzz");
        b.extend_from_slice(&[0; 24]);
        let file = [ftyp(b"isom"), boxed(b"moov", &[mvhd(), b.clone()].concat()), b].concat();
        let len = file.len();
        for r in every_way(file) {
            // Some sizes happen to tile the zeros that follow into valid boxes; in place.
            match r {
                Ok(out) => assert_eq!(out.bytes.len(), len, "size {size}"),
                Err(e) => assert!(matches!(e, MediaError::Malformed { .. } | MediaError::Unsupported(_))),
            }
        }
    }
}

/// Positions of four-character codes that start boxes in the ISO BMFF fixtures.
const FOURCCS: [&[u8; 4]; 30] = [
    b"ftyp", b"moov", b"mvhd", b"trak", b"tkhd", b"mdia", b"mdhd", b"hdlr", b"minf", b"stbl", b"stsd", b"stsz",
    b"stco", b"stsc", b"stts", b"udta", b"meta", b"mdat", b"free", b"uuid", b"iloc", b"iinf", b"infe", b"iprp",
    b"ipco", b"idat", b"dref", b"avc1", b"gpmd", b"prft",
];

fn positions(bytes: &[u8], codes: &[&[u8; 4]]) -> Vec<usize> {
    (4..bytes.len().saturating_sub(4))
        .filter(|at| codes.iter().any(|c| &bytes[*at..at + 4] == *c))
        .collect()
}

#[derive(Debug, Clone)]
enum Patch {
    /// A 32-bit size (or count) near the limits.
    Size32(u32),
    /// Size 1 and a 64-bit size near the limits.
    Size64(u64),
    /// The entry count of a full box (body bytes 4..8).
    Count(u32),
}

fn patch() -> impl Strategy<Value = Patch> {
    prop_oneof![
        prop::sample::select(NEAR32.to_vec()).prop_map(Patch::Size32),
        prop::sample::select(NEAR64.to_vec()).prop_map(Patch::Size64),
        prop::sample::select(NEAR32.to_vec()).prop_map(Patch::Count),
    ]
}

fn apply(bytes: &mut [u8], at: usize, p: &Patch) {
    let mut put = |from: usize, v: &[u8]| {
        if from + v.len() <= bytes.len() {
            bytes[from..from + v.len()].copy_from_slice(v);
        }
    };
    match p {
        Patch::Size32(v) => put(at - 4, &v.to_be_bytes()),
        Patch::Size64(v) => {
            put(at - 4, &1u32.to_be_bytes());
            put(at + 4, &v.to_be_bytes());
        }
        Patch::Count(v) => put(at + 8, &v.to_be_bytes()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    /// MP4, MOV, 3GP, HEIC, AVIF: any box size or table count set near the limits.
    #[test]
    fn iso_bmff_sizes_and_counts_near_the_limits(
        which in 0usize..9,
        patches in prop::collection::vec((any::<prop::sample::Index>(), patch()), 1..4),
    ) {
        let names = [
            "gps.mp4", "keys.mp4", "gpmf.mov", "planted.3gp", "planted.heic", "planted.avif", "fragmented.mp4",
            "mjpeg.mov", "mjpeg.mp4",
        ];
        let mut bytes = fixture(names[which]);
        let at = positions(&bytes, &FOURCCS);
        for (index, p) in &patches {
            apply(&mut bytes, at[index.index(at.len())], p);
        }
        check(names[which], bytes)?;
    }

    /// JPEG: segment lengths near the limits and at odd places.
    #[test]
    fn jpeg_segment_lengths_near_the_limits(
        which in 0usize..2,
        patches in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(NEAR16.to_vec())), 1..4),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let name = ["gps.jpg", "planted.jpg"][which];
        let mut bytes = fixture(name);
        let markers: Vec<usize> = (0..bytes.len() - 4).filter(|i| bytes[*i] == 0xFF && bytes[i + 1] > 0xC0).collect();
        for (index, len) in &patches {
            let at = markers[index.index(markers.len())];
            bytes[at + 2..at + 4].copy_from_slice(&len.to_be_bytes());
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()).max(2));
        }
        check(name, bytes)?;
    }

    /// A JPEG inside a HEIF item (in `mdat` or `idat`, in one extent or split inside
    /// its EXIF): segment lengths near the limits, blanked in place or refused.
    #[test]
    fn jpeg_item_segment_lengths_near_the_limits(
        layout in 0usize..3,
        patches in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(NEAR16.to_vec())), 1..4),
    ) {
        let jpeg = fixture("planted.jpg");
        let exif = jpeg.windows(6).position(|w| w == b"Exif\0\0").unwrap();
        let splits = [exif + 40];
        let item = match layout {
            0 => ITEM,
            1 => JpegItem { splits: &splits, ..ITEM },
            _ => JpegItem { idat: true, construction_method: 1, ..ITEM },
        };
        let (mut bytes, ranges) = heif_with_jpeg_item(&jpeg, item);
        // Marker positions of the JPEG, as positions in the file.
        let at: Vec<usize> = ranges.iter().flat_map(|r| r.clone()).collect();
        let markers: Vec<usize> = (0..jpeg.len() - 4).filter(|i| jpeg[*i] == 0xFF && jpeg[i + 1] > 0xC0).collect();
        for (index, len) in &patches {
            let m = markers[index.index(markers.len())];
            let [hi, lo] = len.to_be_bytes();
            bytes[at[m + 2]] = hi;
            bytes[at[m + 3]] = lo;
        }
        check("JPEG item", bytes)?;
    }

    /// PNG: chunk lengths near the limits.
    #[test]
    fn png_chunk_lengths_near_the_limits(
        which in 0usize..2,
        patches in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(NEAR32.to_vec())), 1..3),
    ) {
        let name = ["gps.png", "planted.png"][which];
        let mut bytes = fixture(name);
        let mut chunks = vec![];
        let mut at = 8;
        while at + 8 <= bytes.len() {
            chunks.push(at);
            at += 12 + u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        }
        for (index, len) in &patches {
            let at = chunks[index.index(chunks.len())];
            bytes[at..at + 4].copy_from_slice(&len.to_be_bytes());
        }
        check(name, bytes)?;
    }

    /// WebP: the RIFF size and chunk sizes near the limits.
    #[test]
    fn webp_chunk_sizes_near_the_limits(
        which in 0usize..3,
        patches in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(NEAR32.to_vec())), 1..3),
    ) {
        let name = ["gps.webp", "planted.webp", "animated.webp"][which];
        let mut bytes = fixture(name);
        let codes: [&[u8; 4]; 8] = [b"RIFF", b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANMF", b"EXIF", b"XMP "];
        let at: Vec<usize> = (0..bytes.len() - 8).filter(|i| codes.iter().any(|c| &bytes[*i..i + 4] == *c)).collect();
        for (index, size) in &patches {
            let p = at[index.index(at.len())];
            bytes[p + 4..p + 8].copy_from_slice(&size.to_le_bytes());
        }
        check(name, bytes)?;
    }

    /// Ogg: page flags, segment counts, lacing values and serials changed.
    #[test]
    fn ogg_page_fields_changed(
        which in 0usize..2,
        patches in prop::collection::vec((any::<prop::sample::Index>(), 0usize..4, any::<u8>()), 1..4),
    ) {
        let name = ["tags.opus", "chained.ogg"][which];
        let mut bytes = fixture(name);
        let pages: Vec<usize> = (0..bytes.len() - 27).filter(|i| &bytes[*i..i + 4] == b"OggS").collect();
        for (index, field, value) in &patches {
            let p = pages[index.index(pages.len())];
            match field {
                0 => bytes[p + 5] = value & 0x07,            // continued / BOS / EOS flags
                1 => bytes[p + 26] = *value,                 // segment count
                2 => bytes[p + 27] = *value,                 // first lacing value
                _ => bytes[p + 14] ^= value | 1,             // serial number
            }
        }
        check(name, bytes)?;
    }

    /// MP3: ID3 sizes (syncsafe and not), frame headers and tag headers changed.
    #[test]
    fn mp3_tag_sizes_and_frame_headers_changed(
        which in 0usize..2,
        patches in prop::collection::vec((any::<prop::sample::Index>(), any::<[u8; 4]>()), 1..4),
    ) {
        let name = ["tags.mp3", "planted.mp3"][which];
        let mut bytes = fixture(name);
        let marks: Vec<usize> = (0..bytes.len() - 10)
            .filter(|i| bytes[*i] == 0xFF && bytes[i + 1] & 0xE0 == 0xE0 || &bytes[*i..i + 3] == b"ID3" || &bytes[*i..i + 3] == b"TAG")
            .collect();
        for (index, value) in &patches {
            let p = marks[index.index(marks.len())];
            let field = if bytes[p] == 0xFF { p } else { p + 6 };
            bytes[field..field + 4].copy_from_slice(value);
        }
        check(name, bytes)?;
    }

    /// Generated ISO BMFF trees: any nesting of known and unknown boxes with sizes near
    /// the limits, as a movie and as a HEIF picture.
    #[test]
    fn generated_box_trees(tree in prop::collection::vec(arb_box(3), 0..5), brand in 0usize..3) {
        let brand = [b"isom", b"heic", b"avif"][brand];
        let file = [ftyp(brand), tree.concat()].concat();
        every_way(file);
    }

    /// Random bytes behind each format's magic.
    #[test]
    fn random_bytes_behind_magic(magic in 0usize..9, rest in prop::collection::vec(any::<u8>(), 0..400)) {
        let prefix: &[u8] = [
            &b"\xFF\xD8\xFF"[..], b"\x89PNG\r\n\x1a\n", b"RIFF\x10\0\0\0WEBP", b"\0\0\0\x14ftypisom",
            b"\0\0\0\x14ftypheic", b"OggS\0\x02", b"ID3\x04\0\0", b"\xFF\xFB\x90\x64", b"\xFF\xF1\x50\x80",
        ][magic];
        every_way([prefix, &rest].concat());
    }
}

/// One box: a known or unknown type, children or a body (often a table whose count is
/// near the limits), and a size that is right or near the limits.
fn arb_box(depth: u32) -> impl Strategy<Value = Vec<u8>> {
    let kinds: Vec<[u8; 4]> = [
        b"stsz", b"stco", b"co64", b"stsc", b"stz2", b"stsd", b"tkhd", b"mvhd", b"mdhd", b"hdlr", b"dref", b"iloc",
        b"iinf", b"infe", b"idat", b"pitm", b"ipma", b"udta", b"meta", b"uuid", b"free", b"mdat", b"prft", b"zzzz",
        b"avc1", b"colr",
    ]
    .iter()
    .map(|k| **k)
    .collect();
    let body = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..48),
        (
            any::<u8>(),
            prop::sample::select(NEAR32.to_vec()),
            prop::collection::vec(any::<u8>(), 0..32)
        )
            .prop_map(|(version, count, rest)| [&[version, 0, 0, 0][..], &count.to_be_bytes(), &rest].concat()),
        (
            prop::sample::select(NEAR64.to_vec()),
            prop::sample::select(NEAR64.to_vec())
        )
            .prop_map(|(a, b)| [
                &[1u8, 0, 0, 0, 0x44, 0x40, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1][..],
                &a.to_be_bytes(),
                &b.to_be_bytes()
            ]
            .concat()),
    ];
    let leaf = (prop::sample::select(kinds), body, size_mode()).prop_map(|(k, b, s)| encode(&k, &b, &s));
    leaf.prop_recursive(depth, 24, 4, |inner| {
        let containers: Vec<[u8; 4]> = [
            b"moov", b"trak", b"mdia", b"minf", b"stbl", b"dinf", b"edts", b"mvex", b"moof", b"traf", b"iprp", b"ipco",
            b"udta", b"stsd",
        ]
        .iter()
        .map(|k| **k)
        .collect();
        let meta = (prop::collection::vec(inner.clone(), 0..4), size_mode()).prop_map(|(kids, s)| {
            let hdlr = boxed(b"hdlr", &[0, 0, 0, 0, 0, 0, 0, 0, b'p', b'i', b'c', b't', 0, 0, 0, 0]);
            encode(b"meta", &[vec![0, 0, 0, 0], hdlr, kids.concat()].concat(), &s)
        });
        prop_oneof![
            (
                prop::sample::select(containers),
                prop::collection::vec(inner, 0..4),
                size_mode()
            )
                .prop_map(|(k, kids, s)| encode(&k, &kids.concat(), &s)),
            meta,
        ]
    })
}

#[derive(Debug, Clone)]
enum SizeMode {
    Right,
    Zero,
    Wrong(u32),
    Large(u64),
    LargeRight,
}

fn size_mode() -> impl Strategy<Value = SizeMode> {
    prop_oneof![
        6 => Just(SizeMode::Right),
        1 => Just(SizeMode::Zero),
        1 => Just(SizeMode::LargeRight),
        2 => prop::sample::select(NEAR32.to_vec()).prop_map(SizeMode::Wrong),
        2 => prop::sample::select(NEAR64.to_vec()).prop_map(SizeMode::Large),
    ]
}

fn encode(kind: &[u8; 4], body: &[u8], size: &SizeMode) -> Vec<u8> {
    let mut b = vec![];
    match size {
        SizeMode::Right => b.extend_from_slice(&((body.len() + 8) as u32).to_be_bytes()),
        SizeMode::Zero => b.extend_from_slice(&0u32.to_be_bytes()),
        SizeMode::Wrong(v) => b.extend_from_slice(&v.to_be_bytes()),
        SizeMode::Large(_) | SizeMode::LargeRight => b.extend_from_slice(&1u32.to_be_bytes()),
    }
    b.extend_from_slice(kind);
    match size {
        SizeMode::Large(v) => b.extend_from_slice(&v.to_be_bytes()),
        SizeMode::LargeRight => b.extend_from_slice(&((body.len() + 16) as u64).to_be_bytes()),
        _ => {}
    }
    b.extend_from_slice(body);
    b
}
