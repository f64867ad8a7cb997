-- OneRoster 1.2 store: one table per entity kind, one column per stored field.
-- Text columns use SQLite's binary (code point) ordering, like PostgreSQL's "C" collation.
-- dateLastModified and other date-times are epoch milliseconds (UTC); arrays, nested
-- objects and metadata are JSON text; references hold the target's sourcedId.

CREATE TABLE orgs (
    sourced_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    date_last_modified INTEGER NOT NULL,
    metadata TEXT,
    name TEXT,
    type TEXT,
    identifier TEXT,
    parent_id TEXT
);
CREATE INDEX orgs_dlm_idx ON orgs (date_last_modified);
CREATE INDEX orgs_type_idx ON orgs (type);
CREATE INDEX orgs_parent_id_idx ON orgs (parent_id);
CREATE INDEX orgs_identifier_idx ON orgs (identifier);

CREATE TABLE academic_sessions (
    sourced_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    date_last_modified INTEGER NOT NULL,
    metadata TEXT,
    title TEXT,
    start_date TEXT,
    end_date TEXT,
    type TEXT,
    parent_id TEXT,
    school_year TEXT
);
CREATE INDEX academic_sessions_dlm_idx ON academic_sessions (date_last_modified);
CREATE INDEX academic_sessions_type_idx ON academic_sessions (type);
CREATE INDEX academic_sessions_parent_id_idx ON academic_sessions (parent_id);

CREATE TABLE resources (
    sourced_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    date_last_modified INTEGER NOT NULL,
    metadata TEXT,
    title TEXT,
    roles TEXT,
    importance TEXT,
    vendor_resource_id TEXT,
    vendor_id TEXT,
    application_id TEXT
);
CREATE INDEX resources_dlm_idx ON resources (date_last_modified);
CREATE INDEX resources_vendor_resource_id_idx ON resources (vendor_resource_id);

CREATE TABLE courses (
    sourced_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    date_last_modified INTEGER NOT NULL,
    metadata TEXT,
    title TEXT,
    school_year_id TEXT,
    course_code TEXT,
    grades TEXT,
    subjects TEXT,
    org_id TEXT,
    subject_codes TEXT,
    resources TEXT
);
CREATE INDEX courses_dlm_idx ON courses (date_last_modified);
CREATE INDEX courses_org_id_idx ON courses (org_id);
CREATE INDEX courses_school_year_id_idx ON courses (school_year_id);
CREATE INDEX courses_course_code_idx ON courses (course_code);

CREATE TABLE classes (
    sourced_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    date_last_modified INTEGER NOT NULL,
    metadata TEXT,
    title TEXT,
    class_code TEXT,
    class_type TEXT,
    location TEXT,
    grades TEXT,
    subjects TEXT,
    course_id TEXT,
    school_id TEXT,
    terms TEXT,
    subject_codes TEXT,
    periods TEXT,
    resources TEXT
);
CREATE INDEX classes_dlm_idx ON classes (date_last_modified);
CREATE INDEX classes_course_id_idx ON classes (course_id);
CREATE INDEX classes_school_id_idx ON classes (school_id);

CREATE TABLE users (
    sourced_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    date_last_modified INTEGER NOT NULL,
    metadata TEXT,
    user_master_identifier TEXT,
    username TEXT,
    user_ids TEXT,
    enabled_user TEXT,
    given_name TEXT,
    family_name TEXT,
    middle_name TEXT,
    preferred_first_name TEXT,
    preferred_middle_name TEXT,
    preferred_last_name TEXT,
    pronouns TEXT,
    roles TEXT,
    user_profiles TEXT,
    primary_org_id TEXT,
    identifier TEXT,
    email TEXT,
    sms TEXT,
    phone TEXT,
    agents TEXT,
    grades TEXT,
    password TEXT,
    resources TEXT
);
CREATE INDEX users_dlm_idx ON users (date_last_modified);
CREATE INDEX users_email_idx ON users (email);
CREATE INDEX users_username_idx ON users (username);
CREATE INDEX users_identifier_idx ON users (identifier);
CREATE INDEX users_user_master_identifier_idx ON users (user_master_identifier);
CREATE INDEX users_given_name_idx ON users (given_name);
CREATE INDEX users_family_name_idx ON users (family_name);
CREATE INDEX users_primary_org_id_idx ON users (primary_org_id);

CREATE TABLE enrollments (
    sourced_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    date_last_modified INTEGER NOT NULL,
    metadata TEXT,
    user_id TEXT,
    class_id TEXT,
    school_id TEXT,
    role TEXT,
    is_primary TEXT,
    begin_date TEXT,
    end_date TEXT
);
CREATE INDEX enrollments_dlm_idx ON enrollments (date_last_modified);
CREATE INDEX enrollments_class_id_role_user_id_idx ON enrollments (class_id, role, user_id);
CREATE INDEX enrollments_user_id_role_class_id_idx ON enrollments (user_id, role, class_id);
CREATE INDEX enrollments_school_id_idx ON enrollments (school_id);

CREATE TABLE demographics (
    sourced_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    date_last_modified INTEGER NOT NULL,
    metadata TEXT,
    birth_date TEXT,
    sex TEXT,
    american_indian_or_alaska_native TEXT,
    asian TEXT,
    black_or_african_american TEXT,
    native_hawaiian_or_other_pacific_islander TEXT,
    white TEXT,
    demographic_race_two_or_more_races TEXT,
    hispanic_or_latino_ethnicity TEXT,
    country_of_birth_code TEXT,
    state_of_birth_abbreviation TEXT,
    city_of_birth TEXT,
    public_school_residence_status TEXT
);
CREATE INDEX demographics_dlm_idx ON demographics (date_last_modified);

CREATE TABLE categories (
    sourced_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    date_last_modified INTEGER NOT NULL,
    metadata TEXT,
    title TEXT,
    weight REAL
);
CREATE INDEX categories_dlm_idx ON categories (date_last_modified);

CREATE TABLE score_scales (
    sourced_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    date_last_modified INTEGER NOT NULL,
    metadata TEXT,
    title TEXT,
    type TEXT,
    course_id TEXT,
    class_id TEXT,
    score_scale_value TEXT
);
CREATE INDEX score_scales_dlm_idx ON score_scales (date_last_modified);
CREATE INDEX score_scales_class_id_idx ON score_scales (class_id);
CREATE INDEX score_scales_course_id_idx ON score_scales (course_id);

CREATE TABLE line_items (
    sourced_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    date_last_modified INTEGER NOT NULL,
    metadata TEXT,
    title TEXT,
    description TEXT,
    assign_date INTEGER,
    due_date INTEGER,
    class_id TEXT,
    school_id TEXT,
    category_id TEXT,
    grading_period_id TEXT,
    academic_session_id TEXT,
    score_scale_id TEXT,
    result_value_min REAL,
    result_value_max REAL,
    learning_objective_set TEXT
);
CREATE INDEX line_items_dlm_idx ON line_items (date_last_modified);
CREATE INDEX line_items_class_id_idx ON line_items (class_id);
CREATE INDEX line_items_school_id_idx ON line_items (school_id);
CREATE INDEX line_items_category_id_idx ON line_items (category_id);
CREATE INDEX line_items_academic_session_id_idx ON line_items (academic_session_id);
CREATE INDEX line_items_grading_period_id_idx ON line_items (grading_period_id);

CREATE TABLE results (
    sourced_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    date_last_modified INTEGER NOT NULL,
    metadata TEXT,
    line_item_id TEXT,
    student_id TEXT,
    class_id TEXT,
    score_scale_id TEXT,
    score_status TEXT,
    score REAL,
    text_score TEXT,
    score_date TEXT,
    comment TEXT,
    learning_objective_set TEXT,
    in_progress TEXT,
    incomplete TEXT,
    late TEXT,
    missing TEXT
);
CREATE INDEX results_dlm_idx ON results (date_last_modified);
CREATE INDEX results_line_item_id_idx ON results (line_item_id);
CREATE INDEX results_student_id_idx ON results (student_id);
CREATE INDEX results_class_id_idx ON results (class_id);

CREATE TABLE assessment_line_items (
    sourced_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    date_last_modified INTEGER NOT NULL,
    metadata TEXT,
    title TEXT,
    description TEXT,
    class_id TEXT,
    parent_id TEXT,
    score_scale_id TEXT,
    result_value_min REAL,
    result_value_max REAL,
    learning_objective_set TEXT
);
CREATE INDEX assessment_line_items_dlm_idx ON assessment_line_items (date_last_modified);
CREATE INDEX assessment_line_items_class_id_idx ON assessment_line_items (class_id);
CREATE INDEX assessment_line_items_parent_id_idx ON assessment_line_items (parent_id);

CREATE TABLE assessment_results (
    sourced_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    date_last_modified INTEGER NOT NULL,
    metadata TEXT,
    assessment_line_item_id TEXT,
    student_id TEXT,
    score REAL,
    text_score TEXT,
    score_date TEXT,
    score_scale_id TEXT,
    score_percentile REAL,
    score_status TEXT,
    comment TEXT,
    learning_objective_set TEXT,
    in_progress TEXT,
    incomplete TEXT,
    late TEXT,
    missing TEXT
);
CREATE INDEX assessment_results_dlm_idx ON assessment_results (date_last_modified);
CREATE INDEX assessment_results_assessment_line_item_id_idx ON assessment_results (assessment_line_item_id);
CREATE INDEX assessment_results_student_id_idx ON assessment_results (student_id);

-- Side tables indexing array elements (rewritten with their owner row).
CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (sourced_id) ON DELETE CASCADE,
    role_type TEXT,
    role TEXT,
    org_id TEXT,
    begin_date TEXT,
    end_date TEXT
);
CREATE INDEX user_roles_user_id_idx ON user_roles (user_id);
CREATE INDEX user_roles_role_org_id_user_id_idx ON user_roles (role, org_id, user_id);
CREATE INDEX user_roles_org_id_role_user_id_idx ON user_roles (org_id, role, user_id);

CREATE TABLE user_identifiers (
    user_id TEXT NOT NULL REFERENCES users (sourced_id) ON DELETE CASCADE,
    type TEXT,
    identifier TEXT
);
CREATE INDEX user_identifiers_user_id_idx ON user_identifiers (user_id);
CREATE INDEX user_identifiers_identifier_user_id_idx ON user_identifiers (identifier, user_id);

CREATE TABLE class_terms (
    class_id TEXT NOT NULL REFERENCES classes (sourced_id) ON DELETE CASCADE,
    term_id TEXT,
    PRIMARY KEY (class_id, term_id)
);
CREATE INDEX class_terms_term_id_class_id_idx ON class_terms (term_id, class_id);

-- OAuth 2.0 clients; secrets are argon2id hashes.
CREATE TABLE oauth_clients (
    client_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

-- Token signing keys (Ed25519, PKCS#8 DER in base64) generated when none is configured.
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    private_key TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
