//! Fragmented MP4 (`moof`/`mdat` pairs, as live streamers and some Android recorders
//! write): every byte of `mdat` that no sample of a fragment points at is zeroed, the
//! samples stay byte for byte where they were, and a fragment whose samples cannot be
//! located for sure is refused rather than stored as "stripped".
//!
//! The files are rebuilt from the samples of `fragmented.mp4` in every layout the
//! format allows (explicit base offsets, default-base-is-moof, the implicit base, runs
//! with and without data offsets, sizes per sample or in the track fragment header),
//! with a name and a phone number planted before, between and after the runs. Samples
//! are located in the result with the tests' own walker (`common::fragment_samples`).

mod common;

use common::*;
use proptest::prelude::*;
use satark_media::{Declared, MediaError, process};
use std::ops::Range;

/// What a recorder (or anything else) left in `mdat` outside the samples.
const GAP: &[u8] = b"\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\
Ravi Kumar 919812345678 Ramesh Kumar +919876543210\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

/// The movie of `fragmented.mp4` and its samples, read independently.
struct Source {
    /// `ftyp` and `moov`: everything before the first `moof`.
    init: Vec<u8>,
    track: u32,
    default_duration: u32,
    default_flags: u32,
    first_flags: u32,
    /// Each sample's data and composition time offset.
    samples: Vec<(Vec<u8>, u32)>,
}

fn source() -> Source {
    let file = fixture("fragmented.mp4");
    let top = boxes(&file, 0, file.len());
    let (_, moof_body, moof_end) = *top.iter().find(|b| &b.0 == b"moof").expect("moof");
    let (_, traf, traf_end) = *boxes(&file, moof_body, moof_end)
        .iter()
        .find(|b| &b.0 == b"traf")
        .expect("traf");
    let parts = boxes(&file, traf, traf_end);
    let (_, h, _) = *parts.iter().find(|b| &b.0 == b"tfhd").expect("tfhd");
    let (_, r, _) = *parts.iter().find(|b| &b.0 == b"trun").expect("trun");
    // The fixture (ffmpeg): base offset, default duration, size and flags; a run with
    // a data offset, first-sample flags, sizes and composition offsets.
    assert_eq!(u32_at(&file, h) & 0xFF_FFFF, 0x39, "fixture's tfhd layout");
    assert_eq!(u32_at(&file, r) & 0xFF_FFFF, 0xA05, "fixture's trun layout");
    let count = u32_at(&file, r + 4) as usize;
    let located = fragment_samples(&file);
    assert_eq!(located.len(), count);
    Source {
        init: file[..moof_body - 8].to_vec(),
        track: u32_at(&file, h + 4),
        default_duration: u32_at(&file, h + 16),
        default_flags: u32_at(&file, h + 24),
        first_flags: u32_at(&file, r + 12),
        samples: located
            .iter()
            .enumerate()
            .map(|(i, (at, len))| (file[*at..at + len].to_vec(), u32_at(&file, r + 16 + 8 * i + 4)))
            .collect(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Base {
    /// `base-data-offset` in the track fragment header (the `moof`, as ffmpeg writes).
    Explicit,
    /// `default-base-is-moof`.
    Moof,
    /// Neither: the first track fragment's data counts from its `moof`.
    Implicit,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Sizes {
    PerSample,
    /// In the track fragment header (so one sample per fragment: they all differ).
    Header,
    /// Nowhere (the fixture's `trex` says 0): must be refused.
    Missing,
}

#[derive(Debug, Clone, Copy)]
struct Layout {
    base: Base,
    sizes: Sizes,
    per_fragment: usize,
    per_run: usize,
    /// Whether runs after the first carry a data offset (else they follow on).
    offsets: bool,
    head: bool,
    between: bool,
    tail: bool,
}

/// A fragmented MP4 with `source`'s movie and samples laid out as `l` says, and where
/// the planted gaps are.
fn build(src: &Source, l: Layout) -> (Vec<u8>, Vec<Range<usize>>) {
    let mut file = src.init.clone();
    let mut planted = vec![];
    let mut decode_time = 0u64;
    for (n, fragment) in src.samples.chunks(l.per_fragment).enumerate() {
        let first_sample = n == 0;
        let runs: Vec<&[(Vec<u8>, u32)]> = fragment.chunks(l.per_run).collect();
        let mut body = vec![];
        let mut gaps = vec![];
        let mut run_at = vec![];
        let mut gap = |body: &mut Vec<u8>| {
            gaps.push(body.len()..body.len() + GAP.len());
            body.extend_from_slice(GAP);
        };
        if l.head {
            gap(&mut body);
        }
        for (j, run) in runs.iter().enumerate() {
            if j > 0 && l.between {
                gap(&mut body);
            }
            run_at.push(body.len());
            for (data, _) in *run {
                body.extend_from_slice(data);
            }
        }
        if l.tail {
            gap(&mut body);
        }
        let moof_at = file.len();
        let make = |base: u64, offsets: &[i64]| -> Vec<u8> {
            let mut flags = 0x08 | 0x20;
            let mut tfhd = src.track.to_be_bytes().to_vec();
            match l.base {
                Base::Explicit => {
                    flags |= 0x01;
                    tfhd.extend_from_slice(&base.to_be_bytes());
                }
                Base::Moof => flags |= 0x2_0000,
                Base::Implicit => {}
            }
            tfhd.extend_from_slice(&src.default_duration.to_be_bytes());
            if l.sizes == Sizes::Header {
                assert_eq!(fragment.len(), 1, "one size for the fragment");
                flags |= 0x10;
                tfhd.extend_from_slice(&(fragment[0].0.len() as u32).to_be_bytes());
            }
            tfhd.extend_from_slice(&src.default_flags.to_be_bytes());
            let mut traf = full_box(b"tfhd", 0, flags, &tfhd);
            traf.extend(full_box(b"tfdt", 1, 0, &decode_time.to_be_bytes()));
            for (j, run) in runs.iter().enumerate() {
                let mut flags = 0x800;
                let mut trun = (run.len() as u32).to_be_bytes().to_vec();
                if j == 0 || l.offsets {
                    flags |= 0x01;
                    trun.extend_from_slice(&(offsets[j] as i32).to_be_bytes());
                }
                if first_sample && j == 0 {
                    flags |= 0x04;
                    trun.extend_from_slice(&src.first_flags.to_be_bytes());
                }
                if l.sizes == Sizes::PerSample || l.sizes == Sizes::Missing {
                    flags |= if l.sizes == Sizes::PerSample { 0x200 } else { 0 };
                }
                for (data, cts) in *run {
                    if l.sizes == Sizes::PerSample {
                        trun.extend_from_slice(&(data.len() as u32).to_be_bytes());
                    }
                    trun.extend_from_slice(&cts.to_be_bytes());
                }
                traf.extend(full_box(b"trun", 0, flags, &trun));
            }
            let mfhd = full_box(b"mfhd", 0, 0, &(n as u32 + 1).to_be_bytes());
            bx(b"moof", &[mfhd, bx(b"traf", &traf)].concat())
        };
        let moof_len = make(0, &vec![0; runs.len()]).len();
        let body_at = moof_at + moof_len + 8;
        let base = moof_at as u64;
        let offsets: Vec<i64> = run_at.iter().map(|r| (body_at + r) as i64 - base as i64).collect();
        let moof = make(base, &offsets);
        assert_eq!(moof.len(), moof_len);
        file.extend(moof);
        file.extend(bx(b"mdat", &body));
        planted.extend(gaps.into_iter().map(|g| body_at + g.start..body_at + g.end));
        decode_time += u64::from(src.default_duration) * fragment.len() as u64;
    }
    (file, planted)
}

fn layouts() -> Vec<Layout> {
    let mut out = vec![];
    let all = Layout {
        base: Base::Explicit,
        sizes: Sizes::PerSample,
        per_fragment: 10,
        per_run: 3,
        offsets: true,
        head: true,
        between: true,
        tail: true,
    };
    for base in [Base::Explicit, Base::Moof, Base::Implicit] {
        for (per_fragment, per_run) in [(10, 10), (10, 3), (4, 2), (3, 1)] {
            out.push(Layout {
                base,
                per_fragment,
                per_run,
                ..all
            });
        }
        // Runs that follow on from the previous one, with only the tail planted.
        out.push(Layout {
            base,
            offsets: false,
            between: false,
            head: false,
            ..all
        });
        // A size in each track fragment header, one sample per fragment.
        out.push(Layout {
            base,
            sizes: Sizes::Header,
            per_fragment: 1,
            per_run: 1,
            ..all
        });
    }
    out
}

#[test]
fn bytes_outside_the_samples_of_each_fragment_are_zeroed_and_the_samples_kept() {
    let src = source();
    let original = fixture("fragmented.mp4");
    for l in layouts() {
        let (file, planted) = build(&src, l);
        // The file is what it should be: the same samples, and the planted data.
        let samples = fragment_samples(&file);
        let data: Vec<&[u8]> = samples.iter().map(|(at, len)| &file[*at..at + len]).collect();
        let expected: Vec<&[u8]> = src.samples.iter().map(|(d, _)| d.as_slice()).collect();
        assert_eq!(data, expected, "{l:?}: built as meant");
        assert!(!planted.is_empty() && contains(&file, b"Ravi Kumar 919812345678"));

        let out = process(Declared::Video, &file).unwrap_or_else(|e| panic!("{l:?}: {e}"));
        assert!(out.metadata_stripped);
        assert_eq!(out.bytes.len(), file.len(), "{l:?}: in place");
        assert!(!contains(&out.bytes, b"Ravi Kumar 919812345678"), "{l:?}");
        assert_nothing_planted(&out.bytes, &format!("{l:?}"));
        assert!(out.removed.contains(&"unreferenced data"), "{l:?}: {:?}", out.removed);
        // The samples are where they were, byte for byte.
        assert_eq!(fragment_samples(&out.bytes), samples, "{l:?}");
        for (at, len) in &samples {
            assert_eq!(&out.bytes[*at..at + len], &file[*at..at + len], "{l:?}: sample at {at}");
        }
        // From the first fragment on, the planted bytes are zeros and nothing else
        // changed.
        let moof = src.init.len();
        let mut expected = file.clone();
        for p in &planted {
            expected[p.clone()].fill(0);
        }
        assert_eq!(out.bytes[moof..], expected[moof..], "{l:?}");
        assert_eq!(
            out.bytes[..moof],
            process(Declared::Video, &original).expect("fixture").bytes[..moof],
            "{l:?}: the movie is cleaned as the fixture's"
        );
    }
    let (file, _) = build(&src, layouts()[1]);
    let out = process(Declared::Video, &file).expect("processed");
    assert_exiftool_clean(&out.bytes, "mp4", "fragmented MP4");
}

#[test]
fn the_fixture_itself_keeps_every_byte_of_its_samples() {
    // ffmpeg's fragments: the samples fill `mdat` exactly, so nothing there changes.
    let original = fixture("fragmented.mp4");
    let out = process(Declared::Video, &original).expect("processed");
    let samples = fragment_samples(&original);
    assert_eq!(samples.len(), 10);
    assert_eq!(fragment_samples(&out.bytes), samples);
    for (at, len) in samples {
        assert_eq!(out.bytes[at..at + len], original[at..at + len]);
    }
}

#[test]
fn the_reviewers_file_loses_what_was_planted_after_the_samples() {
    // "Ravi Kumar 919812345678" inside the fixture's mdat after its samples: the mdat
    // grown by the planted bytes, the fragment index after it moved along.
    let original = fixture("fragmented.mp4");
    let top = boxes(&original, 0, original.len());
    let (_, body, end) = *top.iter().find(|b| &b.0 == b"mdat").expect("mdat");
    let plant = b"Ravi Kumar 919812345678";
    let mut file = original[..body - 8].to_vec();
    file.extend_from_slice(&((end - body + 8 + plant.len()) as u32).to_be_bytes());
    file.extend_from_slice(b"mdat");
    file.extend_from_slice(&original[body..end]);
    file.extend_from_slice(plant);
    file.extend_from_slice(&original[end..]);
    let out = process(Declared::Video, &file).expect("processed");
    assert!(out.metadata_stripped);
    assert!(!contains(&out.bytes, plant));
    assert!(out.bytes[end..end + plant.len()].iter().all(|b| *b == 0));
    for (at, len) in fragment_samples(&file) {
        assert_eq!(out.bytes[at..at + len], file[at..at + len]);
    }
}

fn refused(file: &[u8]) -> MediaError {
    let r = within(20, {
        let file = file.to_vec();
        move || process(Declared::Video, &file)
    });
    match r {
        Err(e) => e,
        Ok(out) => panic!("accepted (removed {:?})", out.removed),
    }
}

/// The offset of the `n`th box of type `kind` (its size field) inside `moof` and
/// `traf` boxes.
fn nth_box(file: &[u8], kind: &[u8; 4], n: usize) -> usize {
    fragment_boxes(file, kind)[n]
}

/// The offsets of the boxes of type `kind` inside `moof` and `traf` boxes, found with
/// the tests' own walker.
fn fragment_boxes(file: &[u8], kind: &[u8; 4]) -> Vec<usize> {
    let mut found = vec![];
    for (k, s, e) in boxes(file, 0, file.len()) {
        if &k == b"moof" {
            for (k, s, e) in boxes(file, s, e) {
                if &k == kind {
                    found.push(s - 8);
                }
                if &k == b"traf" {
                    for (k, s, _) in boxes(file, s, e) {
                        if &k == kind {
                            found.push(s - 8);
                        }
                    }
                }
            }
        }
    }
    found
}

#[test]
fn a_fragment_whose_samples_cannot_be_located_is_refused() {
    let src = source();
    let base = layouts()[1];
    // No sample size anywhere (the fixture's trex says 0).
    let (file, _) = build(
        &src,
        Layout {
            sizes: Sizes::Missing,
            ..base
        },
    );
    assert!(matches!(refused(&file), MediaError::Unsupported(_)));

    let (good, _) = build(&src, base);
    let tfhd = nth_box(&good, b"tfhd", 0);
    let trun = nth_box(&good, b"trun", 0);
    // A fragment of a track the movie does not have.
    let mut file = good.clone();
    file[tfhd + 12..tfhd + 16].copy_from_slice(&7u32.to_be_bytes());
    assert!(matches!(refused(&file), MediaError::Unsupported(_)));
    // A track fragment without a header (its type changed to one that is kept).
    let mut file = good.clone();
    file[tfhd + 4..tfhd + 8].copy_from_slice(b"subs");
    assert!(matches!(refused(&file), MediaError::Unsupported(_)));
    // Flags this module does not know (the fields they announce would be misread).
    for (at, bit) in [(trun, 0x02u32), (trun, 0x1000), (tfhd, 0x04), (tfhd, 0x40_0000)] {
        let mut file = good.clone();
        let flags = u32_at(&file, at + 8) | bit;
        file[at + 8..at + 12].copy_from_slice(&flags.to_be_bytes());
        assert!(matches!(refused(&file), MediaError::Unsupported(_)), "flag {bit:#x}");
    }
    // A data offset into the movie box, before the file or past its end (the base is
    // the moof).
    let moof = src.init.len() as i64;
    for offset in [-(good.len() as i64), -1_000_000, 100 - moof, 1 << 30] {
        let mut file = good.clone();
        file[trun + 16..trun + 20].copy_from_slice(&(offset as i32).to_be_bytes());
        assert!(
            matches!(refused(&file), MediaError::Malformed { .. }),
            "offset {offset}"
        );
    }
}

/// Whatever is accepted keeps nothing planted, and nothing panics or hangs.
fn check(file: Vec<u8>) -> Result<(), TestCaseError> {
    let results = within(20, move || {
        [Declared::Video, Declared::Document, Declared::Audio]
            .iter()
            .map(|d| process(*d, &file))
            .collect::<Vec<_>>()
    });
    for out in results.into_iter().flatten() {
        prop_assert!(out.metadata_stripped);
        prop_assert!(!contains(&out.bytes, b"Ravi Kumar"), "accepted with the planted data");
        prop_assert!(!PLANTED.iter().any(|s| contains(&out.bytes, s.as_bytes())));
    }
    Ok(())
}

#[test]
fn sample_counts_and_sizes_near_the_limits() {
    let src = source();
    for l in [layouts()[1], layouts()[4], layouts()[5]] {
        let (good, _) = build(&src, l);
        let trun = nth_box(&good, b"trun", 0);
        // The count, then the data offset, then the first entries (size, cts...).
        for field in 0..6 {
            for v in NEAR32 {
                let mut file = good.clone();
                let at = trun + 12 + 4 * field;
                file[at..at + 4].copy_from_slice(&v.to_be_bytes());
                check(file).unwrap();
            }
        }
        let tfhd = nth_box(&good, b"tfhd", 0);
        if l.base == Base::Explicit {
            for v in NEAR64 {
                let mut file = good.clone();
                file[tfhd + 16..tfhd + 24].copy_from_slice(&v.to_be_bytes());
                check(file).unwrap();
            }
        }
    }
    // A run of up to u32::MAX samples of the header's default size, without a table
    // (composition offsets dropped from the run's flags): as large as the file or
    // larger, or of samples of size 0, which say nothing of where the data is.
    let l = layouts()[5];
    assert_eq!((l.base, l.sizes), (Base::Explicit, Sizes::Header));
    let (good, _) = build(&src, l);
    let trun = nth_box(&good, b"trun", 0);
    let tfhd = nth_box(&good, b"tfhd", 0);
    for count in [u32::MAX, u32::MAX - 1, 0x8000_0000, 0x10_0000, 0x1000] {
        for size in [0, 1, 7, 0x10_0000, u32::MAX - 1, u32::MAX] {
            let mut file = good.clone();
            let flags = u32_at(&file, trun + 8) & !0x800;
            file[trun + 8..trun + 12].copy_from_slice(&flags.to_be_bytes());
            file[trun + 12..trun + 16].copy_from_slice(&count.to_be_bytes());
            // Version and flags, track, base offset, duration, then the size.
            file[tfhd + 28..tfhd + 32].copy_from_slice(&size.to_be_bytes());
            let r = within(20, move || process(Declared::Video, &file));
            match size {
                0 => assert!(matches!(r, Err(MediaError::Unsupported(_))), "count {count}: {r:?}"),
                _ => assert!(
                    matches!(r, Err(MediaError::Malformed { .. })),
                    "count {count}, size {size}: {r:?}"
                ),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    /// Any 32-bit field of any track fragment header or run of any layout set near
    /// the limits, up to three at once.
    #[test]
    fn fragment_fields_near_the_limits(
        layout in any::<prop::sample::Index>(),
        patches in prop::collection::vec(
            (any::<bool>(), any::<prop::sample::Index>(), any::<prop::sample::Index>(), prop::sample::select(NEAR32.to_vec())),
            1..4,
        ),
    ) {
        let src = source();
        let all = layouts();
        let (mut file, _) = build(&src, all[layout.index(all.len())]);
        for (in_run, which, field, value) in &patches {
            let kind = if *in_run { b"trun" } else { b"tfhd" };
            let found = fragment_boxes(&file, kind);
            let at = found[which.index(found.len())];
            let size = u32_at(&file, at) as usize;
            // Any 4-byte field after the size and type, the version and flags included.
            let fields = (size - 8) / 4;
            let f = at + 8 + 4 * field.index(fields);
            file[f..f + 4].copy_from_slice(&value.to_be_bytes());
        }
        check(file)?;
    }
}
