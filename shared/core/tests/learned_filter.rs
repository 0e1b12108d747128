//! The learned spurious-report filter against its data: the quality gate on held-out
//! tips, the learning curve from officer verdicts, the data's own hygiene, and the
//! robustness of the stored model format and the feature extractor.
//!
//! The figures: `cargo test -p satark-core --release --test learned_filter -- --nocapture gate`

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use satark_core::text::fold;
use satark_core::triage::eval::{CURVE, evaluate};
use satark_core::triage::features::{DIMENSIONS, features};
use satark_core::triage::model::{
    HELDOUT_JSONL, LANGUAGES, Label, LabelledText, MODEL_BYTES, ModelError, TRAIN_JSONL, TextModel, VERDICTS_JSONL,
    load_jsonl,
};

fn data(text: &str) -> Vec<LabelledText> {
    load_jsonl(text).expect("shipped data parses")
}

fn train() -> Vec<LabelledText> {
    data(TRAIN_JSONL)
}
fn heldout() -> Vec<LabelledText> {
    data(HELDOUT_JSONL)
}
fn verdicts() -> Vec<LabelledText> {
    data(VERDICTS_JSONL)
}

#[test]
fn gate_on_heldout() {
    let started = std::time::Instant::now();
    let model = TextModel::train(&train());
    println!("training on {} tips took {:?}", train().len(), started.elapsed());
    assert_eq!(model, TextModel::shipped());

    let e = evaluate(&model, &heldout(), &verdicts(), 0.5, &CURVE);
    println!("{e}");
    assert!(
        e.spurious.precision >= 0.90,
        "spurious precision {:.3}",
        e.spurious.precision
    );
    assert!(e.spurious.recall >= 0.80, "spurious recall {:.3}", e.spurious.recall);
    let before = e.learning_curve.first().map(|p| p.1).unwrap_or(0.0);
    let after = e.learning_curve.iter().find(|p| p.0 == 200).map(|p| p.1).unwrap_or(0.0);
    println!("held-out spurious F1: {before:.3} with no verdicts, {after:.3} after 200");
    assert!(after > before, "learning from 200 verdicts must improve held-out F1");

    // Per kind, for reading: where the filter is right before and after the verdicts.
    let mut taught = model.clone();
    for v in verdicts().iter().take(200) {
        taught.learn(&v.text, v.label == Label::Spurious);
    }
    let mut kinds: HashMap<String, (usize, usize, usize)> = HashMap::new();
    for t in heldout() {
        let truth = t.label == Label::Spurious;
        let k = kinds.entry(t.kind.clone()).or_default();
        k.0 += 1;
        k.1 += usize::from((model.spurious_probability(&t.text) >= 0.5) == truth);
        k.2 += usize::from((taught.spurious_probability(&t.text) >= 0.5) == truth);
    }
    let mut kinds: Vec<_> = kinds.into_iter().collect();
    kinds.sort();
    println!("{:<16} {:>5} {:>10} {:>12}", "kind", "texts", "right @0", "right @200");
    for (kind, (n, before, after)) in kinds {
        println!("{kind:<16} {n:>5} {before:>10} {after:>12}");
    }
}

#[test]
fn sets_are_large_balanced_and_multilingual() {
    for (name, rows, min) in [
        ("train", train(), 450),
        ("heldout", heldout(), 350),
        ("verdicts", verdicts(), 220),
    ] {
        assert!(rows.len() >= min, "{name}: {} rows", rows.len());
        for lang in LANGUAGES {
            let share = rows.iter().filter(|r| r.lang == lang).count() as f64 / rows.len() as f64;
            assert!(share >= 0.20, "{name}: {lang} is {share:.2} of the set");
        }
        let genuine = rows.iter().filter(|r| r.label == Label::Genuine).count() as f64 / rows.len() as f64;
        assert!((0.45..=0.65).contains(&genuine), "{name}: genuine share {genuine:.2}");
        let genuine_kinds = ["genuine", "angry_genuine", "short_genuine"];
        for r in &rows {
            assert_eq!(
                genuine_kinds.contains(&r.kind.as_str()),
                r.label == Label::Genuine,
                "{name}: {r:?}"
            );
        }
    }
}

/// The drift story: scams are rare in training, a noticeable part of held-out, and a
/// large part of the later verdicts.
#[test]
fn the_scam_wave_is_new() {
    let share = |rows: &[LabelledText]| rows.iter().filter(|r| r.kind == "scam").count() as f64 / rows.len() as f64;
    assert!(share(&train()) <= 0.01, "train scam share {:.3}", share(&train()));
    assert!(
        (0.08..=0.15).contains(&share(&heldout())),
        "held-out scam share {:.3}",
        share(&heldout())
    );
    assert!(
        share(&verdicts()) >= 0.2,
        "verdict scam share {:.3}",
        share(&verdicts())
    );
}

#[test]
fn no_text_repeats_within_or_across_sets() {
    let mut exact: HashMap<String, &str> = HashMap::new();
    let mut folded: HashMap<String, &str> = HashMap::new();
    for (name, rows) in [("train", train()), ("heldout", heldout()), ("verdicts", verdicts())] {
        for r in rows {
            if let Some(first) = exact.insert(r.text.clone(), name) {
                panic!("{:?} is in {first} and {name}", r.text);
            }
            if let Some(first) = folded.insert(fold(&r.text), name) {
                panic!("{:?} folds like a line of {first} ({name})", r.text);
            }
        }
    }
}

/// Character-trigram sets of folded texts, hashed and sorted for a quick Jaccard.
fn trigrams(text: &str) -> Vec<u64> {
    let chars: Vec<char> = format!(" {} ", fold(text)).chars().collect();
    let mut grams: Vec<u64> = chars
        .windows(3)
        .map(|w| {
            w.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, c| {
                (h ^ u64::from(*c)).wrapping_mul(0x100_0000_01b3)
            })
        })
        .collect();
    grams.sort_unstable();
    grams.dedup();
    grams
}

fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - both;
    if union == 0 { 1.0 } else { both as f64 / union as f64 }
}

/// Held-out must measure generalisation: no held-out tip is a near copy of a training
/// tip or of a verdict, and hardly any is even close.
#[test]
fn heldout_is_not_a_near_copy_of_train_or_verdicts() {
    let held: Vec<(String, Vec<u64>)> = heldout()
        .into_iter()
        .map(|r| (r.text.clone(), trigrams(&r.text)))
        .collect();
    for (name, other) in [("train", train()), ("verdicts", verdicts())] {
        let other: Vec<Vec<u64>> = other.iter().map(|r| trigrams(&r.text)).collect();
        let mut close = 0;
        for (text, g) in &held {
            let best = other.iter().map(|o| jaccard(g, o)).fold(0.0, f64::max);
            assert!(
                best < 0.8,
                "held-out {text:?} is a near copy of a {name} line ({best:.2})"
            );
            if best >= 0.6 {
                close += 1;
            }
        }
        assert!(
            close * 100 <= held.len() * 2,
            "{close} held-out lines are close to {name} lines"
        );
    }
}

/// Phone numbers in the data are masked (`98XXXXXX07`): no run of seven or more digits.
#[test]
fn no_phone_numbers_in_the_data() {
    for r in train().iter().chain(&heldout()).chain(&verdicts()) {
        let mut run = 0;
        for c in r.text.chars() {
            run = if c.is_ascii_digit() { run + 1 } else { 0 };
            assert!(run < 7, "digit run in {:?}", r.text);
        }
    }
}

#[test]
fn bytes_round_trip_with_identical_scores() {
    let mut model = TextModel::shipped();
    for v in verdicts().iter().take(20) {
        model.learn(&v.text, v.label == Label::Spurious);
    }
    let back = TextModel::from_bytes(&model.to_bytes()).expect("round trip");
    assert_eq!(back.verdicts_learned(), 20);
    for t in heldout() {
        assert_eq!(model.spurious_probability(&t.text), back.spurious_probability(&t.text));
    }
}

/// A text of a kind the training set hardly has scores higher once officers have
/// marked a wave of its kind spurious.
#[test]
fn verdicts_move_the_score() {
    let shipped = TextModel::shipped();
    let mut taught = shipped.clone();
    for v in verdicts().iter().filter(|v| v.kind == "scam") {
        taught.learn(&v.text, true);
    }
    let scams: Vec<LabelledText> = heldout().into_iter().filter(|t| t.kind == "scam").collect();
    let mean = |m: &TextModel| scams.iter().map(|t| m.spurious_probability(&t.text)).sum::<f64>() / scams.len() as f64;
    println!(
        "held-out scams: mean score {:.3} before, {:.3} after",
        mean(&shipped),
        mean(&taught)
    );
    assert!(mean(&taught) > mean(&shipped) + 0.1);
    let text = "आपका बिजली कनेक्शन आज रात काट दिया जाएगा, तुरंत इस नंबर पर कॉल करें";
    assert!(taught.spurious_probability(text) > shipped.spurious_probability(text));
}

/// One verdict moves its own text, but barely moves unrelated tips.
#[test]
fn one_verdict_does_not_swing_the_model() {
    let shipped = TextModel::shipped();
    let mut taught = shipped.clone();
    // The scam the shipped model is least sure of.
    let text = heldout()
        .into_iter()
        .filter(|t| t.kind == "scam")
        .min_by(|a, b| {
            shipped
                .spurious_probability(&a.text)
                .total_cmp(&shipped.spurious_probability(&b.text))
        })
        .map(|t| t.text)
        .unwrap_or_default();
    taught.learn(&text, true);
    let (before, after) = (shipped.spurious_probability(&text), taught.spurious_probability(&text));
    println!("{text:?}: {before:.3} -> {after:.3}");
    assert!(
        after - before > 0.1 && after < 0.95,
        "own text moved {before:.3} -> {after:.3}"
    );
    let genuine: Vec<LabelledText> = heldout().into_iter().filter(|t| t.label == Label::Genuine).collect();
    let moved = genuine
        .iter()
        .map(|t| (taught.spurious_probability(&t.text) - shipped.spurious_probability(&t.text)).abs())
        .fold(0.0, f64::max);
    assert!(moved < 0.1, "a genuine tip moved {moved:.3}");
}

#[test]
fn strongest_terms_name_words_of_the_text() {
    let model = TextModel::shipped();
    let text = "Instant personal loan, no documents, call now and win a prize";
    let terms = model.strongest_terms(text, 3);
    println!("{text:?}: {terms:?}");
    assert!(!terms.is_empty() && terms.len() <= 3);
    let words: HashSet<String> = fold(text).split(' ').map(str::to_string).collect();
    assert!(terms.iter().all(|t| words.contains(t)));
}

#[test]
fn features_of_huge_inputs_are_bounded_and_valid() {
    for text in [
        "ख".repeat(200_000),
        "9".repeat(200_000),
        "a b ".repeat(50_000),
        "🙏".repeat(200_000),
    ] {
        let f = features(&text);
        assert!(!f.is_empty());
        assert!(f.iter().all(|(i, v)| (*i as usize) < DIMENSIONS && v.is_finite()));
        let norm: f32 = f.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-3);
        assert_eq!(f, features(&text));
    }
}

#[test]
fn a_header_claiming_other_sizes_is_refused() {
    let good = TextModel::untrained().to_bytes();
    for bits in [0u8, 16, 32, 64, 255] {
        let mut bad = good.clone();
        bad[8] = bits;
        assert!(matches!(
            TextModel::from_bytes(&bad),
            Err(ModelError::FeatureBits { .. })
        ));
    }
    for version in [0u16, 2, u16::MAX] {
        let mut bad = good.clone();
        bad[6..8].copy_from_slice(&version.to_le_bytes());
        assert_eq!(
            TextModel::from_bytes(&bad),
            Err(ModelError::UnsupportedVersion(version))
        );
    }
    // A verdict count of u64::MAX is just a number: the checksum refuses the edit.
    let mut bad = good.clone();
    bad[9..17].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_eq!(TextModel::from_bytes(&bad), Err(ModelError::Checksum));
    let mut longer = good.clone();
    longer.extend_from_slice(&[0; 1024]);
    assert!(matches!(TextModel::from_bytes(&longer), Err(ModelError::Length { .. })));
}

fn valid_bytes() -> &'static [u8] {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(|| TextModel::shipped().to_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn from_bytes_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = TextModel::from_bytes(&bytes);
        let mut with_magic = b"SATKTM\x01\x00\x0f".to_vec();
        with_magic.extend_from_slice(&bytes);
        prop_assert!(TextModel::from_bytes(&with_magic).is_err());
    }

    #[test]
    fn truncations_near_either_end_are_refused(cut in prop_oneof![0usize..64, (MODEL_BYTES - 64)..MODEL_BYTES]) {
        prop_assert!(TextModel::from_bytes(&valid_bytes()[..cut]).is_err());
    }

    #[test]
    fn flipped_bytes_are_refused(at in 0usize..MODEL_BYTES, bit in 0u8..8) {
        let mut bytes = valid_bytes().to_vec();
        bytes[at] ^= 1 << bit;
        prop_assert!(TextModel::from_bytes(&bytes).is_err());
    }

    #[test]
    fn features_are_valid_and_deterministic(text in any::<String>()) {
        let f = features(&text);
        prop_assert_eq!(&f, &features(&text));
        prop_assert!(f.windows(2).all(|p| p[0].0 < p[1].0));
        prop_assert!(f.iter().all(|(i, v)| (*i as usize) < DIMENSIONS && v.is_finite()));
        if !f.is_empty() {
            let norm: f32 = f.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
            prop_assert!((norm - 1.0).abs() < 1e-3);
        }
        let p = TextModel::shipped().spurious_probability(&text);
        prop_assert!((0.0..=1.0).contains(&p));
    }

    #[test]
    fn features_of_digit_runs_and_scripts(digits in "[0-9]{1,5000}", words in "[a-z\u{0900}-\u{097F}\u{0600}-\u{06FF} ]{0,300}") {
        let text = format!("{words} {digits} {words}");
        let f = features(&text);
        prop_assert!(!f.is_empty());
        prop_assert!(f.iter().all(|(i, _)| (*i as usize) < DIMENSIONS));
        prop_assert_eq!(f, features(&text));
    }

    #[test]
    fn learning_keeps_the_model_storable(texts in proptest::collection::vec(any::<String>(), 1..20), spurious in any::<bool>()) {
        let mut model = TextModel::shipped();
        for t in &texts {
            model.learn(t, spurious);
        }
        let back = TextModel::from_bytes(&model.to_bytes());
        prop_assert!(back.is_ok());
    }
}
