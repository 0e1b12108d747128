//! TEMPORARY shape of the learned model (replaced).
#[derive(Debug, Clone, PartialEq)]
pub struct TextModel {
    verdicts: u64,
}
#[derive(Debug, thiserror::Error)]
#[error("bad model")]
pub struct ModelError;
impl TextModel {
    pub fn shipped() -> TextModel {
        TextModel { verdicts: 0 }
    }
    pub fn spurious_probability(&self, _text: &str) -> f64 {
        0.1
    }
    pub fn learn(&mut self, _text: &str, _spurious: bool) {
        self.verdicts += 1
    }
    pub fn verdicts_learned(&self) -> u64 {
        self.verdicts
    }
    pub fn strongest_terms(&self, _text: &str, _n: usize) -> Vec<String> {
        vec![]
    }
    pub fn to_bytes(&self) -> Vec<u8> {
        self.verdicts.to_le_bytes().to_vec()
    }
    pub fn from_bytes(b: &[u8]) -> Result<TextModel, ModelError> {
        Ok(TextModel {
            verdicts: u64::from_le_bytes(b.try_into().map_err(|_| ModelError)?),
        })
    }
}
