-- OneRoster 1.2 store: one table per entity kind, one column per stored field.
-- Text columns use binary (code point) ordering so both backends sort alike.
-- dateLastModified and other date-times are epoch milliseconds (UTC); arrays, nested
-- objects and metadata are JSON text; references hold the target's sourcedId.

CREATE TABLE orgs (
    sourced_id TEXT COLLATE "C" PRIMARY KEY,
    status TEXT COLLATE "C" NOT NULL,
    date_last_modified BIGINT NOT NULL,
    metadata TEXT COLLATE "C",
    name TEXT COLLATE "C",
    type TEXT COLLATE "C",
    identifier TEXT COLLATE "C",
    parent_id TEXT COLLATE "C"
);
CREATE INDEX orgs_dlm_idx ON orgs (date_last_modified);
CREATE INDEX orgs_type_idx ON orgs (type);
CREATE INDEX orgs_parent_id_idx ON orgs (parent_id);
CREATE INDEX orgs_identifier_idx ON orgs (identifier);

CREATE TABLE academic_sessions (
    sourced_id TEXT COLLATE "C" PRIMARY KEY,
    status TEXT COLLATE "C" NOT NULL,
    date_last_modified BIGINT NOT NULL,
    metadata TEXT COLLATE "C",
    title TEXT COLLATE "C",
    start_date TEXT COLLATE "C",
    end_date TEXT COLLATE "C",
    type TEXT COLLATE "C",
    parent_id TEXT COLLATE "C",
    school_year TEXT COLLATE "C"
);
CREATE INDEX academic_sessions_dlm_idx ON academic_sessions (date_last_modified);
CREATE INDEX academic_sessions_type_idx ON academic_sessions (type);
CREATE INDEX academic_sessions_parent_id_idx ON academic_sessions (parent_id);

CREATE TABLE resources (
    sourced_id TEXT COLLATE "C" PRIMARY KEY,
    status TEXT COLLATE "C" NOT NULL,
    date_last_modified BIGINT NOT NULL,
    metadata TEXT COLLATE "C",
    title TEXT COLLATE "C",
    roles TEXT COLLATE "C",
    importance TEXT COLLATE "C",
    vendor_resource_id TEXT COLLATE "C",
    vendor_id TEXT COLLATE "C",
    application_id TEXT COLLATE "C"
);
CREATE INDEX resources_dlm_idx ON resources (date_last_modified);
CREATE INDEX resources_vendor_resource_id_idx ON resources (vendor_resource_id);

CREATE TABLE courses (
    sourced_id TEXT COLLATE "C" PRIMARY KEY,
    status TEXT COLLATE "C" NOT NULL,
    date_last_modified BIGINT NOT NULL,
    metadata TEXT COLLATE "C",
    title TEXT COLLATE "C",
    school_year_id TEXT COLLATE "C",
    course_code TEXT COLLATE "C",
    grades TEXT COLLATE "C",
    subjects TEXT COLLATE "C",
    org_id TEXT COLLATE "C",
    subject_codes TEXT COLLATE "C",
    resources TEXT COLLATE "C"
);
CREATE INDEX courses_dlm_idx ON courses (date_last_modified);
CREATE INDEX courses_org_id_idx ON courses (org_id);
CREATE INDEX courses_school_year_id_idx ON courses (school_year_id);
CREATE INDEX courses_course_code_idx ON courses (course_code);

CREATE TABLE classes (
    sourced_id TEXT COLLATE "C" PRIMARY KEY,
    status TEXT COLLATE "C" NOT NULL,
    date_last_modified BIGINT NOT NULL,
    metadata TEXT COLLATE "C",
    title TEXT COLLATE "C",
    class_code TEXT COLLATE "C",
    class_type TEXT COLLATE "C",
    location TEXT COLLATE "C",
    grades TEXT COLLATE "C",
    subjects TEXT COLLATE "C",
    course_id TEXT COLLATE "C",
    school_id TEXT COLLATE "C",
    terms TEXT COLLATE "C",
    subject_codes TEXT COLLATE "C",
    periods TEXT COLLATE "C",
    resources TEXT COLLATE "C"
);
CREATE INDEX classes_dlm_idx ON classes (date_last_modified);
CREATE INDEX classes_course_id_idx ON classes (course_id);
CREATE INDEX classes_school_id_idx ON classes (school_id);

CREATE TABLE users (
    sourced_id TEXT COLLATE "C" PRIMARY KEY,
    status TEXT COLLATE "C" NOT NULL,
    date_last_modified BIGINT NOT NULL,
    metadata TEXT COLLATE "C",
    user_master_identifier TEXT COLLATE "C",
    username TEXT COLLATE "C",
    user_ids TEXT COLLATE "C",
    enabled_user TEXT COLLATE "C",
    given_name TEXT COLLATE "C",
    family_name TEXT COLLATE "C",
    middle_name TEXT COLLATE "C",
    preferred_first_name TEXT COLLATE "C",
    preferred_middle_name TEXT COLLATE "C",
    preferred_last_name TEXT COLLATE "C",
    pronouns TEXT COLLATE "C",
    roles TEXT COLLATE "C",
    user_profiles TEXT COLLATE "C",
    primary_org_id TEXT COLLATE "C",
    identifier TEXT COLLATE "C",
    email TEXT COLLATE "C",
    sms TEXT COLLATE "C",
    phone TEXT COLLATE "C",
    agents TEXT COLLATE "C",
    grades TEXT COLLATE "C",
    password TEXT COLLATE "C",
    resources TEXT COLLATE "C"
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
    sourced_id TEXT COLLATE "C" PRIMARY KEY,
    status TEXT COLLATE "C" NOT NULL,
    date_last_modified BIGINT NOT NULL,
    metadata TEXT COLLATE "C",
    user_id TEXT COLLATE "C",
    class_id TEXT COLLATE "C",
    school_id TEXT COLLATE "C",
    role TEXT COLLATE "C",
    is_primary TEXT COLLATE "C",
    begin_date TEXT COLLATE "C",
    end_date TEXT COLLATE "C"
);
CREATE INDEX enrollments_dlm_idx ON enrollments (date_last_modified);
CREATE INDEX enrollments_class_id_role_user_id_idx ON enrollments (class_id, role, user_id);
CREATE INDEX enrollments_user_id_role_class_id_idx ON enrollments (user_id, role, class_id);
CREATE INDEX enrollments_school_id_idx ON enrollments (school_id);

CREATE TABLE demographics (
    sourced_id TEXT COLLATE "C" PRIMARY KEY,
    status TEXT COLLATE "C" NOT NULL,
    date_last_modified BIGINT NOT NULL,
    metadata TEXT COLLATE "C",
    birth_date TEXT COLLATE "C",
    sex TEXT COLLATE "C",
    american_indian_or_alaska_native TEXT COLLATE "C",
    asian TEXT COLLATE "C",
    black_or_african_american TEXT COLLATE "C",
    native_hawaiian_or_other_pacific_islander TEXT COLLATE "C",
    white TEXT COLLATE "C",
    demographic_race_two_or_more_races TEXT COLLATE "C",
    hispanic_or_latino_ethnicity TEXT COLLATE "C",
    country_of_birth_code TEXT COLLATE "C",
    state_of_birth_abbreviation TEXT COLLATE "C",
    city_of_birth TEXT COLLATE "C",
    public_school_residence_status TEXT COLLATE "C"
);
CREATE INDEX demographics_dlm_idx ON demographics (date_last_modified);

CREATE TABLE categories (
    sourced_id TEXT COLLATE "C" PRIMARY KEY,
    status TEXT COLLATE "C" NOT NULL,
    date_last_modified BIGINT NOT NULL,
    metadata TEXT COLLATE "C",
    title TEXT COLLATE "C",
    weight DOUBLE PRECISION
);
CREATE INDEX categories_dlm_idx ON categories (date_last_modified);

CREATE TABLE score_scales (
    sourced_id TEXT COLLATE "C" PRIMARY KEY,
    status TEXT COLLATE "C" NOT NULL,
    date_last_modified BIGINT NOT NULL,
    metadata TEXT COLLATE "C",
    title TEXT COLLATE "C",
    type TEXT COLLATE "C",
    course_id TEXT COLLATE "C",
    class_id TEXT COLLATE "C",
    score_scale_value TEXT COLLATE "C"
);
CREATE INDEX score_scales_dlm_idx ON score_scales (date_last_modified);
CREATE INDEX score_scales_class_id_idx ON score_scales (class_id);
CREATE INDEX score_scales_course_id_idx ON score_scales (course_id);

CREATE TABLE line_items (
    sourced_id TEXT COLLATE "C" PRIMARY KEY,
    status TEXT COLLATE "C" NOT NULL,
    date_last_modified BIGINT NOT NULL,
    metadata TEXT COLLATE "C",
    title TEXT COLLATE "C",
    description TEXT COLLATE "C",
    assign_date BIGINT,
    due_date BIGINT,
    class_id TEXT COLLATE "C",
    school_id TEXT COLLATE "C",
    category_id TEXT COLLATE "C",
    grading_period_id TEXT COLLATE "C",
    academic_session_id TEXT COLLATE "C",
    score_scale_id TEXT COLLATE "C",
    result_value_min DOUBLE PRECISION,
    result_value_max DOUBLE PRECISION,
    learning_objective_set TEXT COLLATE "C"
);
CREATE INDEX line_items_dlm_idx ON line_items (date_last_modified);
CREATE INDEX line_items_class_id_idx ON line_items (class_id);
CREATE INDEX line_items_school_id_idx ON line_items (school_id);
CREATE INDEX line_items_category_id_idx ON line_items (category_id);
CREATE INDEX line_items_academic_session_id_idx ON line_items (academic_session_id);
CREATE INDEX line_items_grading_period_id_idx ON line_items (grading_period_id);

CREATE TABLE results (
    sourced_id TEXT COLLATE "C" PRIMARY KEY,
    status TEXT COLLATE "C" NOT NULL,
    date_last_modified BIGINT NOT NULL,
    metadata TEXT COLLATE "C",
    line_item_id TEXT COLLATE "C",
    student_id TEXT COLLATE "C",
    class_id TEXT COLLATE "C",
    score_scale_id TEXT COLLATE "C",
    score_status TEXT COLLATE "C",
    score DOUBLE PRECISION,
    text_score TEXT COLLATE "C",
    score_date TEXT COLLATE "C",
    comment TEXT COLLATE "C",
    learning_objective_set TEXT COLLATE "C",
    in_progress TEXT COLLATE "C",
    incomplete TEXT COLLATE "C",
    late TEXT COLLATE "C",
    missing TEXT COLLATE "C"
);
CREATE INDEX results_dlm_idx ON results (date_last_modified);
CREATE INDEX results_line_item_id_idx ON results (line_item_id);
CREATE INDEX results_student_id_idx ON results (student_id);
CREATE INDEX results_class_id_idx ON results (class_id);

CREATE TABLE assessment_line_items (
    sourced_id TEXT COLLATE "C" PRIMARY KEY,
    status TEXT COLLATE "C" NOT NULL,
    date_last_modified BIGINT NOT NULL,
    metadata TEXT COLLATE "C",
    title TEXT COLLATE "C",
    description TEXT COLLATE "C",
    class_id TEXT COLLATE "C",
    parent_id TEXT COLLATE "C",
    score_scale_id TEXT COLLATE "C",
    result_value_min DOUBLE PRECISION,
    result_value_max DOUBLE PRECISION,
    learning_objective_set TEXT COLLATE "C"
);
CREATE INDEX assessment_line_items_dlm_idx ON assessment_line_items (date_last_modified);
CREATE INDEX assessment_line_items_class_id_idx ON assessment_line_items (class_id);
CREATE INDEX assessment_line_items_parent_id_idx ON assessment_line_items (parent_id);

CREATE TABLE assessment_results (
    sourced_id TEXT COLLATE "C" PRIMARY KEY,
    status TEXT COLLATE "C" NOT NULL,
    date_last_modified BIGINT NOT NULL,
    metadata TEXT COLLATE "C",
    assessment_line_item_id TEXT COLLATE "C",
    student_id TEXT COLLATE "C",
    score DOUBLE PRECISION,
    text_score TEXT COLLATE "C",
    score_date TEXT COLLATE "C",
    score_scale_id TEXT COLLATE "C",
    score_percentile DOUBLE PRECISION,
    score_status TEXT COLLATE "C",
    comment TEXT COLLATE "C",
    learning_objective_set TEXT COLLATE "C",
    in_progress TEXT COLLATE "C",
    incomplete TEXT COLLATE "C",
    late TEXT COLLATE "C",
    missing TEXT COLLATE "C"
);
CREATE INDEX assessment_results_dlm_idx ON assessment_results (date_last_modified);
CREATE INDEX assessment_results_assessment_line_item_id_idx ON assessment_results (assessment_line_item_id);
CREATE INDEX assessment_results_student_id_idx ON assessment_results (student_id);

-- Side tables indexing array elements (rewritten with their owner row).
CREATE TABLE user_roles (
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (sourced_id) ON DELETE CASCADE,
    role_type TEXT COLLATE "C",
    role TEXT COLLATE "C",
    org_id TEXT COLLATE "C",
    begin_date TEXT COLLATE "C",
    end_date TEXT COLLATE "C"
);
CREATE INDEX user_roles_user_id_idx ON user_roles (user_id);
CREATE INDEX user_roles_role_org_id_user_id_idx ON user_roles (role, org_id, user_id);
CREATE INDEX user_roles_org_id_role_user_id_idx ON user_roles (org_id, role, user_id);

CREATE TABLE user_identifiers (
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (sourced_id) ON DELETE CASCADE,
    type TEXT COLLATE "C",
    identifier TEXT COLLATE "C"
);
CREATE INDEX user_identifiers_user_id_idx ON user_identifiers (user_id);
CREATE INDEX user_identifiers_identifier_user_id_idx ON user_identifiers (identifier, user_id);

CREATE TABLE class_terms (
    class_id TEXT COLLATE "C" NOT NULL REFERENCES classes (sourced_id) ON DELETE CASCADE,
    term_id TEXT COLLATE "C",
    PRIMARY KEY (class_id, term_id)
);
CREATE INDEX class_terms_term_id_class_id_idx ON class_terms (term_id, class_id);

-- OAuth 2.0 clients; secrets are argon2id hashes.
CREATE TABLE oauth_clients (
    client_id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL,
    secret_hash TEXT COLLATE "C" NOT NULL,
    scopes TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

-- Token signing keys (Ed25519, PKCS#8 DER in base64) generated when none is configured.
CREATE TABLE signing_keys (
    kid TEXT COLLATE "C" PRIMARY KEY,
    private_key TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL
);
