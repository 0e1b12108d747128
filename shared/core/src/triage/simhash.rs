//! TEMPORARY shape (replaced).
pub fn simhash(text: &str) -> u64 {
    text.len() as u64
}
pub fn near_duplicate_text(a: u64, b: u64) -> bool {
    a == b
}
pub fn near_duplicate_image(a: &str, b: &str) -> bool {
    a == b
}
pub fn too_short_to_compare(text: &str) -> bool {
    text.len() < 20
}
