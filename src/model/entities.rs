//! The OneRoster 1.2 object kinds, declared field by field in the order of the official
//! schemas (`components.schemas` of the three official OpenAPI files).

use super::catalogue::{Entity, Extensible, Field, Kind, ObjectDef, Service, Ty, Vocab};

// ---- vocabularies -------------------------------------------------------------------------

pub static STATUS: Vocab = Vocab {
    values: &["active", "tobedeleted"],
    ext: Extensible::Closed,
};
pub static SESSION_TYPE: Vocab = Vocab {
    values: &["gradingPeriod", "semester", "schoolYear", "term"],
    ext: Extensible::ExtPrefix,
};
pub static CLASS_TYPE: Vocab = Vocab {
    values: &["homeroom", "scheduled"],
    ext: Extensible::ExtPrefix,
};
pub static ORG_TYPE: Vocab = Vocab {
    values: &[
        "department",
        "district",
        "local",
        "national",
        "school",
        "state",
    ],
    ext: Extensible::ExtPrefix,
};
pub static ROLE_TYPE: Vocab = Vocab {
    values: &["primary", "secondary"],
    ext: Extensible::Closed,
};
pub static ROLE: Vocab = Vocab {
    values: &[
        "aide",
        "counselor",
        "districtAdministrator",
        "guardian",
        "parent",
        "principal",
        "proctor",
        "relative",
        "siteAdministrator",
        "student",
        "systemAdministrator",
        "teacher",
    ],
    ext: Extensible::ExtPrefix,
};
pub static ENROLLMENT_ROLE: Vocab = Vocab {
    values: &["administrator", "proctor", "student", "teacher"],
    ext: Extensible::ExtPrefix,
};
pub static SEX: Vocab = Vocab {
    values: &["male", "female", "unspecified", "other"],
    ext: Extensible::ExtPrefix,
};
pub static SCORE_STATUS: Vocab = Vocab {
    values: &[
        "exempt",
        "fully graded",
        "not submitted",
        "partially graded",
        "submitted",
    ],
    ext: Extensible::ExtPrefix,
};
pub static LO_SOURCE: Vocab = Vocab {
    values: &["case", "unknown"],
    ext: Extensible::LearningObjectiveSource,
};
pub static RESOURCE_ROLE: Vocab = Vocab {
    values: &[
        "administrator",
        "aide",
        "guardian",
        "parent",
        "proctor",
        "relative",
        "student",
        "teacher",
    ],
    ext: Extensible::ExtPrefix,
};
pub static IMPORTANCE: Vocab = Vocab {
    values: &["primary", "secondary"],
    ext: Extensible::Closed,
};

// ---- the common base fields ----------------------------------------------------------------

const SOURCED_ID: Field = Field::new("sourcedId", "sourced_id", Ty::Id).req();
const STATUS_F: Field = Field::new("status", "status", Ty::Status).req();
const DLM: Field = Field::new("dateLastModified", "date_last_modified", Ty::DateTime).req();
const METADATA: Field = Field::new("metadata", "metadata", Ty::Metadata);

// ---- nested objects ------------------------------------------------------------------------

pub static ROLE_DEF: ObjectDef = ObjectDef {
    schema: "RoleDType",
    open: false,
    fields: &[
        Field::nested("roleType", Ty::Vocab(&ROLE_TYPE)).req(),
        Field::nested("role", Ty::Vocab(&ROLE)).req(),
        Field::nested("org", Ty::Ref(Kind::Org)).req(),
        Field::nested("userProfile", Ty::Uri),
        Field::nested("beginDate", Ty::Date),
        Field::nested("endDate", Ty::Date),
    ],
};

pub static USER_ID_DEF: ObjectDef = ObjectDef {
    schema: "UserIdDType",
    open: false,
    fields: &[
        Field::nested("type", Ty::Str).req(),
        Field::nested("identifier", Ty::Str).req(),
    ],
};

pub static CREDENTIAL_DEF: ObjectDef = ObjectDef {
    schema: "CredentialDType",
    open: true,
    fields: &[
        Field::nested("type", Ty::Str).req(),
        Field::nested("username", Ty::Str).req(),
        Field::nested("password", Ty::Str).secret(),
    ],
};

pub static USER_PROFILE_DEF: ObjectDef = ObjectDef {
    schema: "UserProfileDType",
    open: false,
    fields: &[
        Field::nested("profileId", Ty::Uri).req(),
        Field::nested("profileType", Ty::Str).req(),
        Field::nested("vendorId", Ty::Str).req(),
        Field::nested("applicationId", Ty::Str),
        Field::nested("description", Ty::Str),
        Field::nested("credentials", Ty::Objects(&CREDENTIAL_DEF)),
    ],
};

pub static SCORE_SCALE_VALUE_DEF: ObjectDef = ObjectDef {
    schema: "ScoreScaleValueDType",
    open: false,
    fields: &[
        Field::nested("itemValueLHS", Ty::Str).req().pair_part(),
        Field::nested("itemValueRHS", Ty::Str).req().pair_part(),
    ],
};

pub static LO_SET_DEF: ObjectDef = ObjectDef {
    schema: "LearningObjectiveSetDType",
    open: false,
    fields: &[
        Field::nested("source", Ty::Vocab(&LO_SOURCE)).req(),
        Field::nested("learningObjectiveIds", Ty::StrList)
            .req()
            .min(1),
    ],
};

pub static LO_RESULT_DEF: ObjectDef = ObjectDef {
    schema: "LearningObjectiveResultsDType",
    open: false,
    fields: &[
        Field::nested("learningObjectiveId", Ty::Str).req(),
        Field::nested("score", Ty::Float),
        Field::nested("textScore", Ty::Str),
    ],
};

pub static LO_SCORE_SET_DEF: ObjectDef = ObjectDef {
    schema: "LearningObjectiveScoreSetDType",
    open: false,
    fields: &[
        Field::nested("source", Ty::Vocab(&LO_SOURCE)).req(),
        Field::nested("learningObjectiveResults", Ty::Objects(&LO_RESULT_DEF))
            .req()
            .min(1),
    ],
};

// ---- rostering -----------------------------------------------------------------------------

pub static ORG: Entity = Entity {
    kind: Kind::Org,
    schema: "OrgDType",
    table: "orgs",
    singular: "org",
    plural: "orgs",
    service: Service::Rostering,
    collection: "/orgs",
    ref_type: "org",
    ref_schema: "OrgGUIDRefDType",
    tag: "Orgs",
    fields: &[
        SOURCED_ID,
        STATUS_F,
        DLM,
        METADATA,
        Field::new("name", "name", Ty::Str).req(),
        Field::new("type", "type", Ty::Vocab(&ORG_TYPE)).req(),
        Field::new("identifier", "identifier", Ty::Str).req(),
        Field::new("parent", "parent_id", Ty::Ref(Kind::Org)),
        Field::new("children", "", Ty::Children(Kind::Org, "parent_id")),
    ],
};

pub static ACADEMIC_SESSION: Entity = Entity {
    kind: Kind::AcademicSession,
    schema: "AcademicSessionDType",
    table: "academic_sessions",
    singular: "academicSession",
    plural: "academicSessions",
    service: Service::Rostering,
    collection: "/academicSessions",
    ref_type: "academicSession",
    ref_schema: "AcadSessionGUIDRefDType",
    tag: "AcademicSessions",
    fields: &[
        SOURCED_ID,
        STATUS_F,
        DLM,
        METADATA,
        Field::new("title", "title", Ty::Str).req(),
        Field::new("startDate", "start_date", Ty::Date).req(),
        Field::new("endDate", "end_date", Ty::Date).req(),
        Field::new("type", "type", Ty::Vocab(&SESSION_TYPE)).req(),
        Field::new("parent", "parent_id", Ty::Ref(Kind::AcademicSession)),
        Field::new(
            "children",
            "",
            Ty::Children(Kind::AcademicSession, "parent_id"),
        ),
        Field::new("schoolYear", "school_year", Ty::Year).req(),
    ],
};

pub static COURSE: Entity = Entity {
    kind: Kind::Course,
    schema: "CourseDType",
    table: "courses",
    singular: "course",
    plural: "courses",
    service: Service::Rostering,
    collection: "/courses",
    ref_type: "course",
    ref_schema: "CourseGUIDRefDType",
    tag: "Courses",
    fields: &[
        SOURCED_ID,
        STATUS_F,
        DLM,
        METADATA,
        Field::new("title", "title", Ty::Str).req(),
        Field::new(
            "schoolYear",
            "school_year_id",
            Ty::Ref(Kind::AcademicSession),
        ),
        Field::new("courseCode", "course_code", Ty::Str).req(),
        Field::new("grades", "grades", Ty::StrList),
        Field::new("subjects", "subjects", Ty::StrList),
        Field::new("org", "org_id", Ty::Ref(Kind::Org)),
        Field::new("subjectCodes", "subject_codes", Ty::StrList),
        Field::new("resources", "resources", Ty::RefList(Kind::Resource)),
    ],
};

pub static CLASS: Entity = Entity {
    kind: Kind::Class,
    schema: "ClassDType",
    table: "classes",
    singular: "class",
    plural: "classes",
    service: Service::Rostering,
    collection: "/classes",
    ref_type: "class",
    ref_schema: "ClassGUIDRefDType",
    tag: "Classes",
    fields: &[
        SOURCED_ID,
        STATUS_F,
        DLM,
        METADATA,
        Field::new("title", "title", Ty::Str).req(),
        Field::new("classCode", "class_code", Ty::Str),
        Field::new("classType", "class_type", Ty::Vocab(&CLASS_TYPE)),
        Field::new("location", "location", Ty::Str),
        Field::new("grades", "grades", Ty::StrList),
        Field::new("subjects", "subjects", Ty::StrList),
        Field::new("course", "course_id", Ty::Ref(Kind::Course)).req(),
        Field::new("school", "school_id", Ty::Ref(Kind::Org)).req(),
        Field::new("terms", "terms", Ty::RefList(Kind::AcademicSession))
            .req()
            .min(1),
        Field::new("subjectCodes", "subject_codes", Ty::StrList),
        Field::new("periods", "periods", Ty::StrList),
        Field::new("resources", "resources", Ty::RefList(Kind::Resource)),
    ],
};

pub static USER: Entity = Entity {
    kind: Kind::User,
    schema: "UserDType",
    table: "users",
    singular: "user",
    plural: "users",
    service: Service::Rostering,
    collection: "/users",
    ref_type: "user",
    ref_schema: "UserGUIDRefDType",
    tag: "Users",
    fields: &[
        SOURCED_ID,
        STATUS_F,
        DLM,
        METADATA,
        Field::new("userMasterIdentifier", "user_master_identifier", Ty::Str),
        Field::new("username", "username", Ty::Str),
        Field::new("userIds", "user_ids", Ty::Objects(&USER_ID_DEF)),
        Field::new("enabledUser", "enabled_user", Ty::Bool).req(),
        Field::new("givenName", "given_name", Ty::Str).req(),
        Field::new("familyName", "family_name", Ty::Str).req(),
        Field::new("middleName", "middle_name", Ty::Str),
        Field::new("preferredFirstName", "preferred_first_name", Ty::Str),
        Field::new("preferredMiddleName", "preferred_middle_name", Ty::Str),
        Field::new("preferredLastName", "preferred_last_name", Ty::Str),
        Field::new("pronouns", "pronouns", Ty::Str),
        Field::new("roles", "roles", Ty::Objects(&ROLE_DEF))
            .req()
            .min(1),
        Field::new(
            "userProfiles",
            "user_profiles",
            Ty::Objects(&USER_PROFILE_DEF),
        ),
        Field::new("primaryOrg", "primary_org_id", Ty::Ref(Kind::Org)),
        Field::new("identifier", "identifier", Ty::Str),
        Field::new("email", "email", Ty::Str),
        Field::new("sms", "sms", Ty::Str),
        Field::new("phone", "phone", Ty::Str),
        Field::new("agents", "agents", Ty::RefList(Kind::User)),
        Field::new("grades", "grades", Ty::StrList),
        Field::new("password", "password", Ty::Str).secret(),
        Field::new("resources", "resources", Ty::RefList(Kind::Resource)),
    ],
};

pub static ENROLLMENT: Entity = Entity {
    kind: Kind::Enrollment,
    schema: "EnrollmentDType",
    table: "enrollments",
    singular: "enrollment",
    plural: "enrollments",
    service: Service::Rostering,
    collection: "/enrollments",
    ref_type: "enrollment",
    ref_schema: "EnrollmentGUIDRefDType",
    tag: "Enrollments",
    fields: &[
        SOURCED_ID,
        STATUS_F,
        DLM,
        METADATA,
        Field::new("user", "user_id", Ty::Ref(Kind::User)).req(),
        Field::new("class", "class_id", Ty::Ref(Kind::Class)).req(),
        Field::new("school", "school_id", Ty::Ref(Kind::Org)).req(),
        Field::new("role", "role", Ty::Vocab(&ENROLLMENT_ROLE)).req(),
        Field::new("primary", "is_primary", Ty::Bool),
        Field::new("beginDate", "begin_date", Ty::Date),
        Field::new("endDate", "end_date", Ty::Date),
    ],
};

pub static DEMOGRAPHICS: Entity = Entity {
    kind: Kind::Demographics,
    schema: "DemographicsDType",
    table: "demographics",
    singular: "demographics",
    plural: "demographics",
    service: Service::Rostering,
    collection: "/demographics",
    ref_type: "demographics",
    ref_schema: "DemographicsGUIDRefDType",
    tag: "Demographics",
    fields: &[
        SOURCED_ID,
        STATUS_F,
        DLM,
        METADATA,
        Field::new("birthDate", "birth_date", Ty::Date),
        Field::new("sex", "sex", Ty::Vocab(&SEX)),
        Field::new(
            "americanIndianOrAlaskaNative",
            "american_indian_or_alaska_native",
            Ty::Bool,
        ),
        Field::new("asian", "asian", Ty::Bool),
        Field::new(
            "blackOrAfricanAmerican",
            "black_or_african_american",
            Ty::Bool,
        ),
        Field::new(
            "nativeHawaiianOrOtherPacificIslander",
            "native_hawaiian_or_other_pacific_islander",
            Ty::Bool,
        ),
        Field::new("white", "white", Ty::Bool),
        Field::new(
            "demographicRaceTwoOrMoreRaces",
            "demographic_race_two_or_more_races",
            Ty::Bool,
        ),
        Field::new(
            "hispanicOrLatinoEthnicity",
            "hispanic_or_latino_ethnicity",
            Ty::Bool,
        ),
        Field::new("countryOfBirthCode", "country_of_birth_code", Ty::Str),
        Field::new(
            "stateOfBirthAbbreviation",
            "state_of_birth_abbreviation",
            Ty::Str,
        ),
        Field::new("cityOfBirth", "city_of_birth", Ty::Str),
        Field::new(
            "publicSchoolResidenceStatus",
            "public_school_residence_status",
            Ty::Str,
        ),
    ],
};

// ---- gradebook -----------------------------------------------------------------------------

pub static CATEGORY: Entity = Entity {
    kind: Kind::Category,
    schema: "CategoryDType",
    table: "categories",
    singular: "category",
    plural: "categories",
    service: Service::Gradebook,
    collection: "/categories",
    ref_type: "category",
    ref_schema: "CategoryGUIDRefDType",
    tag: "Categories",
    fields: &[
        SOURCED_ID,
        STATUS_F,
        DLM,
        METADATA,
        Field::new("title", "title", Ty::Str).req(),
        Field::new("weight", "weight", Ty::Float),
    ],
};

pub static SCORE_SCALE: Entity = Entity {
    kind: Kind::ScoreScale,
    schema: "ScoreScaleDType",
    table: "score_scales",
    singular: "scoreScale",
    plural: "scoreScales",
    service: Service::Gradebook,
    collection: "/scoreScales",
    ref_type: "scoreScale",
    ref_schema: "ScoreScaleGUIDRefDType",
    tag: "ScoreScales",
    fields: &[
        SOURCED_ID,
        STATUS_F,
        DLM,
        METADATA,
        Field::new("title", "title", Ty::Str).req(),
        Field::new("type", "type", Ty::Str).req(),
        Field::new("course", "course_id", Ty::Ref(Kind::Course)),
        Field::new("class", "class_id", Ty::Ref(Kind::Class)).req(),
        Field::new(
            "scoreScaleValue",
            "score_scale_value",
            Ty::Objects(&SCORE_SCALE_VALUE_DEF),
        )
        .req()
        .min(1),
    ],
};

pub static LINE_ITEM: Entity = Entity {
    kind: Kind::LineItem,
    schema: "LineItemDType",
    table: "line_items",
    singular: "lineItem",
    plural: "lineItems",
    service: Service::Gradebook,
    collection: "/lineItems",
    ref_type: "lineItem",
    ref_schema: "LineItemGUIDRefDType",
    tag: "LineItems",
    fields: &[
        SOURCED_ID,
        STATUS_F,
        DLM,
        METADATA,
        Field::new("title", "title", Ty::Str).req(),
        Field::new("description", "description", Ty::Str),
        Field::new("assignDate", "assign_date", Ty::DateTime).req(),
        Field::new("dueDate", "due_date", Ty::DateTime).req(),
        Field::new("class", "class_id", Ty::Ref(Kind::Class)).req(),
        Field::new("school", "school_id", Ty::Ref(Kind::Org)).req(),
        Field::new("category", "category_id", Ty::Ref(Kind::Category)).req(),
        Field::new(
            "gradingPeriod",
            "grading_period_id",
            Ty::Ref(Kind::AcademicSession),
        ),
        Field::new(
            "academicSession",
            "academic_session_id",
            Ty::Ref(Kind::AcademicSession),
        ),
        Field::new("scoreScale", "score_scale_id", Ty::Ref(Kind::ScoreScale)),
        Field::new("resultValueMin", "result_value_min", Ty::Float),
        Field::new("resultValueMax", "result_value_max", Ty::Float),
        Field::new(
            "learningObjectiveSet",
            "learning_objective_set",
            Ty::Objects(&LO_SET_DEF),
        ),
    ],
};

pub static RESULT: Entity = Entity {
    kind: Kind::Result,
    schema: "ResultDType",
    table: "results",
    singular: "result",
    plural: "results",
    service: Service::Gradebook,
    collection: "/results",
    ref_type: "result",
    ref_schema: "ResultGUIDRefDType",
    tag: "Results",
    fields: &[
        SOURCED_ID,
        STATUS_F,
        DLM,
        METADATA,
        Field::new("lineItem", "line_item_id", Ty::Ref(Kind::LineItem)).req(),
        Field::new("student", "student_id", Ty::Ref(Kind::User))
            .req()
            .holding("student"),
        Field::new("class", "class_id", Ty::Ref(Kind::Class)),
        Field::new("scoreScale", "score_scale_id", Ty::Ref(Kind::ScoreScale)),
        Field::new("scoreStatus", "score_status", Ty::Vocab(&SCORE_STATUS)).req(),
        Field::new("score", "score", Ty::Float),
        Field::new("textScore", "text_score", Ty::Str),
        Field::new("scoreDate", "score_date", Ty::Date).req(),
        Field::new("comment", "comment", Ty::Str),
        Field::new(
            "learningObjectiveSet",
            "learning_objective_set",
            Ty::Objects(&LO_SCORE_SET_DEF),
        ),
        Field::new("inProgress", "in_progress", Ty::Bool),
        Field::new("incomplete", "incomplete", Ty::Bool),
        Field::new("late", "late", Ty::Bool),
        Field::new("missing", "missing", Ty::Bool),
    ],
};

pub static ASSESSMENT_LINE_ITEM: Entity = Entity {
    kind: Kind::AssessmentLineItem,
    schema: "AssessmentLineItemDType",
    table: "assessment_line_items",
    singular: "assessmentLineItem",
    plural: "assessmentLineItems",
    service: Service::Gradebook,
    collection: "/assessmentLineItems",
    ref_type: "assessmentLineItem",
    ref_schema: "AssessmentLineItemGUIDRefDType",
    tag: "AssessmentLineItems",
    fields: &[
        SOURCED_ID,
        STATUS_F,
        DLM,
        METADATA,
        Field::new("title", "title", Ty::Str).req(),
        Field::new("description", "description", Ty::Str),
        Field::new("class", "class_id", Ty::Ref(Kind::Class)),
        Field::new(
            "parentAssessmentLineItem",
            "parent_id",
            Ty::Ref(Kind::AssessmentLineItem),
        ),
        Field::new("scoreScale", "score_scale_id", Ty::Ref(Kind::ScoreScale)),
        Field::new("resultValueMin", "result_value_min", Ty::Float),
        Field::new("resultValueMax", "result_value_max", Ty::Float),
        Field::new(
            "learningObjectiveSet",
            "learning_objective_set",
            Ty::Objects(&LO_SET_DEF),
        ),
    ],
};

pub static ASSESSMENT_RESULT: Entity = Entity {
    kind: Kind::AssessmentResult,
    schema: "AssessmentResultDType",
    table: "assessment_results",
    singular: "assessmentResult",
    plural: "assessmentResults",
    service: Service::Gradebook,
    collection: "/assessmentResults",
    ref_type: "assessmentResult",
    ref_schema: "AssessmentResultGUIDRefDType",
    tag: "AssessmentResults",
    fields: &[
        SOURCED_ID,
        STATUS_F,
        DLM,
        METADATA,
        Field::new(
            "assessmentLineItem",
            "assessment_line_item_id",
            Ty::Ref(Kind::AssessmentLineItem),
        )
        .req(),
        Field::new("student", "student_id", Ty::Ref(Kind::User))
            .req()
            .holding("student"),
        Field::new("score", "score", Ty::Float),
        Field::new("textScore", "text_score", Ty::Str),
        Field::new("scoreDate", "score_date", Ty::Date).req(),
        Field::new("scoreScale", "score_scale_id", Ty::Ref(Kind::ScoreScale)),
        Field::new("scorePercentile", "score_percentile", Ty::Float),
        Field::new("scoreStatus", "score_status", Ty::Vocab(&SCORE_STATUS)).req(),
        Field::new("comment", "comment", Ty::Str),
        Field::new(
            "learningObjectiveSet",
            "learning_objective_set",
            Ty::Objects(&LO_SCORE_SET_DEF),
        ),
        Field::new("inProgress", "in_progress", Ty::Bool),
        Field::new("incomplete", "incomplete", Ty::Bool),
        Field::new("late", "late", Ty::Bool),
        Field::new("missing", "missing", Ty::Bool),
    ],
};

// ---- resources -----------------------------------------------------------------------------

pub static RESOURCE: Entity = Entity {
    kind: Kind::Resource,
    schema: "ResourceDType",
    table: "resources",
    singular: "resource",
    plural: "resources",
    service: Service::Resources,
    collection: "/resources",
    ref_type: "resource",
    ref_schema: "ResourceGUIDRefDType",
    tag: "Resources",
    fields: &[
        SOURCED_ID,
        STATUS_F,
        DLM,
        METADATA,
        Field::new("title", "title", Ty::Str),
        Field::new("roles", "roles", Ty::VocabList(&RESOURCE_ROLE)),
        Field::new("importance", "importance", Ty::Vocab(&IMPORTANCE)),
        Field::new("vendorResourceId", "vendor_resource_id", Ty::Str).req(),
        Field::new("vendorId", "vendor_id", Ty::Str),
        Field::new("applicationId", "application_id", Ty::Str),
    ],
};

/// All entity kinds, in dependency order (a kind only references kinds before it, except
/// for self references and the resources referenced by courses, classes and users).
pub static ALL: [&Entity; 14] = [
    &ORG,
    &ACADEMIC_SESSION,
    &RESOURCE,
    &COURSE,
    &CLASS,
    &USER,
    &ENROLLMENT,
    &DEMOGRAPHICS,
    &CATEGORY,
    &SCORE_SCALE,
    &LINE_ITEM,
    &RESULT,
    &ASSESSMENT_LINE_ITEM,
    &ASSESSMENT_RESULT,
];

/// The declaration of a kind.
pub fn entity(kind: Kind) -> &'static Entity {
    match kind {
        Kind::Org => &ORG,
        Kind::AcademicSession => &ACADEMIC_SESSION,
        Kind::Course => &COURSE,
        Kind::Class => &CLASS,
        Kind::User => &USER,
        Kind::Enrollment => &ENROLLMENT,
        Kind::Demographics => &DEMOGRAPHICS,
        Kind::Category => &CATEGORY,
        Kind::ScoreScale => &SCORE_SCALE,
        Kind::LineItem => &LINE_ITEM,
        Kind::Result => &RESULT,
        Kind::AssessmentLineItem => &ASSESSMENT_LINE_ITEM,
        Kind::AssessmentResult => &ASSESSMENT_RESULT,
        Kind::Resource => &RESOURCE,
    }
}

/// A side table indexing the elements of an array field, so that filters on the elements and
/// relationship lookups (the users holding a role in an org, the classes of a term) use an
/// index instead of scanning JSON. The side table is rewritten with its owner row.
#[derive(Debug)]
pub struct IndexTable {
    pub entity: Kind,
    /// The array field it indexes.
    pub field: &'static str,
    pub table: &'static str,
    /// The column holding the owner's sourcedId.
    pub owner: &'static str,
    /// `(column, element key)`; an empty key means the element itself (a reference list).
    pub columns: &'static [(&'static str, &'static str)],
}

pub static INDEX_TABLES: [IndexTable; 3] = [
    IndexTable {
        entity: Kind::User,
        field: "roles",
        table: "user_roles",
        owner: "user_id",
        columns: &[
            ("role_type", "roleType"),
            ("role", "role"),
            ("org_id", "org"),
            ("begin_date", "beginDate"),
            ("end_date", "endDate"),
        ],
    },
    IndexTable {
        entity: Kind::User,
        field: "userIds",
        table: "user_identifiers",
        owner: "user_id",
        columns: &[("type", "type"), ("identifier", "identifier")],
    },
    IndexTable {
        entity: Kind::Class,
        field: "terms",
        table: "class_terms",
        owner: "class_id",
        columns: &[("term_id", "")],
    },
];

/// The side table indexing `field` of `kind`, if any.
pub fn index_table(kind: Kind, field: &str) -> Option<&'static IndexTable> {
    INDEX_TABLES
        .iter()
        .find(|t| t.entity == kind && t.field == field)
}
