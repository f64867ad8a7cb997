//! Every list and relationship query is served by indexes, on both backends.
//!
//! A mid-sized district is written straight into the database, statistics are gathered as
//! autovacuum (PostgreSQL) or `ANALYZE` (SQLite) would, and the SQL the engine generates for
//! every list operation is explained; on SQLite also before `ANALYZE`, since the embedded
//! server never gathers statistics. The parents named in paths are chosen small, the way a
//! class, a student or a term is small next to a district: for such a lookup an index is the
//! only sensible plan, so a full read of a large table means that no index can serve the
//! query (a missing index, or a query shape the planner cannot use). Collections read their
//! whole table to count it, but must page in key order, and the fields consumers filter on
//! most (dateLastModified, status, email, identifiers, username, roles) are looked up through
//! their indexes.

use oneroster::api::{Action, OPERATIONS, Operation};
use oneroster::model::datetime::format_datetime;
use oneroster::query::{ListParams, ParamSet};
use oneroster::store::plan::{self, ListPlan, View};
use oneroster::store::{Dialect, Sql, Store, StoreOptions};

use crate::common::*;

const USERS: i64 = 20_000;
const SCHOOLS: i64 = 20;
const COURSES: i64 = 100;
const CLASSES: i64 = 4_000;
const ENROLLMENTS: i64 = 40_000;
const LINE_ITEMS: i64 = 4_000;
const RESULTS: i64 = 20_000;
/// `dateLastModified` of the district; users and enrollments were modified after it, in turn.
const T0: i64 = 1_700_000_000_000;
/// A delta sync's cut-off: later than all but the last few dozen users and enrollments.
const RECENT: i64 = T0 + 39_900;

/// Tables large enough that reading one in full for a lookup is a defect.
const LARGE: [&str; 8] = [
    "users",
    "enrollments",
    "classes",
    "results",
    "line_items",
    "user_roles",
    "user_identifiers",
    "class_terms",
];

/// `FROM`-clause source of the integers `0..n` as `s(i)`.
fn series(dialect: Dialect, n: i64) -> String {
    match dialect {
        Dialect::Postgres => format!("generate_series(0, {}) AS s(i)", n - 1),
        Dialect::Sqlite => format!(
            "(WITH RECURSIVE q(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM q WHERE i < {}) SELECT i FROM q) AS s",
            n - 1
        ),
    }
}

/// Role of user `i`: one in twenty is a teacher, one in twenty a guardian, a rare few aides,
/// the rest students.
const ROLE: &str = "CASE WHEN i % 1000 = 7 THEN 'aide' WHEN i % 20 = 0 THEN 'teacher' \
                    WHEN i % 20 = 1 THEN 'guardian' ELSE 'student' END";
/// School of user `i`: twenty large schools and a small one.
const USER_SCHOOL: &str =
    "CASE WHEN i >= 19950 THEN 'p-sch-small' ELSE 'p-sch-' || ((i / 20) % 20) END";

/// School of class `x` (an SQL integer expression).
fn class_school(x: &str) -> String {
    format!("CASE WHEN {x} >= 3990 THEN 'p-sch-small' ELSE 'p-sch-' || ({x} % {SCHOOLS}) END")
}

/// Term of class `x`.
fn class_term(x: &str) -> String {
    format!("CASE WHEN {x} >= 3996 THEN 'p-term-small' ELSE 'p-term-' || ({x} % 4) END")
}

async fn fill(store: &Store) {
    let d = store.dialect;
    let s = |n| series(d, n);
    let statements = [
        format!(
            "INSERT INTO orgs (sourced_id, status, date_last_modified, name, type, identifier) \
                 VALUES ('p-district', 'active', {T0}, 'District', 'district', 'D')"
        ),
        format!(
            "INSERT INTO orgs (sourced_id, status, date_last_modified, name, type, identifier, parent_id) \
                 SELECT 'p-sch-' || i, 'active', {T0}, 'School ' || i, 'school', 'S' || i, 'p-district' FROM {}",
            s(SCHOOLS)
        ),
        format!(
            "INSERT INTO orgs (sourced_id, status, date_last_modified, name, type, identifier, parent_id) \
                 VALUES ('p-sch-small', 'active', {T0}, 'Small school', 'school', 'SS', 'p-district')"
        ),
        format!(
            "INSERT INTO academic_sessions (sourced_id, status, date_last_modified, title, start_date, end_date, type, school_year) \
                 VALUES ('p-year', 'active', {T0}, 'Year', '2024-08-01', '2025-07-01', 'schoolYear', '2025')"
        ),
        format!(
            "INSERT INTO academic_sessions (sourced_id, status, date_last_modified, title, start_date, end_date, type, parent_id, school_year) \
                 SELECT 'p-term-' || i, 'active', {T0}, 'Term ' || i, '2024-08-01', '2025-07-01', 'term', 'p-year', '2025' FROM {}",
            s(4)
        ),
        format!(
            "INSERT INTO academic_sessions (sourced_id, status, date_last_modified, title, start_date, end_date, type, parent_id, school_year) \
                 VALUES ('p-term-small', 'active', {T0}, 'Summer', '2025-07-01', '2025-08-01', 'term', 'p-year', '2025')"
        ),
        format!(
            "INSERT INTO academic_sessions (sourced_id, status, date_last_modified, title, start_date, end_date, type, parent_id, school_year) \
                 SELECT 'p-gp-' || i, 'active', {T0}, 'GP ' || i, '2024-08-01', '2025-07-01', 'gradingPeriod', \
                 CASE WHEN i >= 8 THEN 'p-term-small' ELSE 'p-term-' || (i / 2) END, '2025' FROM {}",
            s(10)
        ),
        format!(
            "INSERT INTO resources (sourced_id, status, date_last_modified, title, vendor_resource_id) \
                 SELECT 'p-res-' || i, 'active', {T0}, 'Resource ' || i, 'V' || i FROM {}",
            s(50)
        ),
        format!(
            "INSERT INTO courses (sourced_id, status, date_last_modified, title, course_code, org_id, school_year_id, resources) \
                 SELECT 'p-crs-' || i, 'active', {T0}, 'Course ' || i, 'C' || i, \
                 CASE WHEN i >= 98 THEN 'p-sch-small' ELSE 'p-sch-' || (i % {SCHOOLS}) END, 'p-year', \
                 '[\"p-res-' || (i % 50) || '\"]' FROM {}",
            s(COURSES)
        ),
        format!(
            "INSERT INTO classes (sourced_id, status, date_last_modified, title, class_code, course_id, school_id, terms, resources) \
                 SELECT 'p-cls-' || i, 'active', {T0}, 'Class ' || i, 'K' || i, 'p-crs-' || (i % {COURSES}), {}, \
                 '[\"' || {} || '\"]', '[\"p-res-' || (i % 50) || '\"]' FROM {}",
            class_school("i"),
            class_term("i"),
            s(CLASSES)
        ),
        format!(
            "INSERT INTO class_terms (class_id, term_id) SELECT 'p-cls-' || i, {} FROM {}",
            class_term("i"),
            s(CLASSES)
        ),
        format!(
            "INSERT INTO users (sourced_id, status, date_last_modified, username, user_ids, enabled_user, given_name, family_name, \
                 roles, primary_org_id, identifier, email, resources) \
                 SELECT 'p-u-' || i, CASE WHEN i % 100 = 99 THEN 'tobedeleted' ELSE 'active' END, {T0} + 2 * i, 'user' || i, \
                 '[{{\"type\":\"SIS\",\"identifier\":\"SIS-' || i || '\"}}]', 'true', 'Given' || (i % 500), 'Family' || (i % 700), \
                 '[{{\"roleType\":\"primary\",\"role\":\"' || {ROLE} || '\",\"org\":\"' || {USER_SCHOOL} || '\"}}]', \
                 {USER_SCHOOL}, 'ID-' || i, 'user' || i || '@example.org', '[\"p-res-' || (i % 50) || '\"]' FROM {}",
            s(USERS)
        ),
        format!(
            "INSERT INTO user_roles (user_id, role_type, role, org_id) \
                 SELECT 'p-u-' || i, 'primary', {ROLE}, {USER_SCHOOL} FROM {}",
            s(USERS)
        ),
        format!(
            "INSERT INTO user_identifiers (user_id, type, identifier) SELECT 'p-u-' || i, 'SIS', 'SIS-' || i FROM {}",
            s(USERS)
        ),
        format!(
            "INSERT INTO demographics (sourced_id, status, date_last_modified, sex) \
                 SELECT 'p-u-' || i, 'active', {T0}, 'other' FROM {}",
            s(2_000)
        ),
        // Ten enrollments per class: a teacher and nine students (about four classes each).
        format!(
            "INSERT INTO enrollments (sourced_id, status, date_last_modified, user_id, class_id, school_id, role) \
                 SELECT 'p-enr-' || i, 'active', {T0} + i, \
                 CASE WHEN i % 10 = 0 THEN 'p-u-' || ((i / 10 * 20) % {USERS}) \
                 ELSE 'p-u-' || ((i * 37) % 1000 * 20 + 2 + i % 18) END, \
                 'p-cls-' || (i / 10), {}, CASE WHEN i % 10 = 0 THEN 'teacher' ELSE 'student' END FROM {}",
            class_school("(i / 10)"),
            s(ENROLLMENTS)
        ),
        format!(
            "INSERT INTO categories (sourced_id, status, date_last_modified, title) \
                 SELECT 'p-cat-' || i, 'active', {T0}, 'Category ' || i FROM {}",
            s(10)
        ),
        format!(
            "INSERT INTO score_scales (sourced_id, status, date_last_modified, title, type, class_id, course_id, score_scale_value) \
                 SELECT 'p-ss-' || i, 'active', {T0}, 'Scale ' || i, 'letter', 'p-cls-' || i, 'p-crs-' || (i % {COURSES}), \
                 '[{{\"itemValueLHS\":\"90\",\"itemValueRHS\":\"A\"}}]' FROM {}",
            s(CLASSES)
        ),
        format!(
            "INSERT INTO line_items (sourced_id, status, date_last_modified, title, assign_date, due_date, class_id, school_id, \
                 category_id, grading_period_id, academic_session_id) \
                 SELECT 'p-li-' || i, 'active', {T0}, 'Item ' || i, {T0}, {T0}, 'p-cls-' || (i % {CLASSES}), {}, \
                 'p-cat-' || (i % 10), 'p-gp-' || (i % 8), 'p-term-' || (i % 4) FROM {}",
            class_school(&format!("(i % {CLASSES})")),
            s(LINE_ITEMS)
        ),
        format!(
            "INSERT INTO results (sourced_id, status, date_last_modified, line_item_id, student_id, class_id, score_status, score) \
                 SELECT 'p-r-' || i, 'active', {T0}, 'p-li-' || (i % {LINE_ITEMS}), 'p-u-' || ((i * 20 + 2) % {USERS}), \
                 'p-cls-' || ((i % {LINE_ITEMS}) % {CLASSES}), 'fully graded', i % 100 FROM {}",
            s(RESULTS)
        ),
        format!(
            "INSERT INTO assessment_line_items (sourced_id, status, date_last_modified, title, class_id) \
                 SELECT 'p-ali-' || i, 'active', {T0}, 'Assessment ' || i, 'p-cls-' || i FROM {}",
            s(200)
        ),
        format!(
            "INSERT INTO assessment_results (sourced_id, status, date_last_modified, assessment_line_item_id, student_id, score_status) \
                 SELECT 'p-ar-' || i, 'active', {T0}, 'p-ali-' || (i % 200), 'p-u-' || ((i * 20 + 2) % {USERS}), 'fully graded' FROM {}",
            s(4_000)
        ),
    ];
    for stmt in statements {
        store
            .execute(&Sql::new(&stmt))
            .await
            .unwrap_or_else(|e| panic!("{e}: {stmt}"));
    }
}

/// Gathers statistics as autovacuum would (and a visibility map, for index-only scans).
async fn gather_statistics(store: &Store) {
    let analyze = match store.dialect {
        Dialect::Postgres => "VACUUM ANALYZE",
        Dialect::Sqlite => "ANALYZE",
    };
    store.execute(&Sql::new(analyze)).await.expect("analyze");
}

/// A real, small parent for each kind of parent a path can name.
fn parent_id(view: &View) -> &'static str {
    match view.name {
        "schools" => "p-sch-small",
        "classes" => "p-cls-17",
        "courses" => "p-crs-5",
        "terms" => "p-term-small",
        "students" | "users" => "p-u-42",
        "teachers" => "p-u-500",
        "lineItems" => "p-li-17",
        other => panic!("no parent id for {other}"),
    }
}

/// A store with new connections, which see the statistics as they are now. SQLite loads them
/// with the schema, so the test's pool (opened before) may not see new ones, whereas a
/// restarted server would; PostgreSQL's statistics are shared by every connection.
async fn reopened(store: &Store) -> Store {
    match store.dialect {
        Dialect::Postgres => store.clone(),
        Dialect::Sqlite => {
            let files = store
                .fetch_map(&Sql::new("PRAGMA database_list"), |row| {
                    Ok(row.text(2)?.unwrap_or_default().to_string())
                })
                .await
                .expect("database file");
            Store::connect(&StoreOptions {
                url: format!("sqlite:{}", files[0]),
                pool_size: 1,
                acquire_timeout: std::time::Duration::from_secs(30),
                statement_timeout: std::time::Duration::from_secs(60),
            })
            .await
            .expect("reopen")
        }
    }
}

/// One explained statement.
struct Plan {
    what: String,
    sql: String,
    /// PostgreSQL: the lines of `EXPLAIN`. SQLite: the `detail` of each `EXPLAIN QUERY PLAN`
    /// row, with whether it belongs to the outermost query.
    lines: Vec<(bool, String)>,
}

impl Plan {
    fn text(&self) -> String {
        let lines: Vec<&str> = self.lines.iter().map(|(_, l)| l.as_str()).collect();
        format!("{}\n{}\n{}", self.what, self.sql, lines.join("\n"))
    }

    /// The large tables read in full, with the plan line that does it: PostgreSQL `Seq Scan`s
    /// and index scans without an index condition; SQLite `SCAN`s (through the table or a
    /// whole index). Partial indexes of tombstones hold only deleted rows: reading one is not a
    /// full read.
    fn full_reads(&self, dialect: Dialect) -> Vec<(String, String)> {
        let mut found = Vec::new();
        match dialect {
            Dialect::Postgres => {
                for (i, (_, line)) in self.lines.iter().enumerate() {
                    let node = line.trim_start().trim_start_matches("->").trim();
                    let Some(table) = pg_scanned_table(node) else {
                        continue;
                    };
                    if !LARGE.contains(&table) || node.contains("_tombstones_idx") {
                        continue;
                    }
                    if node.starts_with("Seq Scan") || !pg_has_index_cond(&self.lines, i) {
                        found.push((table.to_string(), node.to_string()));
                    }
                }
            }
            Dialect::Sqlite => {
                let aliases = sql_aliases(&self.sql);
                for (_, line) in &self.lines {
                    let Some(rest) = line.strip_prefix("SCAN ") else {
                        continue;
                    };
                    if rest.contains("VIRTUAL TABLE") || rest.contains("_tombstones_idx") {
                        continue;
                    }
                    let alias = rest.split_whitespace().next().unwrap_or("");
                    for (_, table) in aliases
                        .iter()
                        .filter(|(a, t)| a == alias && LARGE.contains(&t.as_str()))
                    {
                        found.push((table.clone(), line.clone()));
                    }
                }
            }
        }
        found
    }

    /// Whether the listed rows (alias `t`) are sorted after being read, rather than read in
    /// key order.
    fn sorts_rows(&self, dialect: Dialect) -> bool {
        self.lines.iter().any(|(top, line)| match dialect {
            Dialect::Postgres => line
                .trim_start()
                .strip_prefix("Sort Key: ")
                .is_some_and(|key| key.starts_with("t.") || key.starts_with("sourced_id")),
            Dialect::Sqlite => *top && line.starts_with("USE TEMP B-TREE FOR ORDER BY"),
        })
    }

    fn uses(&self, index: &str) -> bool {
        self.lines.iter().any(|(_, l)| l.contains(index))
    }
}

/// The table a PostgreSQL plan node scans (`Seq Scan on users t`, `Index Scan using x on
/// users t`; bitmap heap scans always carry their index scan).
fn pg_scanned_table(node: &str) -> Option<&str> {
    if !(node.starts_with("Seq Scan on ")
        || node.starts_with("Index Scan ")
        || node.starts_with("Index Only Scan "))
    {
        return None;
    }
    let (_, after) = node.split_once(" on ")?;
    after.split_whitespace().next()
}

/// Whether the plan node on line `i` has an `Index Cond` (its detail lines are indented under
/// it, up to its first child node).
fn pg_has_index_cond(lines: &[(bool, String)], i: usize) -> bool {
    let indent = |s: &str| s.len() - s.trim_start().len();
    let own = indent(&lines[i].1);
    lines[i + 1..]
        .iter()
        .map(|(_, l)| l)
        .take_while(|l| indent(l) > own && !l.trim_start().starts_with("->"))
        .any(|l| l.trim_start().starts_with("Index Cond:"))
}

/// `(alias, table)` for every `FROM <table> <alias>` and `JOIN <table> <alias>` of a statement.
fn sql_aliases(sql: &str) -> Vec<(String, String)> {
    let tokens: Vec<&str> = sql
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',')
        .filter(|t| !t.is_empty())
        .collect();
    let tables: Vec<&str> = oneroster::model::entities::ALL
        .iter()
        .map(|e| e.table)
        .chain(LARGE)
        .collect();
    tokens
        .windows(3)
        .filter(|w| (w[0] == "FROM" || w[0] == "JOIN") && tables.contains(&w[1]))
        .map(|w| (w[2].to_string(), w[1].to_string()))
        .collect()
}

async fn explain(store: &Store, what: String, sql: Sql) -> Plan {
    let text = sql.debug_text();
    let (prefix, detail) = match store.dialect {
        Dialect::Postgres => ("EXPLAIN ", 0),
        Dialect::Sqlite => ("EXPLAIN QUERY PLAN ", 3),
    };
    let mut q = Sql::new(prefix);
    q.append(sql);
    let lines = store
        .fetch_map(&q, |row| {
            let top = match store.dialect {
                Dialect::Postgres => true,
                Dialect::Sqlite => row.int(1)? == Some(0),
            };
            Ok((top, row.text(detail)?.unwrap_or_default().to_string()))
        })
        .await
        .unwrap_or_else(|e| panic!("cannot explain {what}: {e:#}\n{text}"));
    Plan {
        what,
        sql: text,
        lines,
    }
}

/// The count and page statements of a list operation, explained.
async fn plans(store: &Store, op: &Operation, query: &str) -> [Plan; 2] {
    let Action::List { view, parents } = &op.action else {
        panic!("{} is not a list", op.id)
    };
    let links = parents
        .iter()
        .filter_map(|p| p.link.as_ref().map(|l| (l, parent_id(p.view))))
        .collect();
    let params = ListParams::parse(Some(query), ParamSet::Collection).expect("query");
    let fields = plan::selection(view.entity, params.fields.as_deref(), false).expect("fields");
    let list = ListPlan {
        view,
        links,
        params: &params,
    };
    let d = store.dialect;
    let what = |s: &str| format!("{} ?{query} ({s})", op.id);
    [
        explain(store, what("count"), list.count_sql(d).expect("count")).await,
        explain(
            store,
            what("page"),
            list.page_sql(d, &fields, 100).expect("page"),
        )
        .await,
    ]
}

fn lists() -> impl Iterator<Item = &'static Operation> {
    OPERATIONS
        .iter()
        .filter(|op| matches!(op.action, Action::List { .. }))
}

fn is_relationship(op: &Operation) -> bool {
    op.parents().iter().any(|p| p.link.is_some())
}

fn list_table(op: &Operation) -> &'static str {
    match &op.action {
        Action::List { view, .. } => view.entity.table,
        _ => unreachable!(),
    }
}

/// Checked plans and what is wrong with them.
#[derive(Default)]
struct Findings {
    checked: usize,
    failures: Vec<String>,
}

impl Findings {
    fn check(&mut self, plan: &Plan, problem: Option<String>) {
        self.checked += 1;
        if let Some(problem) = problem {
            self.failures.push(format!("{problem}:\n{}", plan.text()));
        }
    }
}

/// Relationships: no large table is read in full, whatever the query adds.
async fn check_relationships(store: &Store, found: &mut Findings) {
    let d = store.dialect;
    let variants = [
        "",
        "filter=dateLastModified%3E%272000-01-01%27",
        "filter=status%3D%27tobedeleted%27",
        "sort=dateLastModified&orderBy=desc",
    ];
    for op in lists().filter(|op| is_relationship(op)) {
        for q in variants {
            for plan in plans(store, op, q).await {
                let full = plan.full_reads(d);
                found.check(
                    &plan,
                    (!full.is_empty()).then(|| format!("reads {full:?} in full")),
                );
            }
        }
    }
}

/// Collections of large tables page in key order, without sorting the table.
async fn check_collection_order(store: &Store, found: &mut Findings) {
    for op in lists().filter(|op| !is_relationship(op) && LARGE.contains(&list_table(op))) {
        let [_, page] = plans(store, op, "").await;
        let sorts = page.sorts_rows(store.dialect);
        found.check(&page, sorts.then(|| "sorts the whole table".to_string()));
    }
}

/// SQLite checks the students' and teachers' role user by user: each check must be one probe
/// of that user's roles, not a read of every holder of the role. (PostgreSQL plans the check as
/// a semi-join, checked by the other rules.)
async fn check_role_lookups(store: &Store, found: &mut Findings) {
    if store.dialect != Dialect::Sqlite {
        return;
    }
    for id in ["getAllStudents", "getAllTeachers"] {
        let op = lists().find(|op| op.id == id).expect(id);
        for plan in plans(store, op, "").await {
            let keyed = plan
                .lines
                .iter()
                .any(|(_, l)| l.starts_with("SEARCH r ") && l.contains("(user_id=? AND role=?)"));
            found.check(
                &plan,
                (!keyed).then(|| "does not look up the user's own roles".to_string()),
            );
        }
    }
}

/// Delta syncs (by date or by status) find the changed rows of large collections through an
/// index, and so do the user filters consumers send.
async fn check_filters(store: &Store, found: &mut Findings) {
    let d = store.dialect;
    let recent = format_datetime(RECENT);
    for op in lists().filter(|op| !is_relationship(op) && LARGE.contains(&list_table(op))) {
        let table = list_table(op);
        for (q, index) in [
            (
                format!("filter=dateLastModified%3E%27{recent}%27"),
                format!("{table}_dlm_idx"),
            ),
            (
                "filter=status%3D%27tobedeleted%27".to_string(),
                format!("{table}_tombstones_idx"),
            ),
        ] {
            for plan in plans(store, op, &q).await {
                // The students' role check may read user_roles whole: nine in ten hold it.
                let full: Vec<_> = plan
                    .full_reads(d)
                    .into_iter()
                    .filter(|(t, _)| t == table)
                    .collect();
                let bad = !full.is_empty() || !plan.uses(&index);
                found.check(
                    &plan,
                    bad.then(|| {
                        format!("does not find the rows through {index} (full reads {full:?})")
                    }),
                );
            }
        }
    }
    let users = lists()
        .find(|o| o.id == "getAllUsers")
        .expect("getAllUsers");
    for (q, index) in [
        (
            "filter=email%3D%27user77%40example.org%27",
            "users_email_idx",
        ),
        ("filter=username%3D%27user77%27", "users_username_idx"),
        ("filter=identifier%3D%27ID-77%27", "users_identifier_idx"),
        (
            "filter=userIds.identifier%3D%27SIS-77%27",
            "user_identifiers_identifier_user_id_idx",
        ),
        (
            "filter=roles.role%3D%27aide%27",
            "user_roles_role_org_id_user_id_idx",
        ),
        (
            "filter=role%3D%27aide%27",
            "user_roles_role_org_id_user_id_idx",
        ),
        (
            "filter=roles.org.sourcedId%3D%27p-sch-small%27",
            "user_roles_org_id_role_user_id_idx",
        ),
        (
            "filter=roles.role%3D%27aide%27%20AND%20roles.org.sourcedId%3D%27p-sch-small%27",
            "user_roles_",
        ),
    ] {
        for plan in plans(store, users, q).await {
            let full = plan.full_reads(d);
            let bad = !full.is_empty() || !plan.uses(index);
            found.check(
                &plan,
                bad.then(|| format!("does not use {index} (full reads {full:?})")),
            );
        }
    }
}

both!(
    async fn every_list_and_relationship_query_is_index_backed(app) {
        fill(app.store()).await;
        let mut found = Findings::default();
        if app.backend == Backend::Sqlite {
            // The embedded server never gathers statistics: its plans must be sound without.
            let store = reopened(app.store()).await;
            check_relationships(&store, &mut found).await;
            check_collection_order(&store, &mut found).await;
            check_role_lookups(&store, &mut found).await;
        }
        gather_statistics(app.store()).await;
        let store = reopened(app.store()).await;
        check_relationships(&store, &mut found).await;
        check_collection_order(&store, &mut found).await;
        check_role_lookups(&store, &mut found).await;
        check_filters(&store, &mut found).await;
        assert!(found.checked > 250, "only {} plans checked", found.checked);
        assert!(
            found.failures.is_empty(),
            "{} of {} plans are not index-backed:\n\n{}",
            found.failures.len(),
            found.checked,
            found.failures.join("\n\n")
        );
    }
);
