//! The 13 OneRoster 1.2 OAuth 2.0 scopes.

use std::fmt;

pub const SCOPE_PREFIX: &str = "https://purl.imsglobal.org/spec/or/v1p2/scope/";

/// One OneRoster 1.2 scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    RosterCoreReadonly,
    RosterReadonly,
    RosterDemographicsReadonly,
    GradebookCoreReadonly,
    GradebookReadonly,
    GradebookCreateput,
    GradebookCreatepost,
    GradebookDelete,
    AssessmentReadonly,
    AssessmentCreateput,
    AssessmentDelete,
    ResourceCoreReadonly,
    ResourceReadonly,
    /// Not a OneRoster scope: administration of this server (CSV import and export over
    /// HTTP). Never implied by any OneRoster scope, never granted by `all`.
    Admin,
}

/// The URI of the administration scope.
pub const ADMIN_SCOPE_URI: &str = "urn:oneroster-server:scope:admin";

impl Scope {
    pub const ALL: [Scope; 13] = [
        Scope::RosterCoreReadonly,
        Scope::RosterReadonly,
        Scope::RosterDemographicsReadonly,
        Scope::GradebookCoreReadonly,
        Scope::GradebookReadonly,
        Scope::GradebookCreateput,
        Scope::GradebookCreatepost,
        Scope::GradebookDelete,
        Scope::AssessmentReadonly,
        Scope::AssessmentCreateput,
        Scope::AssessmentDelete,
        Scope::ResourceCoreReadonly,
        Scope::ResourceReadonly,
    ];

    /// The part after the common prefix, e.g. `roster.readonly`.
    pub const fn short(self) -> &'static str {
        match self {
            Scope::RosterCoreReadonly => "roster-core.readonly",
            Scope::RosterReadonly => "roster.readonly",
            Scope::RosterDemographicsReadonly => "roster-demographics.readonly",
            Scope::GradebookCoreReadonly => "gradebook-core.readonly",
            Scope::GradebookReadonly => "gradebook.readonly",
            Scope::GradebookCreateput => "gradebook.createput",
            Scope::GradebookCreatepost => "gradebook.createpost",
            Scope::GradebookDelete => "gradebook.delete",
            Scope::AssessmentReadonly => "assessment.readonly",
            Scope::AssessmentCreateput => "assessment.createput",
            Scope::AssessmentDelete => "assessment.delete",
            Scope::ResourceCoreReadonly => "resource-core.readonly",
            Scope::ResourceReadonly => "resource.readonly",
            Scope::Admin => "admin",
        }
    }

    /// The full scope URI.
    pub fn uri(self) -> String {
        match self {
            Scope::Admin => ADMIN_SCOPE_URI.to_string(),
            _ => format!("{SCOPE_PREFIX}{}", self.short()),
        }
    }

    /// Parses a full scope URI (or, for operator convenience, its short form).
    pub fn parse(s: &str) -> Option<Scope> {
        if s == ADMIN_SCOPE_URI || s == "admin" {
            return Some(Scope::Admin);
        }
        let short = s.strip_prefix(SCOPE_PREFIX).unwrap_or(s);
        Scope::ALL.into_iter().find(|sc| sc.short() == short)
    }

    /// The official description.
    pub const fn description(self) -> &'static str {
        match self {
            Scope::RosterCoreReadonly => {
                "The core set of read operations to enable information about collections or a single object to be obtained."
            }
            Scope::RosterReadonly => {
                "Support for all of the read operations (excluding demographics) to enable information about collections or a single object to be obtained."
            }
            Scope::RosterDemographicsReadonly => {
                "The read operations to provide all demographics or a single demographics object to be obtained."
            }
            Scope::GradebookCoreReadonly => {
                "Access to the set of core read operations i.e. reading of all objects or a single object."
            }
            Scope::GradebookReadonly => "Access to ALL of the gradebook read operations.",
            Scope::GradebookCreateput => {
                "Permission to use the write operations for creation of a new single object in which the 'sourcedId' is supplied."
            }
            Scope::GradebookCreatepost => {
                "Permission to use the write operations for creation of objects where the server allocates the 'sourcedIds'."
            }
            Scope::GradebookDelete => {
                "Permission to use the operations that permit an object to be deleted."
            }
            Scope::AssessmentReadonly => "Access to ALL of the assessment read operations.",
            Scope::AssessmentCreateput => {
                "Permission to use the write assessment operations for creation of a new single object in which the 'sourcedId' is supplied."
            }
            Scope::AssessmentDelete => {
                "Permission to use the assessment operations that permit an object to be deleted."
            }
            Scope::ResourceCoreReadonly => {
                "The core set of scopes to enable information about all resources or a single resource to be obtained."
            }
            Scope::ResourceReadonly => {
                "To enable access to ALL of the endpoints for the resources service."
            }
            Scope::Admin => {
                "Administration of this server: CSV import and export. Not a OneRoster scope."
            }
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// Every scope, the 13 OneRoster ones and the administration scope.
    fn every() -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().chain([Scope::Admin])
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.uri())
    }
}

/// A set of scopes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScopeSet(u16);

impl ScopeSet {
    /// The 13 OneRoster scopes (not the administration scope).
    pub fn all() -> ScopeSet {
        Scope::ALL.into_iter().collect()
    }

    pub fn contains(self, s: Scope) -> bool {
        self.0 & s.bit() != 0
    }

    pub fn insert(&mut self, s: Scope) {
        self.0 |= s.bit();
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn intersect(self, other: ScopeSet) -> ScopeSet {
        ScopeSet(self.0 & other.0)
    }

    /// Whether the set holds any of `required`.
    pub fn grants_any(self, required: &[Scope]) -> bool {
        required.iter().any(|s| self.contains(*s))
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::every().filter(move |s| self.contains(*s))
    }

    /// Space-separated scope URIs, as OAuth 2.0 writes them.
    pub fn to_uris(self) -> String {
        self.iter().map(|s| s.uri()).collect::<Vec<_>>().join(" ")
    }

    /// Parses space-separated scopes; unknown ones are returned separately.
    pub fn parse_lenient(s: &str) -> (ScopeSet, Vec<String>) {
        let mut set = ScopeSet::default();
        let mut unknown = Vec::new();
        for part in s.split_ascii_whitespace() {
            match Scope::parse(part) {
                Some(sc) => set.insert(sc),
                None => unknown.push(part.to_string()),
            }
        }
        (set, unknown)
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        let mut set = ScopeSet::default();
        for s in iter {
            set.insert(s);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_and_short_forms() {
        assert_eq!(
            Scope::parse("https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly"),
            Some(Scope::RosterReadonly)
        );
        assert_eq!(
            Scope::parse("gradebook.delete"),
            Some(Scope::GradebookDelete)
        );
        assert_eq!(Scope::parse("roster"), None);
        let (set, unknown) = ScopeSet::parse_lenient(
            "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly  x resource.readonly",
        );
        assert_eq!(set.iter().count(), 2);
        assert_eq!(unknown, vec!["x"]);
        assert_eq!(ScopeSet::all().iter().count(), 13);
        assert!(!ScopeSet::all().contains(Scope::Admin));
        assert_eq!(Scope::parse(ADMIN_SCOPE_URI), Some(Scope::Admin));
    }
}
