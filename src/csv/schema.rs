//! The 21 data files of the OneRoster 1.2 CSV binding (CSV Binding 1.2.1), column by column,
//! and where each column lands in the REST model this server stores.
//!
//! Column names, order and requiredness follow the binding (as compiled in
//! `tests/fixtures/csv/or12_csv_columns.compiled.json`; a test keeps the two in step). Two
//! kinds of file exist:
//!
//! - *entity files* (orgs, users, classes, …): one row is one stored object;
//! - *link files* (roles, userProfiles, the three `*Resources`, the two `*ScoreScales` and
//!   the two `*LearningObjectiveIds`): one row is one element of a list held by an owner
//!   object (a user's `roles`, a class's `resources`, a line item's `scoreScale`, …).

use crate::model::catalogue::{Entity, Kind, Vocab};
use crate::model::entities::{self as e};

/// Whether a column may be blank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Req {
    /// The `sourcedId` column.
    Id,
    /// `status` and `dateLastModified`: blank (or filled) in bulk, filled in delta.
    Lifecycle,
    /// Must not be blank.
    Required,
    /// May be blank.
    Optional,
    /// Required by the binding, optional in the REST model this server serves: a blank is
    /// accepted, so that everything the REST API can hold can be exported and imported.
    Lenient,
    /// Optional in the binding, required (as a string) in the REST model: a blank is stored
    /// as the empty string, which keeps REST objects complete.
    BlankIsEmpty,
}

/// The syntax of a column's values.
#[derive(Clone, Copy, Debug)]
pub enum CTy {
    Id,
    Status,
    DateTime,
    Date,
    /// A date, or (an extension, so that REST date-times survive a round trip) a date-time.
    DateOrDateTime,
    Year,
    Str,
    Float,
    /// A number kept in its JSON form (inside nested objects).
    Number,
    Bool,
    Vocab(&'static Vocab),
    /// A sourcedId of an object of a kind.
    Ref(Kind),
    /// A comma-separated list of sourcedIds.
    RefList(Kind),
    StrList,
    VocabList(&'static Vocab),
    /// `{type:identifier},…`
    UserIds,
    /// `{LHS:RHS},…`
    ScoreScaleValues,
    /// The sourcedId of a row of userProfiles.csv of the same user.
    Profile,
}

impl CTy {
    /// The kind referenced by the column, if it holds references.
    pub fn target(self) -> Option<Kind> {
        match self {
            CTy::Ref(k) | CTy::RefList(k) => Some(k),
            _ => None,
        }
    }
}

/// Where a column's value goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum To {
    /// A stored field of the entity (by its REST name).
    Field(&'static str),
    /// The owner of a link row.
    Owner,
    /// A part of the list element a link row stands for.
    Elem,
    /// Checked (references must resolve) but not stored: the REST model has no place for it.
    Check,
    /// Not stored: the REST model has no place for it (link titles).
    Dropped,
}

/// One column of a file.
#[derive(Debug)]
pub struct Col {
    pub name: &'static str,
    pub req: Req,
    pub ty: CTy,
    pub to: To,
}

const fn c(name: &'static str, req: Req, ty: CTy, to: To) -> Col {
    Col { name, req, ty, to }
}

/// A column holding a stored field of the same REST name.
const fn f(name: &'static str, req: Req, ty: CTy) -> Col {
    Col {
        name,
        req,
        ty,
        to: To::Field(name),
    }
}

const SOURCED_ID: Col = c("sourcedId", Req::Id, CTy::Id, To::Field("sourcedId"));
const STATUS: Col = c("status", Req::Lifecycle, CTy::Status, To::Dropped);
const DLM: Col = c(
    "dateLastModified",
    Req::Lifecycle,
    CTy::DateTime,
    To::Dropped,
);

use CTy::*;
use Req::{BlankIsEmpty, Lenient, Optional, Required};

/// The shape of the list element a link row stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `RoleDType` in the user's `roles`.
    Role,
    /// `UserProfileDType` (one credential) in the user's `userProfiles`.
    Profile,
    /// A resource in a `resources` list.
    Resource,
    /// The single `scoreScale` of a line item or result.
    ScoreScale,
    /// A learning objective id in a `LearningObjectiveSetDType` grouped by `source`.
    LoId,
    /// A `LearningObjectiveResultsDType` grouped by `source`.
    LoResult,
}

/// The list a link file fills.
#[derive(Debug)]
pub struct Link {
    pub owner: Kind,
    /// The owner's REST field.
    pub field: &'static str,
    pub shape: Shape,
    /// Short name used in generated sourcedIds of exported link rows.
    pub tag: &'static str,
}

/// What the rows of a file become.
#[derive(Debug)]
pub enum Target {
    Entity(&'static Entity),
    Link(Link),
}

/// One data file of the binding.
#[derive(Debug)]
pub struct FileSpec {
    /// The name without `.csv`, as in the manifest's `file.<name>`.
    pub name: &'static str,
    pub columns: &'static [Col],
    pub target: Target,
}

impl FileSpec {
    pub fn file_name(&self) -> String {
        format!("{}.csv", self.name)
    }

    pub fn entity(&self) -> Option<&'static Entity> {
        match self.target {
            Target::Entity(e) => Some(e),
            Target::Link(_) => None,
        }
    }

    pub fn link(&self) -> Option<&Link> {
        match &self.target {
            Target::Link(l) => Some(l),
            Target::Entity(_) => None,
        }
    }

    /// The kind whose records this file writes (the owner for link files).
    pub fn kind(&self) -> Kind {
        match &self.target {
            Target::Entity(e) => e.kind,
            Target::Link(l) => l.owner,
        }
    }

    pub fn column(&self, name: &str) -> Option<(usize, &'static Col)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == name)
    }

    /// The header line of the file (without metadata columns).
    pub fn header(&self) -> Vec<&'static str> {
        self.columns.iter().map(|c| c.name).collect()
    }
}

/// The extension column of lineItems.csv carrying REST `gradingPeriod`, which the binding
/// has no column for (its `academicSessionSourcedId` is REST `academicSession`).
pub const GRADING_PERIOD_COLUMN: &str = "metadata.gradingPeriodSourcedId";
const _: () = assert!(
    crate::csv::schema::same(
        GRADING_PERIOD_COLUMN,
        "metadata.",
        crate::model::input::RESERVED_LINE_ITEM_METADATA
    ),
    "REST reserves the key the CSV binding uses"
);

/// Whether `whole` is `prefix` followed by `rest` (usable in constants).
const fn same(whole: &str, prefix: &str, rest: &str) -> bool {
    let (w, p, r) = (whole.as_bytes(), prefix.as_bytes(), rest.as_bytes());
    if w.len() != p.len() + r.len() {
        return false;
    }
    let mut i = 0;
    while i < w.len() {
        let expected = if i < p.len() { p[i] } else { r[i - p.len()] };
        if w[i] != expected {
            return false;
        }
        i += 1;
    }
    true
}

/// Every data file, in the order files are read and applied: a file only refers to files
/// before it (and to itself).
pub static FILES: [FileSpec; 21] = [
    FileSpec {
        name: "orgs",
        target: Target::Entity(&e::ORG),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            f("name", Required, Str),
            f("type", Required, Vocab(&e::ORG_TYPE)),
            f("identifier", BlankIsEmpty, Str),
            c(
                "parentSourcedId",
                Optional,
                Ref(Kind::Org),
                To::Field("parent"),
            ),
        ],
    },
    FileSpec {
        name: "academicSessions",
        target: Target::Entity(&e::ACADEMIC_SESSION),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            f("title", Required, Str),
            f("type", Required, Vocab(&e::SESSION_TYPE)),
            f("startDate", Required, Date),
            f("endDate", Required, Date),
            c(
                "parentSourcedId",
                Optional,
                Ref(Kind::AcademicSession),
                To::Field("parent"),
            ),
            f("schoolYear", Required, Year),
        ],
    },
    FileSpec {
        name: "resources",
        target: Target::Entity(&e::RESOURCE),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            f("vendorResourceId", Required, Str),
            f("title", Optional, Str),
            f("roles", Optional, VocabList(&e::RESOURCE_ROLE)),
            f("importance", Optional, Vocab(&e::IMPORTANCE)),
            f("vendorId", Optional, Str),
            f("applicationId", Optional, Str),
        ],
    },
    FileSpec {
        name: "courses",
        target: Target::Entity(&e::COURSE),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            c(
                "schoolYearSourcedId",
                Optional,
                Ref(Kind::AcademicSession),
                To::Field("schoolYear"),
            ),
            f("title", Required, Str),
            f("courseCode", BlankIsEmpty, Str),
            f("grades", Optional, StrList),
            c("orgSourcedId", Lenient, Ref(Kind::Org), To::Field("org")),
            f("subjects", Optional, StrList),
            f("subjectCodes", Optional, StrList),
        ],
    },
    FileSpec {
        name: "courseResources",
        target: Target::Link(Link {
            owner: Kind::Course,
            field: "resources",
            shape: Shape::Resource,
            tag: "resource",
        }),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            c("title", Optional, Str, To::Dropped),
            c("courseSourcedId", Required, Ref(Kind::Course), To::Owner),
            c("resourceSourcedId", Required, Ref(Kind::Resource), To::Elem),
        ],
    },
    FileSpec {
        name: "classes",
        target: Target::Entity(&e::CLASS),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            f("title", Required, Str),
            f("grades", Optional, StrList),
            c(
                "courseSourcedId",
                Required,
                Ref(Kind::Course),
                To::Field("course"),
            ),
            f("classCode", Optional, Str),
            f("classType", Lenient, Vocab(&e::CLASS_TYPE)),
            f("location", Optional, Str),
            c(
                "schoolSourcedId",
                Required,
                Ref(Kind::Org),
                To::Field("school"),
            ),
            c(
                "termSourcedIds",
                Required,
                RefList(Kind::AcademicSession),
                To::Field("terms"),
            ),
            f("subjects", Optional, StrList),
            f("subjectCodes", Optional, StrList),
            f("periods", Optional, StrList),
        ],
    },
    FileSpec {
        name: "classResources",
        target: Target::Link(Link {
            owner: Kind::Class,
            field: "resources",
            shape: Shape::Resource,
            tag: "resource",
        }),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            c("title", Optional, Str, To::Dropped),
            c("classSourcedId", Required, Ref(Kind::Class), To::Owner),
            c("resourceSourcedId", Required, Ref(Kind::Resource), To::Elem),
        ],
    },
    FileSpec {
        name: "users",
        target: Target::Entity(&e::USER),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            f("enabledUser", Required, Bool),
            f("username", Lenient, Str),
            f("userIds", Optional, UserIds),
            f("givenName", Required, Str),
            f("familyName", Required, Str),
            f("middleName", Optional, Str),
            f("identifier", Optional, Str),
            f("email", Optional, Str),
            f("sms", Optional, Str),
            f("phone", Optional, Str),
            c(
                "agentSourcedIds",
                Optional,
                RefList(Kind::User),
                To::Field("agents"),
            ),
            f("grades", Optional, StrList),
            f("password", Optional, Str),
            f("userMasterIdentifier", Optional, Str),
            c(
                "preferredGivenName",
                Optional,
                Str,
                To::Field("preferredFirstName"),
            ),
            f("preferredMiddleName", Optional, Str),
            c(
                "preferredFamilyName",
                Optional,
                Str,
                To::Field("preferredLastName"),
            ),
            c(
                "primaryOrgSourcedId",
                Optional,
                Ref(Kind::Org),
                To::Field("primaryOrg"),
            ),
            f("pronouns", Optional, Str),
        ],
    },
    FileSpec {
        name: "userProfiles",
        target: Target::Link(Link {
            owner: Kind::User,
            field: "userProfiles",
            shape: Shape::Profile,
            tag: "profile",
        }),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            c("userSourcedId", Required, Ref(Kind::User), To::Owner),
            c("profileType", Required, Str, To::Elem),
            c("vendorId", Required, Str, To::Elem),
            c("applicationId", Optional, Str, To::Elem),
            c("description", Optional, Str, To::Elem),
            c("credentialType", Lenient, Str, To::Elem),
            c("username", Lenient, Str, To::Elem),
            c("password", Optional, Str, To::Elem),
        ],
    },
    FileSpec {
        name: "roles",
        target: Target::Link(Link {
            owner: Kind::User,
            field: "roles",
            shape: Shape::Role,
            tag: "role",
        }),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            c("userSourcedId", Required, Ref(Kind::User), To::Owner),
            c("roleType", Required, Vocab(&e::ROLE_TYPE), To::Elem),
            c("role", Required, Vocab(&e::ROLE), To::Elem),
            c("beginDate", Optional, Date, To::Elem),
            c("endDate", Optional, Date, To::Elem),
            c("orgSourcedId", Required, Ref(Kind::Org), To::Elem),
            c("userProfileSourcedId", Optional, Profile, To::Elem),
        ],
    },
    FileSpec {
        name: "userResources",
        target: Target::Link(Link {
            owner: Kind::User,
            field: "resources",
            shape: Shape::Resource,
            tag: "resource",
        }),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            c("userSourcedId", Required, Ref(Kind::User), To::Owner),
            c("orgSourcedId", Optional, Ref(Kind::Org), To::Check),
            c("classSourcedId", Optional, Ref(Kind::Class), To::Check),
            c("resourceSourcedId", Required, Ref(Kind::Resource), To::Elem),
        ],
    },
    FileSpec {
        name: "enrollments",
        target: Target::Entity(&e::ENROLLMENT),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            c(
                "classSourcedId",
                Required,
                Ref(Kind::Class),
                To::Field("class"),
            ),
            c(
                "schoolSourcedId",
                Required,
                Ref(Kind::Org),
                To::Field("school"),
            ),
            c(
                "userSourcedId",
                Required,
                Ref(Kind::User),
                To::Field("user"),
            ),
            f("role", Required, Vocab(&e::ENROLLMENT_ROLE)),
            f("primary", Optional, Bool),
            f("beginDate", Optional, Date),
            f("endDate", Optional, Date),
        ],
    },
    FileSpec {
        name: "demographics",
        target: Target::Entity(&e::DEMOGRAPHICS),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            f("birthDate", Optional, Date),
            f("sex", Optional, Vocab(&e::SEX)),
            f("americanIndianOrAlaskaNative", Optional, Bool),
            f("asian", Optional, Bool),
            f("blackOrAfricanAmerican", Optional, Bool),
            f("nativeHawaiianOrOtherPacificIslander", Optional, Bool),
            f("white", Optional, Bool),
            f("demographicRaceTwoOrMoreRaces", Optional, Bool),
            f("hispanicOrLatinoEthnicity", Optional, Bool),
            f("countryOfBirthCode", Optional, Str),
            f("stateOfBirthAbbreviation", Optional, Str),
            f("cityOfBirth", Optional, Str),
            f("publicSchoolResidenceStatus", Optional, Str),
        ],
    },
    FileSpec {
        name: "categories",
        target: Target::Entity(&e::CATEGORY),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            f("title", Required, Str),
            f("weight", Optional, Float),
        ],
    },
    FileSpec {
        name: "scoreScales",
        target: Target::Entity(&e::SCORE_SCALE),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            f("title", Required, Str),
            f("type", Required, Str),
            c("orgSourcedId", Lenient, Ref(Kind::Org), To::Check),
            c(
                "courseSourcedId",
                Lenient,
                Ref(Kind::Course),
                To::Field("course"),
            ),
            c(
                "classSourcedId",
                Required,
                Ref(Kind::Class),
                To::Field("class"),
            ),
            f("scoreScaleValue", Required, ScoreScaleValues),
        ],
    },
    FileSpec {
        name: "lineItems",
        target: Target::Entity(&e::LINE_ITEM),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            f("title", Required, Str),
            f("description", Optional, Str),
            f("assignDate", Required, DateOrDateTime),
            f("dueDate", Required, DateOrDateTime),
            c(
                "classSourcedId",
                Required,
                Ref(Kind::Class),
                To::Field("class"),
            ),
            c(
                "categorySourcedId",
                Required,
                Ref(Kind::Category),
                To::Field("category"),
            ),
            c(
                "academicSessionSourcedId",
                Lenient,
                Ref(Kind::AcademicSession),
                To::Field("academicSession"),
            ),
            f("resultValueMin", Optional, Float),
            f("resultValueMax", Optional, Float),
            c(
                "schoolSourcedId",
                Required,
                Ref(Kind::Org),
                To::Field("school"),
            ),
        ],
    },
    FileSpec {
        name: "lineItemScoreScales",
        target: Target::Link(Link {
            owner: Kind::LineItem,
            field: "scoreScale",
            shape: Shape::ScoreScale,
            tag: "scoreScale",
        }),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            c("title", Optional, Str, To::Dropped),
            c(
                "lineItemSourcedId",
                Required,
                Ref(Kind::LineItem),
                To::Owner,
            ),
            c(
                "scoreScaleSourcedId",
                Required,
                Ref(Kind::ScoreScale),
                To::Elem,
            ),
        ],
    },
    FileSpec {
        name: "lineItemLearningObjectiveIds",
        target: Target::Link(Link {
            owner: Kind::LineItem,
            field: "learningObjectiveSet",
            shape: Shape::LoId,
            tag: "lo",
        }),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            c(
                "lineItemSourcedId",
                Required,
                Ref(Kind::LineItem),
                To::Owner,
            ),
            c("source", Required, Vocab(&e::LO_SOURCE), To::Elem),
            c("learningObjectiveId", Required, Str, To::Elem),
        ],
    },
    FileSpec {
        name: "results",
        target: Target::Entity(&e::RESULT),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            c(
                "lineItemSourcedId",
                Required,
                Ref(Kind::LineItem),
                To::Field("lineItem"),
            ),
            c(
                "studentSourcedId",
                Required,
                Ref(Kind::User),
                To::Field("student"),
            ),
            f("scoreStatus", Required, Vocab(&e::SCORE_STATUS)),
            f("score", Optional, Float),
            f("scoreDate", Required, Date),
            f("comment", Optional, Str),
            f("textScore", Optional, Str),
            c(
                "classSourcedId",
                Optional,
                Ref(Kind::Class),
                To::Field("class"),
            ),
            f("inProgress", Optional, Bool),
            f("incomplete", Optional, Bool),
            f("late", Optional, Bool),
            f("missing", Optional, Bool),
        ],
    },
    FileSpec {
        name: "resultScoreScales",
        target: Target::Link(Link {
            owner: Kind::Result,
            field: "scoreScale",
            shape: Shape::ScoreScale,
            tag: "scoreScale",
        }),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            c("title", Optional, Str, To::Dropped),
            c("resultSourcedId", Required, Ref(Kind::Result), To::Owner),
            c(
                "scoreScaleSourcedId",
                Required,
                Ref(Kind::ScoreScale),
                To::Elem,
            ),
        ],
    },
    FileSpec {
        name: "resultLearningObjectiveIds",
        target: Target::Link(Link {
            owner: Kind::Result,
            field: "learningObjectiveSet",
            shape: Shape::LoResult,
            tag: "lo",
        }),
        columns: &[
            SOURCED_ID,
            STATUS,
            DLM,
            c("resultSourcedId", Required, Ref(Kind::Result), To::Owner),
            c("source", Required, Vocab(&e::LO_SOURCE), To::Elem),
            c("learningObjectiveId", Required, Str, To::Elem),
            c("score", Optional, Number, To::Elem),
            c("textScore", Optional, Str, To::Elem),
        ],
    },
];

/// The file named `name` (without `.csv`).
pub fn file(name: &str) -> Option<&'static FileSpec> {
    FILES.iter().find(|f| f.name == name)
}

/// The file whose rows are the objects of `kind`.
pub fn entity_file(kind: Kind) -> Option<&'static FileSpec> {
    FILES
        .iter()
        .find(|f| f.entity().is_some_and(|e| e.kind == kind))
}

/// The link files filling lists of `kind`.
pub fn link_files(kind: Kind) -> impl Iterator<Item = &'static FileSpec> {
    FILES
        .iter()
        .filter(move |f| f.link().is_some_and(|l| l.owner == kind))
}

/// The manifest, in the order the binding's example lists the files.
pub const MANIFEST_ORDER: [&str; 21] = [
    "academicSessions",
    "categories",
    "classes",
    "classResources",
    "courseResources",
    "courses",
    "demographics",
    "enrollments",
    "lineItemLearningObjectiveIds",
    "lineItems",
    "lineItemScoreScales",
    "orgs",
    "resources",
    "resultLearningObjectiveIds",
    "results",
    "resultScoreScales",
    "roles",
    "scoreScales",
    "userProfiles",
    "userResources",
    "users",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Ty;

    #[test]
    fn every_field_target_is_a_stored_field_of_the_right_shape() {
        for file in &FILES {
            for col in file.columns {
                match (col.to, &file.target) {
                    (To::Field(name), Target::Entity(entity)) => {
                        let field = entity.field(name).unwrap_or_else(|| {
                            panic!("{}.{}: no field {name}", file.name, col.name)
                        });
                        assert!(field.is_stored(), "{}.{}", file.name, col.name);
                        let ok = match (col.ty, field.ty) {
                            (CTy::Ref(k), Ty::Ref(t)) | (CTy::RefList(k), Ty::RefList(t)) => k == t,
                            (CTy::Id, Ty::Id)
                            | (CTy::Date, Ty::Date)
                            | (CTy::DateOrDateTime, Ty::DateTime)
                            | (CTy::Year, Ty::Year)
                            | (CTy::Str, Ty::Str)
                            | (CTy::Float, Ty::Float)
                            | (CTy::Bool, Ty::Bool)
                            | (CTy::StrList, Ty::StrList)
                            | (CTy::UserIds, Ty::Objects(_))
                            | (CTy::ScoreScaleValues, Ty::Objects(_)) => true,
                            (CTy::Vocab(a), Ty::Vocab(b))
                            | (CTy::VocabList(a), Ty::VocabList(b)) => std::ptr::eq(a, b),
                            _ => false,
                        };
                        assert!(
                            ok,
                            "{}.{}: {:?} vs {:?}",
                            file.name, col.name, col.ty, field.ty
                        );
                    }
                    (To::Field(name), Target::Link(_)) => {
                        assert_eq!(name, "sourcedId", "{}.{}", file.name, col.name)
                    }
                    (To::Owner | To::Elem, Target::Entity(_)) => {
                        panic!("{}.{}", file.name, col.name)
                    }
                    _ => {}
                }
            }
            if let Target::Link(link) = &file.target {
                let owner = e::entity(link.owner);
                assert!(owner.field(link.field).is_some_and(|f| f.is_stored()));
                assert_eq!(
                    file.columns.iter().filter(|c| c.to == To::Owner).count(),
                    1,
                    "{}",
                    file.name
                );
            }
        }
    }

    #[test]
    fn files_refer_only_to_earlier_files_or_themselves() {
        for (i, file) in FILES.iter().enumerate() {
            for col in file.columns {
                if let Some(kind) = col.ty.target() {
                    let at = FILES
                        .iter()
                        .position(|f| f.entity().is_some_and(|e| e.kind == kind))
                        .unwrap();
                    assert!(at <= i, "{}.{} refers forward", file.name, col.name);
                }
            }
        }
        let mut names: Vec<_> = MANIFEST_ORDER.to_vec();
        names.sort();
        let mut all: Vec<_> = FILES.iter().map(|f| f.name).collect();
        all.sort();
        assert_eq!(names, all);
    }
}
