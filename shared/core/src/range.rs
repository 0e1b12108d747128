//! Range data: districts, police stations and report categories.
//!
//! Loaded from a TOML file (`infra/range.toml` by default), so that nothing about one
//! police range is compiled into the logic. Codes are permanent identifiers: district
//! codes prefix reference codes and station numbers are printed on QR posters.

use crate::Lang;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The range's configuration, validated.
#[derive(Debug, Clone, Deserialize)]
pub struct RangeConfig {
    pub range: RangeInfo,
    pub districts: Vec<District>,
    pub categories: Vec<Category>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RangeInfo {
    pub code: String,
    pub name: Names,
    /// The range's time zone as an offset from UTC, for counting reports per local day
    /// (India: +330).
    #[serde(default = "india_offset")]
    pub utc_offset_minutes: i32,
    /// The range office's WhatsApp number (E.164), where P1 alerts go.
    #[serde(default)]
    pub office_number: Option<String>,
}

fn india_offset() -> i32 {
    330
}

/// A name in each language; `en` is required, the others fall back to it.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct Names {
    pub en: String,
    #[serde(default)]
    pub hi: Option<String>,
    #[serde(default)]
    pub ur: Option<String>,
}

impl Names {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Hi => self.hi.as_deref().unwrap_or(&self.en),
            Lang::Ur => self.ur.as_deref().unwrap_or(&self.en),
        }
    }

    fn all(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.en.as_str())
            .chain(self.hi.as_deref())
            .chain(self.ur.as_deref())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct District {
    /// Two to five capital letters, e.g. `JNP`.
    pub code: String,
    pub name: Names,
    #[serde(default)]
    pub aka: Vec<String>,
    /// The district SP office's WhatsApp number (E.164), where its P1 alerts go.
    #[serde(default)]
    pub office_number: Option<String>,
    pub stations: Vec<Station>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Station {
    /// The station's number within its district, as printed on posters (`JNP-12`).
    pub n: u16,
    pub en: String,
    #[serde(default)]
    pub hi: Option<String>,
    #[serde(default)]
    pub ur: Option<String>,
    #[serde(default)]
    pub aka: Vec<String>,
    /// Retired stations stay in the file so old posters and reports still resolve.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl Station {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Hi => self.hi.as_deref().unwrap_or(&self.en),
            Lang::Ur => self.ur.as_deref().unwrap_or(&self.en),
        }
    }

    /// Every name a citizen might type for this station.
    pub fn match_names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.en.as_str())
            .chain(self.hi.as_deref())
            .chain(self.ur.as_deref())
            .chain(self.aka.iter().map(String::as_str))
    }
}

/// Who may see a report, by its category (DESIGN.md, "evidence sensitivity").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sensitivity {
    Standard,
    /// Crimes against women or children, trafficking: media blurred, district and range only.
    Sensitive,
    /// Police misconduct: never shown at station level.
    Restricted,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Category {
    pub id: String,
    pub sensitivity: Sensitivity,
    pub name: Names,
    #[serde(default)]
    pub description: Option<Names>,
    #[serde(default)]
    pub aka: Vec<String>,
}

impl Category {
    pub fn match_names(&self) -> impl Iterator<Item = &str> {
        self.name.all().chain(self.aka.iter().map(String::as_str))
    }
}

impl District {
    pub fn match_names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.code.as_str())
            .chain(self.name.all())
            .chain(self.aka.iter().map(String::as_str))
    }

    pub fn station(&self, n: u16) -> Option<&Station> {
        self.stations.iter().find(|s| s.n == n)
    }

    /// Stations a citizen may pick today.
    pub fn active_stations(&self) -> impl Iterator<Item = &Station> {
        self.stations.iter().filter(|s| s.active)
    }
}

/// Why a range file was refused.
#[derive(Debug, thiserror::Error)]
pub enum RangeConfigError {
    #[error("range config is not valid TOML: {0}")]
    Syntax(#[from] toml::de::Error),
    #[error("range config: {0}")]
    Invalid(String),
}

/// The default range file, shipped in the repository and compiled in so that a bare
/// binary (a Lambda package, `satark serve` on a fresh machine) has data to start with.
pub const DEFAULT_RANGE_TOML: &str = include_str!("../../../infra/range.toml");

impl RangeConfig {
    /// Parses and validates a range file.
    pub fn from_toml(text: &str) -> Result<Self, RangeConfigError> {
        let config: RangeConfig = toml::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    /// The range file shipped with Satark (the Varanasi Range).
    pub fn default_range() -> Result<Self, RangeConfigError> {
        Self::from_toml(DEFAULT_RANGE_TOML)
    }

    fn validate(&self) -> Result<(), RangeConfigError> {
        let bad = |msg: String| Err(RangeConfigError::Invalid(msg));
        if self.districts.is_empty() {
            return bad("no districts".into());
        }
        if self.categories.is_empty() {
            return bad("no categories".into());
        }
        if let Some(n) = &self.range.office_number
            && !is_e164(n)
        {
            return bad("the range's office_number must be + and 8-15 digits".into());
        }
        let mut codes = HashSet::new();
        for d in &self.districts {
            if let Some(n) = &d.office_number
                && !is_e164(n)
            {
                return bad(format!("district {}: office_number must be + and 8-15 digits", d.code));
            }
            let code_ok = (2..=5).contains(&d.code.len()) && d.code.bytes().all(|b| b.is_ascii_uppercase());
            if !code_ok {
                return bad(format!("district code {:?} must be 2-5 capital letters", d.code));
            }
            if !codes.insert(d.code.as_str()) {
                return bad(format!("district code {} appears twice", d.code));
            }
            if d.active_stations().next().is_none() {
                return bad(format!("district {} has no active station", d.code));
            }
            let mut numbers = HashSet::new();
            for s in &d.stations {
                if s.n == 0 || !numbers.insert(s.n) {
                    return bad(format!(
                        "district {}: station number {} is zero or repeated",
                        d.code, s.n
                    ));
                }
            }
        }
        let mut ids = HashSet::new();
        for c in &self.categories {
            let id_ok = !c.id.is_empty() && c.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            if !id_ok || !ids.insert(c.id.as_str()) {
                return bad(format!("category id {:?} is malformed or repeated", c.id));
            }
        }
        Ok(())
    }

    /// The WhatsApp number of an office: `range` (the range office) or a district code
    /// (its SP office). `None`: unknown office, or no number configured.
    pub fn office_number(&self, office: &str) -> Option<&str> {
        if office == "range" {
            return self.range.office_number.as_deref();
        }
        self.district(office).and_then(|d| d.office_number.as_deref())
    }

    pub fn district(&self, code: &str) -> Option<&District> {
        self.districts.iter().find(|d| d.code == code)
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// Resolves a poster code such as `JNP-12` (any case, optional spaces) to a
    /// district and an active station.
    pub fn poster_station(&self, code: &str) -> Option<(&District, &Station)> {
        let (d, n) = code.trim().split_once('-')?;
        let district = self.district(&d.trim().to_ascii_uppercase())?;
        let n: u16 = n.trim().parse().ok()?;
        let station = district.station(n).filter(|s| s.active)?;
        Some((district, station))
    }
}

/// `+` then 8 to 15 digits (E.164, as WhatsApp takes a recipient).
fn is_e164(number: &str) -> bool {
    number
        .strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_range_is_valid() {
        let range = RangeConfig::default_range().expect("infra/range.toml must be valid");
        let codes: Vec<&str> = range.districts.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["JNP", "GZP", "CDL"]);
        assert!(range.categories.len() >= 18);
        assert_eq!(
            range.category("police_misconduct").map(|c| c.sensitivity),
            Some(Sensitivity::Restricted)
        );
        // Every office has a (placeholder) number for alerts.
        for office in ["range", "JNP", "GZP", "CDL"] {
            assert!(range.office_number(office).is_some_and(is_e164), "{office}");
        }
        assert_eq!(range.office_number("XYZ"), None);
    }

    #[test]
    fn poster_codes_resolve() {
        let range = RangeConfig::default_range().expect("valid");
        let (d, s) = range.poster_station("jnp-12").expect("JNP-12 exists");
        assert_eq!((d.code.as_str(), s.n), ("JNP", 12));
        assert!(range.poster_station("JNP-999").is_none());
        assert!(range.poster_station("XYZ-1").is_none());
        assert!(range.poster_station("JNP").is_none());
    }

    #[test]
    fn invalid_files_are_refused() {
        let dup = r#"
            [range]
            code = "R"
            name = { en = "R" }
            [[districts]]
            code = "AB"
            name = { en = "A" }
            stations = [ { n = 1, en = "x" }, { n = 1, en = "y" } ]
            [[categories]]
            id = "other"
            sensitivity = "standard"
            name = { en = "Other" }
        "#;
        assert!(matches!(RangeConfig::from_toml(dup), Err(RangeConfigError::Invalid(_))));
        let bad_number = dup.replace(
            "stations = [ { n = 1, en = \"x\" }, { n = 1, en = \"y\" } ]",
            "office_number = \"0091 555\"\n            stations = [ { n = 1, en = \"x\" } ]",
        );
        assert!(
            matches!(RangeConfig::from_toml(&bad_number), Err(RangeConfigError::Invalid(m)) if m.contains("office_number"))
        );
        assert!(matches!(
            RangeConfig::from_toml("not toml ["),
            Err(RangeConfigError::Syntax(_))
        ));
    }
}
