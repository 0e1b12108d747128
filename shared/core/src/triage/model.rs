//! The learned spurious-report filter: logistic regression over hashed text features.
//!
//! Why logistic regression: it is small (one weight per hashed slot), trains in a
//! fraction of a second, gives a probability officers can threshold, learns one verdict
//! at a time with a plain gradient step, and each weight can be read back as "this word
//! pushed toward spurious". The model ships trained on `data/triage/train.jsonl`
//! (synthetic, see that folder's README) and is then taught by officers' verdicts.
//!
//! The model is stored as bytes ([`TextModel::to_bytes`]) in a database row or an S3
//! object and loaded at cold start; [`TextModel::from_bytes`] refuses anything that is
//! not exactly a model of this format and never panics.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::eval::SpamFilter;
use super::features::{DIMENSIONS, FEATURE_BITS, MAX_CHARS, features, word_feature_indices};
use crate::text::fold;

/// The labelled tips the shipped model is trained on.
pub const TRAIN_JSONL: &str = include_str!("../../data/triage/train.jsonl");
/// Tips kept apart from training, to measure the model on.
pub const HELDOUT_JSONL: &str = include_str!("../../data/triage/heldout.jsonl");
/// A later stream of officer verdicts, in the order officers gave them.
pub const VERDICTS_JSONL: &str = include_str!("../../data/triage/verdicts.jsonl");

/// What an officer decided a report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Genuine,
    Spurious,
}

/// One labelled tip: a line `{"text","label","lang","kind"}` of the data files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelledText {
    pub text: String,
    pub label: Label,
    /// `hi` (Devanagari), `en`, `ur` (Urdu script) or `hinglish` (romanised Hindi).
    pub lang: String,
    /// Finer than the label: `genuine`, `angry_genuine`, `short_genuine`, `advertising`,
    /// `ad_mimic`, `gibberish`, `abuse`, `test`, `greeting`, `chain_forward`,
    /// `off_topic`, `political_rant`, `empty`, `grudge`, `joke`, `scam`.
    pub kind: String,
}

/// The languages a labelled line may declare.
pub const LANGUAGES: [&str; 4] = ["hi", "en", "ur", "hinglish"];

/// A data file that is not valid labelled JSON lines.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("line {line}: {source}")]
    Json { line: usize, source: serde_json::Error },
    #[error("line {line}: unknown language {lang:?} (expected one of hi, en, ur, hinglish)")]
    Language { line: usize, lang: String },
    #[error("line {line}: empty kind")]
    Kind { line: usize },
}

/// Parses JSON lines of labelled tips; blank lines are skipped, line numbers count from 1.
pub fn load_jsonl(text: &str) -> Result<Vec<LabelledText>, DatasetError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let item: LabelledText =
            serde_json::from_str(line).map_err(|source| DatasetError::Json { line: line_no, source })?;
        if !LANGUAGES.contains(&item.lang.as_str()) {
            return Err(DatasetError::Language {
                line: line_no,
                lang: item.lang,
            });
        }
        if item.kind.trim().is_empty() {
            return Err(DatasetError::Kind { line: line_no });
        }
        out.push(item);
    }
    Ok(out)
}

/// Bytes that are not a stored model of this format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("model bytes truncated: {len} bytes")]
    Truncated { len: usize },
    #[error("not a Satark text model (bad magic)")]
    BadMagic,
    #[error("unsupported model format version {0}")]
    UnsupportedVersion(u16),
    #[error("model uses {found} feature bits, this build uses {expected}")]
    FeatureBits { found: u8, expected: u32 },
    #[error("model is {found} bytes, expected {expected}")]
    Length { found: usize, expected: usize },
    #[error("model checksum does not match")]
    Checksum,
    /// Index 0 is the bias, 1.. the weights.
    #[error("model parameter {index} is not finite")]
    NonFinite { index: usize },
}

const MAGIC: &[u8; 6] = b"SATKTM";
const FORMAT_VERSION: u16 = 1;
/// magic, version u16, feature bits u8, verdict count u64, bias f32.
const HEADER_LEN: usize = 6 + 2 + 1 + 8 + 4;
const CHECKSUM_LEN: usize = 32;
/// The exact length of a stored model.
pub const MODEL_BYTES: usize = HEADER_LEN + 4 * DIMENSIONS + CHECKSUM_LEN;

/// Training: passes over the data, and the learning rate of the first and last pass.
/// The weights returned are the average of those after each pass of the second half
/// (averaged SGD), which is steadier than the last pass alone.
const EPOCHS: usize = 30;
const LR_START: f64 = 0.5;
const LR_END: f64 = 0.05;
/// L2 penalty per example step: keeps weights of rare n-grams small, so one odd
/// spelling in training does not decide a tip.
const L2: f64 = 1e-5;
/// The fixed seed of the example order: the same data always gives the same model.
const SHUFFLE_SEED: u64 = 0x5a7a_4b00_0000_0001;

/// Learning from one verdict: a few gradient steps at this rate. On a text's own
/// features (unit length) each step moves its log-odds by at most `ONLINE_LR`, so one
/// verdict moves a score noticeably but cannot flip a confident model, while a couple
/// of hundred verdicts of a new kind reshape it.
const ONLINE_STEPS: usize = 3;
const ONLINE_LR: f64 = 0.5;
/// The bias moves more slowly than the weights: one kind of message being marked
/// spurious should not make every report look spurious.
const ONLINE_BIAS_SHARE: f64 = 0.05;
/// Weights are kept in this range so a long run of verdicts can never overflow.
const WEIGHT_LIMIT: f32 = 20.0;

/// The learned filter. Cheap to clone (128 KiB of weights).
#[derive(Debug, Clone, PartialEq)]
pub struct TextModel {
    weights: Vec<f32>,
    bias: f32,
    verdicts: u64,
}

impl TextModel {
    /// A model that knows nothing: every text scores 0.5.
    pub fn untrained() -> TextModel {
        TextModel {
            weights: vec![0.0; DIMENSIONS],
            bias: 0.0,
            verdicts: 0,
        }
    }

    /// Trains on labelled tips. Deterministic: fixed epochs, an order shuffled by a
    /// fixed seed, learning rate decaying linearly, L2 regularisation, and each class
    /// weighted by the inverse of its share so a lopsided set does not tilt the bias.
    pub fn train(examples: &[LabelledText]) -> TextModel {
        let data: Vec<(Vec<(u32, f32)>, f64)> = examples
            .iter()
            .map(|e| (features(&e.text), if e.label == Label::Spurious { 1.0 } else { 0.0 }))
            .collect();
        let n = data.len();
        let positives = data.iter().filter(|(_, y)| *y > 0.5).count();
        if n == 0 {
            return TextModel::untrained();
        }
        let class_weight = |y: f64| -> f64 {
            let count = if y > 0.5 { positives } else { n - positives };
            if count == 0 {
                1.0
            } else {
                n as f64 / (2.0 * count as f64)
            }
        };

        // Weights are kept as `scale * v` so the L2 decay of every weight at every step
        // costs one multiplication.
        let mut v = vec![0.0f64; DIMENSIONS];
        let mut scale = 1.0f64;
        let mut bias = 0.0f64;
        let mut order: Vec<usize> = (0..n).collect();
        let mut rng = SplitMix64(SHUFFLE_SEED);
        let mut sum = vec![0.0f64; DIMENSIONS];
        let mut sum_bias = 0.0f64;
        let mut passes = 0u32;
        for epoch in 0..EPOCHS {
            rng.shuffle(&mut order);
            let lr = LR_START + (LR_END - LR_START) * epoch as f64 / (EPOCHS - 1) as f64;
            for &i in &order {
                let (x, y) = &data[i];
                let z = bias + scale * x.iter().map(|(j, xv)| v[*j as usize] * f64::from(*xv)).sum::<f64>();
                let g = (y - sigmoid(z)) * class_weight(*y);
                scale *= 1.0 - lr * L2;
                for (j, xv) in x {
                    v[*j as usize] += lr * g * f64::from(*xv) / scale;
                }
                bias += lr * g;
                if scale < 1e-9 {
                    v.iter_mut().for_each(|w| *w *= scale);
                    scale = 1.0;
                }
            }
            if epoch >= EPOCHS / 2 {
                for (s, w) in sum.iter_mut().zip(&v) {
                    *s += w * scale;
                }
                sum_bias += bias;
                passes += 1;
            }
        }
        let passes = f64::from(passes.max(1));
        let weights = sum
            .iter()
            .map(|w| ((w / passes) as f32).clamp(-WEIGHT_LIMIT, WEIGHT_LIMIT))
            .collect();
        let bias = ((sum_bias / passes) as f32).clamp(-WEIGHT_LIMIT, WEIGHT_LIMIT);
        TextModel {
            weights,
            bias,
            verdicts: 0,
        }
    }

    /// The model as shipped: trained on [`TRAIN_JSONL`] once per process (about 50 ms in
    /// a release build, about 0.35 s in debug, for 656 tips), then cloned.
    pub fn shipped() -> TextModel {
        static SHIPPED: OnceLock<TextModel> = OnceLock::new();
        SHIPPED
            .get_or_init(|| {
                // The training data is compiled in and checked by the crate's tests; it
                // is not input, so a failure here is a build defect.
                let examples = load_jsonl(TRAIN_JSONL).expect("data/triage/train.jsonl is valid (tested)");
                TextModel::train(&examples)
            })
            .clone()
    }

    /// The probability, in [0, 1], that `text` is a spurious report.
    pub fn spurious_probability(&self, text: &str) -> f64 {
        sigmoid(self.logit(&features(text)))
    }

    /// Learns one officer verdict: a few gradient steps toward the verdict on this
    /// text's features.
    pub fn learn(&mut self, text: &str, spurious: bool) {
        let x = features(text);
        let y = if spurious { 1.0 } else { 0.0 };
        for _ in 0..ONLINE_STEPS {
            let g = y - sigmoid(self.logit(&x));
            for (j, xv) in &x {
                let w = &mut self.weights[*j as usize];
                *w = (f64::from(*w) + ONLINE_LR * g * f64::from(*xv)) as f32;
                *w = w.clamp(-WEIGHT_LIMIT, WEIGHT_LIMIT);
            }
            self.bias =
                ((f64::from(self.bias) + ONLINE_LR * ONLINE_BIAS_SHARE * g) as f32).clamp(-WEIGHT_LIMIT, WEIGHT_LIMIT);
        }
        self.verdicts = self.verdicts.saturating_add(1);
    }

    /// How many officer verdicts this model has learned since it was trained.
    pub fn verdicts_learned(&self) -> u64 {
        self.verdicts
    }

    /// Up to `n` words of `text` that pushed its score most toward spurious, strongest
    /// first, for a reason an officer can read ("words: lottery, link"). Only words of
    /// the text, each once; none if nothing pushed that way.
    pub fn strongest_terms(&self, text: &str, n: usize) -> Vec<String> {
        if n == 0 {
            return Vec::new();
        }
        let x = features(text);
        let value = |i: u32| x.binary_search_by_key(&i, |(j, _)| *j).map(|k| x[k].1).unwrap_or(0.0);
        let head: String = text.chars().take(MAX_CHARS).collect();
        let folded = fold(&head);
        let mut words: Vec<&str> = folded
            .split(' ')
            .filter(|w| w.chars().count() >= 2)
            .take(1_000)
            .collect();
        words.sort_unstable();
        words.dedup();
        let mut scored: Vec<(f64, &str)> = words
            .into_iter()
            .map(|w| {
                let push: f64 = word_feature_indices(w)
                    .into_iter()
                    .map(|i| f64::from(self.weights[i as usize]) * f64::from(value(i)))
                    .sum();
                (push, w)
            })
            .filter(|(push, _)| *push > 0.0)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        scored.into_iter().take(n).map(|(_, w)| w.to_string()).collect()
    }

    /// The stored form: magic `SATKTM`, format version (u16), feature bits (u8), verdicts
    /// learned (u64), bias (f32), [`DIMENSIONS`] weights (f32), all little-endian, then
    /// the SHA-256 of everything before it.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(MODEL_BYTES);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.push(FEATURE_BITS as u8);
        out.extend_from_slice(&self.verdicts.to_le_bytes());
        out.extend_from_slice(&self.bias.to_le_bytes());
        for w in &self.weights {
            out.extend_from_slice(&w.to_le_bytes());
        }
        let digest = Sha256::digest(&out);
        out.extend_from_slice(&digest);
        out
    }

    /// Reads the stored form back, refusing anything else: other magic, another format
    /// version or feature size, a wrong length, a bad checksum, or non-finite numbers.
    pub fn from_bytes(bytes: &[u8]) -> Result<TextModel, ModelError> {
        let truncated = ModelError::Truncated { len: bytes.len() };
        let magic = bytes.get(..6).ok_or(truncated.clone())?;
        if magic != MAGIC {
            return Err(ModelError::BadMagic);
        }
        let version = u16::from_le_bytes(read_array(bytes, 6).ok_or(truncated.clone())?);
        if version != FORMAT_VERSION {
            return Err(ModelError::UnsupportedVersion(version));
        }
        let bits = *bytes.get(8).ok_or(truncated)?;
        if u32::from(bits) != FEATURE_BITS {
            return Err(ModelError::FeatureBits {
                found: bits,
                expected: FEATURE_BITS,
            });
        }
        if bytes.len() != MODEL_BYTES {
            return Err(ModelError::Length {
                found: bytes.len(),
                expected: MODEL_BYTES,
            });
        }
        let (body, checksum) = bytes.split_at(MODEL_BYTES - CHECKSUM_LEN);
        if Sha256::digest(body).as_slice() != checksum {
            return Err(ModelError::Checksum);
        }
        let length = ModelError::Length {
            found: bytes.len(),
            expected: MODEL_BYTES,
        };
        let verdicts = u64::from_le_bytes(read_array(body, 9).ok_or(length.clone())?);
        let bias = f32::from_le_bytes(read_array(body, 17).ok_or(length)?);
        if !bias.is_finite() {
            return Err(ModelError::NonFinite { index: 0 });
        }
        let mut weights = Vec::with_capacity(DIMENSIONS);
        for (i, chunk) in body[HEADER_LEN..].chunks_exact(4).enumerate() {
            let w = f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            if !w.is_finite() {
                return Err(ModelError::NonFinite { index: i + 1 });
            }
            weights.push(w);
        }
        Ok(TextModel {
            weights,
            bias,
            verdicts,
        })
    }

    fn logit(&self, x: &[(u32, f32)]) -> f64 {
        f64::from(self.bias)
            + x.iter()
                .map(|(j, xv)| f64::from(self.weights[*j as usize]) * f64::from(*xv))
                .sum::<f64>()
    }
}

impl SpamFilter for TextModel {
    fn score(&self, text: &str) -> f64 {
        self.spurious_probability(text)
    }

    fn learn(&mut self, text: &str, spurious: bool) {
        TextModel::learn(self, text, spurious);
    }
}

/// `N` bytes of `bytes` from `at`, if there are that many.
fn read_array<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
    bytes.get(at..at.checked_add(N)?)?.try_into().ok()
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// SplitMix64: a tiny PRNG of our own, so the training order never depends on a
/// dependency's version.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Fisher-Yates; the modulo bias is irrelevant for shuffling a few hundred items.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(text: &str, label: Label) -> LabelledText {
        LabelledText {
            text: text.into(),
            label,
            lang: "en".into(),
            kind: "x".into(),
        }
    }

    #[test]
    fn the_shipped_data_parses() {
        for (name, data, min) in [
            ("train", TRAIN_JSONL, 450),
            ("heldout", HELDOUT_JSONL, 350),
            ("verdicts", VERDICTS_JSONL, 220),
        ] {
            let rows = load_jsonl(data).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(rows.len() >= min, "{name}: {} rows", rows.len());
        }
    }

    #[test]
    fn load_reports_the_line() {
        let text = "{\"text\":\"a\",\"label\":\"genuine\",\"lang\":\"en\",\"kind\":\"genuine\"}\n\n{\"text\":\"b\"}\n";
        match load_jsonl(text) {
            Err(DatasetError::Json { line, .. }) => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
        let text = "{\"text\":\"a\",\"label\":\"genuine\",\"lang\":\"fr\",\"kind\":\"genuine\"}";
        assert!(matches!(load_jsonl(text), Err(DatasetError::Language { line: 1, .. })));
        let text = "{\"text\":\"a\",\"label\":\"maybe\",\"lang\":\"en\",\"kind\":\"genuine\"}";
        assert!(matches!(load_jsonl(text), Err(DatasetError::Json { line: 1, .. })));
        assert!(load_jsonl("\n  \n").is_ok_and(|v| v.is_empty()));
    }

    #[test]
    fn training_is_deterministic() {
        let data = vec![
            example("liquor sold near school", Label::Genuine),
            example("win lottery click link", Label::Spurious),
            example("smack sold at station", Label::Genuine),
            example("hi", Label::Spurious),
        ];
        let a = TextModel::train(&data);
        let b = TextModel::train(&data);
        assert_eq!(a.to_bytes(), b.to_bytes());
        assert!(a.spurious_probability("lottery link") > 0.5);
        assert!(a.spurious_probability("liquor sold") < 0.5);
    }

    #[test]
    fn untrained_and_empty_training_score_half() {
        assert_eq!(TextModel::untrained().spurious_probability("anything"), 0.5);
        assert_eq!(TextModel::train(&[]).spurious_probability(""), 0.5);
    }

    #[test]
    fn learn_counts_and_moves_toward_the_verdict() {
        let mut m = TextModel::untrained();
        m.learn("free recharge click here", true);
        assert_eq!(m.verdicts_learned(), 1);
        let p = m.spurious_probability("free recharge click here");
        assert!(
            p > 0.6 && p < 0.9,
            "one verdict moves the score, but not all the way: {p}"
        );
    }

    #[test]
    fn strongest_terms_are_words_of_the_text() {
        let m = TextModel::shipped();
        let text = "Congratulations you won a lottery prize, click the link";
        let terms = m.strongest_terms(text, 3);
        assert!(terms.len() <= 3);
        let folded = fold(text);
        for t in &terms {
            assert!(folded.split(' ').any(|w| w == t), "{t}");
        }
        assert!(m.strongest_terms(text, 0).is_empty());
    }

    #[test]
    fn bytes_round_trip_and_refusals() {
        let mut m = TextModel::shipped();
        m.learn("test message", true);
        let bytes = m.to_bytes();
        assert_eq!(bytes.len(), MODEL_BYTES);
        assert_eq!(TextModel::from_bytes(&bytes), Ok(m.clone()));

        let mut bad = bytes.clone();
        bad[0] = b'X';
        assert_eq!(TextModel::from_bytes(&bad), Err(ModelError::BadMagic));
        let mut bad = bytes.clone();
        bad[6] = 9;
        assert_eq!(TextModel::from_bytes(&bad), Err(ModelError::UnsupportedVersion(9)));
        let mut bad = bytes.clone();
        bad[8] = 16;
        assert!(matches!(
            TextModel::from_bytes(&bad),
            Err(ModelError::FeatureBits { found: 16, .. })
        ));
        assert!(matches!(
            TextModel::from_bytes(&bytes[..100]),
            Err(ModelError::Length { .. })
        ));
        assert!(matches!(
            TextModel::from_bytes(&bytes[..3]),
            Err(ModelError::Truncated { len: 3 })
        ));
        let mut bad = bytes.clone();
        bad[HEADER_LEN + 10] ^= 1;
        assert_eq!(TextModel::from_bytes(&bad), Err(ModelError::Checksum));
    }

    #[test]
    fn non_finite_weights_are_refused_even_with_a_good_checksum() {
        let mut bytes = TextModel::untrained().to_bytes();
        let at = HEADER_LEN + 4 * 7;
        bytes[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        let body_len = MODEL_BYTES - CHECKSUM_LEN;
        let digest = Sha256::digest(&bytes[..body_len]);
        bytes[body_len..].copy_from_slice(&digest);
        assert_eq!(TextModel::from_bytes(&bytes), Err(ModelError::NonFinite { index: 8 }));
    }
}
