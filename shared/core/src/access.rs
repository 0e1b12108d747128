//! Who may see what (DESIGN.md, invariant 6).
//!
//! The range (DIG office) sees every district; a district (SP office) its district;
//! a police station its own station's `standard` reports only (never `sensitive` or
//! `restricted` ones); an analyst aggregates only. A report outside scope does not
//! exist for the caller (404, not 403), so scope cannot be probed.

use crate::range::{RangeConfig, Sensitivity};
use crate::report::{Report, StationChoice};
use serde::Serialize;

/// An officer's role, from the sign-in token's groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Range,
    District,
    Station,
    Analyst,
}

/// An authenticated officer and their scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Officer {
    /// The identity provider's subject (not personal data of an informant).
    pub subject: String,
    pub role: Role,
    pub district: Option<String>,
    pub station: Option<u16>,
}

impl Officer {
    /// Builds an officer from token claims: `cognito:groups` (a JSON-ish list or a
    /// single name), `custom:district`, `custom:station`. The most powerful group wins
    /// only if its scope attributes are present; a district or station role without
    /// its district (or station) is refused.
    pub fn from_claims(subject: &str, groups: &str, district: Option<&str>, station: Option<&str>) -> Option<Self> {
        let groups: Vec<String> = groups
            .trim_matches(|c| c == '[' || c == ']')
            .split([',', ' '])
            .map(|g| g.trim().trim_matches('"').to_ascii_lowercase())
            .filter(|g| !g.is_empty())
            .collect();
        let has = |g: &str| groups.iter().any(|x| x == g);
        let district = district
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_ascii_uppercase);
        let station = station.and_then(|s| s.trim().parse::<u16>().ok());
        let role = if has("range") {
            Role::Range
        } else if has("district") {
            Role::District
        } else if has("station") {
            Role::Station
        } else if has("analyst") {
            Role::Analyst
        } else {
            return None;
        };
        let complete = match role {
            Role::Range | Role::Analyst => true,
            Role::District => district.is_some(),
            Role::Station => district.is_some() && station.is_some(),
        };
        complete.then(|| Officer {
            subject: subject.to_string(),
            role,
            district,
            station,
        })
    }

    /// Whether this officer may see `report` (its details and evidence), by its
    /// category's sensitivity.
    pub fn can_see(&self, report: &Report, range: &RangeConfig) -> bool {
        self.can_see_assessed(report, range, None)
    }

    /// Whether this officer may see `report`, by the higher of its category's
    /// sensitivity and the classifier's (`assessed`): a misconduct report filed under
    /// another category is still restricted.
    pub fn can_see_assessed(&self, report: &Report, range: &RangeConfig, assessed: Option<Sensitivity>) -> bool {
        let configured = range
            .category(&report.category)
            .map_or(Sensitivity::Restricted, |c| c.sensitivity);
        let sensitivity = assessed.map_or(configured, |a| a.max(configured));
        match self.role {
            Role::Range => true,
            Role::District => self.district.as_deref() == Some(report.district.as_str()),
            Role::Station => {
                sensitivity == Sensitivity::Standard
                    && self.district.as_deref() == Some(report.district.as_str())
                    && matches!((report.station, self.station), (StationChoice::Known(a), Some(b)) if a == b)
            }
            Role::Analyst => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ReferenceCode, ReportId};
    use crate::report::ReportStatus;

    fn report(district: &str, station: StationChoice, category: &str) -> Report {
        Report {
            id: ReportId::from_entropy(&[3; 16]),
            reference: ReferenceCode::new(district, &[1, 2, 3, 4]),
            district: district.into(),
            station,
            category: category.into(),
            items: vec![],
            place: None,
            when: None,
            language: crate::Lang::Hi,
            status: ReportStatus::Received,
            submitted_at: 0,
            via_poster: false,
            guard_fired: vec![],
        }
    }

    #[test]
    fn scopes_follow_the_design() {
        let range = RangeConfig::default_range().expect("range");
        let liquor = report("JNP", StationChoice::Known(5), "illicit_liquor");
        let misconduct = report("JNP", StationChoice::Known(5), "police_misconduct");
        let women = report("JNP", StationChoice::Known(5), "crime_against_women");
        let elsewhere = report("GZP", StationChoice::Known(5), "illicit_liquor");
        let dig = Officer::from_claims("a", "[range]", None, None).expect("range officer");
        let sp = Officer::from_claims("b", "[district]", Some("JNP"), None).expect("district officer");
        let sho = Officer::from_claims("c", "station", Some("jnp"), Some("5")).expect("station officer");
        let other_sho = Officer::from_claims("d", "station", Some("JNP"), Some("6")).expect("station officer");
        let analyst = Officer::from_claims("e", "[analyst]", None, None).expect("analyst");
        for r in [&liquor, &misconduct, &women, &elsewhere] {
            assert!(dig.can_see(r, &range));
            assert!(!analyst.can_see(r, &range));
        }
        assert!(sp.can_see(&misconduct, &range) && sp.can_see(&women, &range) && !sp.can_see(&elsewhere, &range));
        assert!(sho.can_see(&liquor, &range));
        assert!(
            !sho.can_see(&misconduct, &range),
            "police misconduct never at station level"
        );
        assert!(
            !sho.can_see(&women, &range),
            "sensitive reports stay with district and range"
        );
        assert!(!other_sho.can_see(&liquor, &range));
        assert!(!sho.can_see(&report("JNP", StationChoice::DontKnow, "illicit_liquor"), &range));
    }

    #[test]
    fn incomplete_claims_are_refused() {
        assert!(Officer::from_claims("x", "[district]", None, None).is_none());
        assert!(Officer::from_claims("x", "station", Some("JNP"), None).is_none());
        assert!(Officer::from_claims("x", "[citizen]", Some("JNP"), Some("1")).is_none());
        assert!(Officer::from_claims("x", "", None, None).is_none());
        assert_eq!(
            Officer::from_claims("x", "[\"district\", \"analyst\"]", Some("GZP"), None).map(|o| o.role),
            Some(Role::District)
        );
    }
}
