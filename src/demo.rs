//! A small, realistic, deterministic demo district that exercises every operation: three
//! schools, a school year with terms and grading periods, courses, classes, teachers and
//! students (some with several roles), guardians, demographics, resources, a gradebook and
//! an assessment with results, plus one deleted enrollment for delta queries to find.

use serde_json::{Value, json};

use crate::auth::clients;
use crate::auth::scope::ScopeSet;
use crate::model::Entity;
use crate::model::datetime::now_ms;
use crate::model::entities as e;
use crate::model::input::{Record, parse_record};
use crate::store::{Sql, Store, write};

/// The id of the demo client.
pub const DEMO_CLIENT_ID: &str = "demo-client";

fn r(id: &str) -> Value {
    json!({ "sourcedId": id })
}

fn refs(ids: &[&str]) -> Value {
    Value::Array(ids.iter().map(|i| r(i)).collect())
}

struct Builder {
    now: i64,
    records: Vec<Record>,
}

impl Builder {
    fn add(&mut self, entity: &'static Entity, v: Value) {
        let record = parse_record(entity, &v, None, self.now)
            .unwrap_or_else(|errs| panic!("demo {} is invalid: {errs:?}", entity.singular));
        self.records.push(record);
    }
}

/// id, title, course, school, terms, period.
type ClassRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
);
/// id, given name, family name, (role, org) pairs.
type StaffRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const SCHOOLS: [(&str, &str, &str, &[&str]); 3] = [
    (
        "sch-elm",
        "Elm Street Elementary",
        "NCES-061234000101",
        &["03", "04"],
    ),
    (
        "sch-oak",
        "Oak Ridge Middle School",
        "NCES-061234000202",
        &["07", "08"],
    ),
    (
        "sch-pine",
        "Pine Valley High School",
        "NCES-061234000303",
        &["09", "10"],
    ),
];

const FIRST: [&str; 18] = [
    "Ava", "Liam", "Sofia", "Noah", "Mia", "Mateo", "Amara", "Ethan", "Yuki", "Omar", "Chloe",
    "Diego", "Priya", "Lucas", "Zoe", "Kwame", "Elena", "Finn",
];
const LAST: [&str; 18] = [
    "Nguyen", "Garcia", "Okafor", "Smith", "Kowalski", "Haddad", "Johnson", "Tanaka", "Rossi",
    "Patel", "Brown", "Silva", "Cohen", "Müller", "O'Brien", "Mensah", "Ivanova", "Larsen",
];

/// The demo district as validated records, in dependency order.
pub fn records(now: i64) -> Vec<Record> {
    let mut b = Builder {
        now,
        records: Vec::new(),
    };

    // Orgs.
    b.add(
        &e::ORG,
        json!({"sourcedId": "org-district", "name": "Maple Valley Unified School District",
        "type": "district", "identifier": "MVUSD-0612340", "metadata": {"state": "CA"}}),
    );
    for (id, name, ident, _) in SCHOOLS {
        b.add(
            &e::ORG,
            json!({"sourcedId": id, "name": name, "type": "school",
            "identifier": ident, "parent": r("org-district")}),
        );
    }
    b.add(
        &e::ORG,
        json!({"sourcedId": "org-pine-science", "name": "Pine Valley Science Department",
        "type": "department", "identifier": "PV-SCI", "parent": r("sch-pine")}),
    );

    // Academic sessions: a school year, two terms, four grading periods.
    b.add(&e::ACADEMIC_SESSION, json!({"sourcedId": "as-2025", "title": "2024-2025 School Year",
        "type": "schoolYear", "startDate": "2024-08-19", "endDate": "2025-06-14", "schoolYear": "2025"}));
    for (id, title, start, end) in [
        ("term-fall-2024", "Fall 2024", "2024-08-19", "2025-01-11"),
        (
            "term-spring-2025",
            "Spring 2025",
            "2025-01-13",
            "2025-06-14",
        ),
    ] {
        b.add(
            &e::ACADEMIC_SESSION,
            json!({"sourcedId": id, "title": title, "type": "term",
            "startDate": start, "endDate": end, "schoolYear": "2025", "parent": r("as-2025")}),
        );
    }
    for (id, title, start, end, parent) in [
        (
            "gp-fall-q1",
            "Quarter 1",
            "2024-08-19",
            "2024-10-19",
            "term-fall-2024",
        ),
        (
            "gp-fall-q2",
            "Quarter 2",
            "2024-10-21",
            "2025-01-11",
            "term-fall-2024",
        ),
        (
            "gp-spring-q3",
            "Quarter 3",
            "2025-01-13",
            "2025-03-29",
            "term-spring-2025",
        ),
        (
            "gp-spring-q4",
            "Quarter 4",
            "2025-03-31",
            "2025-06-14",
            "term-spring-2025",
        ),
    ] {
        b.add(
            &e::ACADEMIC_SESSION,
            json!({"sourcedId": id, "title": title, "type": "gradingPeriod",
            "startDate": start, "endDate": end, "schoolYear": "2025", "parent": r(parent)}),
        );
    }

    // Resources.
    b.add(
        &e::RESOURCE,
        json!({"sourcedId": "res-math-text", "title": "Everyday Math, Grade 3",
        "roles": ["student", "teacher"], "importance": "primary", "vendorResourceId": "EM-G3-2024",
        "vendorId": "vendor-emath", "applicationId": "emath-portal"}),
    );
    b.add(
        &e::RESOURCE,
        json!({"sourcedId": "res-bio-lab", "title": "Virtual Biology Lab",
        "roles": ["student"], "importance": "secondary", "vendorResourceId": "VBL-HS"}),
    );
    b.add(
        &e::RESOURCE,
        json!({"sourcedId": "res-reading-app", "title": "Reading Coach",
        "roles": ["student", "ext:tutor"], "vendorResourceId": "RC-APP-7"}),
    );

    // Courses and classes: two per school.
    let courses: [(&str, &str, &str, &str, &str, &str); 6] = [
        (
            "crs-elm-math3",
            "Math 3",
            "MATH-3",
            "sch-elm",
            "Mathematics",
            "03",
        ),
        (
            "crs-elm-read3",
            "Reading 3",
            "READ-3",
            "sch-elm",
            "English Language Arts",
            "03",
        ),
        (
            "crs-oak-sci7",
            "Science 7",
            "SCI-7",
            "sch-oak",
            "Science",
            "07",
        ),
        (
            "crs-oak-eng7",
            "English 7",
            "ENG-7",
            "sch-oak",
            "English Language Arts",
            "07",
        ),
        (
            "crs-pine-bio",
            "Biology",
            "BIO-1",
            "sch-pine",
            "Science",
            "09",
        ),
        (
            "crs-pine-alg1",
            "Algebra I",
            "ALG-1",
            "sch-pine",
            "Mathematics",
            "09",
        ),
    ];
    for (id, title, code, school, subject, grade) in courses {
        let mut c = json!({"sourcedId": id, "title": title, "courseCode": code, "org": r(school),
            "schoolYear": r("as-2025"), "grades": [grade], "subjects": [subject]});
        if id == "crs-elm-math3" {
            c["resources"] = refs(&["res-math-text"]);
        }
        b.add(&e::COURSE, c);
    }
    let classes: [ClassRow; 7] = [
        (
            "cls-elm-math3-a",
            "Math 3 - Room 12",
            "crs-elm-math3",
            "sch-elm",
            &["term-fall-2024", "term-spring-2025"],
            "1",
        ),
        (
            "cls-elm-read3-a",
            "Reading 3 - Room 12",
            "crs-elm-read3",
            "sch-elm",
            &["term-fall-2024", "term-spring-2025"],
            "2",
        ),
        (
            "cls-oak-sci7-1",
            "Science 7 - Period 1",
            "crs-oak-sci7",
            "sch-oak",
            &["term-fall-2024"],
            "1",
        ),
        (
            "cls-oak-eng7-3",
            "English 7 - Period 3",
            "crs-oak-eng7",
            "sch-oak",
            &["term-spring-2025"],
            "3",
        ),
        (
            "cls-pine-bio-2",
            "Biology - Period 2",
            "crs-pine-bio",
            "sch-pine",
            &["term-fall-2024"],
            "2",
        ),
        (
            "cls-pine-bio-5",
            "Biology - Period 5",
            "crs-pine-bio",
            "sch-pine",
            &["term-spring-2025"],
            "5",
        ),
        (
            "cls-pine-alg1-4",
            "Algebra I - Period 4",
            "crs-pine-alg1",
            "sch-pine",
            &["term-fall-2024", "term-spring-2025"],
            "4",
        ),
    ];
    for (id, title, course, school, terms, period) in classes {
        let grade = courses
            .iter()
            .find(|c| c.0 == course)
            .map(|c| c.5)
            .unwrap_or("09");
        let mut c = json!({"sourcedId": id, "title": title, "classCode": id.to_uppercase(),
            "classType": if school == "sch-elm" { "homeroom" } else { "scheduled" },
            "location": format!("Room {}", 10 + period.parse::<u32>().unwrap_or(0)),
            "course": r(course), "school": r(school), "terms": refs(terms), "grades": [grade],
            "periods": [period]});
        match id {
            "cls-elm-math3-a" => c["resources"] = refs(&["res-math-text"]),
            "cls-pine-bio-2" | "cls-pine-bio-5" => c["resources"] = refs(&["res-bio-lab"]),
            "cls-oak-eng7-3" => c["resources"] = refs(&["res-reading-app"]),
            _ => {}
        }
        b.add(&e::CLASS, c);
    }

    // Staff.
    let staff: [StaffRow; 5] = [
        ("tch-1", "Grace", "Hopper", &[("teacher", "sch-elm")]),
        (
            "tch-2",
            "Jamal",
            "Wright",
            &[("teacher", "sch-oak"), ("counselor", "sch-oak")],
        ),
        (
            "tch-3",
            "Mei",
            "Chen",
            &[("teacher", "sch-pine"), ("teacher", "sch-oak")],
        ),
        ("tch-4", "Rosa", "Alvarez", &[("teacher", "sch-pine")]),
        (
            "adm-1",
            "Henry",
            "Adeyemi",
            &[
                ("districtAdministrator", "org-district"),
                ("principal", "sch-pine"),
            ],
        ),
    ];
    for (i, (id, given, family, roles)) in staff.iter().enumerate() {
        let mut seen = Vec::new();
        let roles: Vec<Value> = roles
            .iter()
            .map(|(role, org)| {
                let primary = !seen.contains(org);
                seen.push(*org);
                json!({"roleType": if primary { "primary" } else { "secondary" }, "role": role, "org": r(org)})
            })
            .collect();
        let login = format!("{}.{}", given.to_lowercase(), family.to_lowercase());
        b.add(&e::USER, json!({"sourcedId": id, "enabledUser": "true", "givenName": given,
            "familyName": family, "roles": roles, "username": login,
            "email": format!("{login}@maplevalley.example.org"), "identifier": format!("EMP-{:04}", 1001 + i),
            "primaryOrg": roles[0]["org"].clone(),
            "userIds": [{"type": "LDAP", "identifier": format!("cn={login}")}],
            "userProfiles": [{"profileId": format!("urn:mvusd:sso:{login}"), "profileType": "SSO",
                "vendorId": "mvusd-idp", "credentials": [{"type": "password", "username": login,
                "password": "demo-password-not-returned"}]}]}));
    }

    // Students: six per school, grades from the school's range.
    for (n, (first, last)) in FIRST.iter().zip(LAST).enumerate() {
        let (school, _, _, grades) = SCHOOLS[n / 6];
        let id = format!("stu-{:03}", n + 1);
        let grade = grades[n % grades.len()];
        let login = format!("{}{}", first.to_lowercase(), n + 1);
        let mut roles = vec![
            json!({"roleType": "primary", "role": "student", "org": r(school),
            "beginDate": "2024-08-19"}),
        ];
        if n == 15 {
            // A high-school student who also works as an aide at the elementary school.
            roles.push(json!({"roleType": "primary", "role": "aide", "org": r("sch-elm")}));
        }
        let mut u = json!({"sourcedId": id, "enabledUser": "true", "givenName": first,
            "familyName": last, "roles": roles, "grades": [grade], "username": login,
            "identifier": format!("STU-{:05}", 20001 + n), "email": format!("{login}@students.maplevalley.example.org"),
            "primaryOrg": r(school), "userMasterIdentifier": format!("MV-{:06}", 500001 + n),
            "userIds": [{"type": "StateID", "identifier": format!("CA{:08}", 71000001 + n)}],
            "agents": refs(&[&format!("grd-{:03}", n + 1)])});
        if n % 5 == 0 {
            u["preferredFirstName"] = json!(format!("{}y", &first[..first.len().min(3)]));
            u["pronouns"] = json!("they/them");
        }
        if n < 6 {
            u["resources"] = refs(&["res-math-text"]);
        }
        b.add(&e::USER, u);
        b.add(
            &e::USER,
            json!({"sourcedId": format!("grd-{:03}", n + 1), "enabledUser": "true",
            "givenName": "Parent", "familyName": last,
            "roles": [{"roleType": "primary", "role": "guardian", "org": r(school)}],
            "email": format!("guardian{}@home.example.org", n + 1), "agents": refs(&[&id])}),
        );
        let sex = ["female", "male", "other", "unspecified"][n % 4];
        b.add(&e::DEMOGRAPHICS, json!({"sourcedId": id, "birthDate": format!("20{:02}-0{}-1{}", 9 + n / 3, 1 + n % 9, n % 10),
            "sex": sex, "white": if n % 3 == 0 { "true" } else { "false" },
            "asian": if n % 3 == 1 { "true" } else { "false" },
            "hispanicOrLatinoEthnicity": if n % 4 == 2 { "true" } else { "false" },
            "countryOfBirthCode": "US", "stateOfBirthAbbreviation": "CA", "cityOfBirth": "Sacramento"}));
    }

    // Enrollments: teachers in their classes, students in their school's classes.
    let teaching = [
        ("tch-1", "cls-elm-math3-a"),
        ("tch-1", "cls-elm-read3-a"),
        ("tch-2", "cls-oak-sci7-1"),
        ("tch-3", "cls-oak-eng7-3"),
        ("tch-3", "cls-pine-bio-2"),
        ("tch-4", "cls-pine-bio-5"),
        ("tch-4", "cls-pine-alg1-4"),
    ];
    for (user, class) in teaching {
        let school = classes
            .iter()
            .find(|c| c.0 == class)
            .map(|c| c.3)
            .unwrap_or("");
        b.add(
            &e::ENROLLMENT,
            json!({"sourcedId": format!("enr-{user}-{class}"), "user": r(user),
            "class": r(class), "school": r(school), "role": "teacher", "primary": "true",
            "beginDate": "2024-08-19"}),
        );
    }
    for n in 0..18 {
        let school = SCHOOLS[n / 6].0;
        let user = format!("stu-{:03}", n + 1);
        for (class, _, _, s, _, _) in classes.iter().filter(|c| c.3 == school) {
            // High-school students take one of the two biology sections.
            if *class == "cls-pine-bio-5" && n % 2 == 0 || *class == "cls-pine-bio-2" && n % 2 == 1
            {
                continue;
            }
            b.add(
                &e::ENROLLMENT,
                json!({"sourcedId": format!("enr-{user}-{class}"), "user": r(&user),
                "class": r(class), "school": r(s), "role": "student", "beginDate": "2024-08-19"}),
            );
        }
    }
    // A withdrawn student's enrollment, deleted: visible only to delta queries.
    b.add(&e::ENROLLMENT, json!({"sourcedId": "enr-withdrawn", "status": "tobedeleted",
        "user": r("stu-007"), "class": r("cls-oak-eng7-3"), "school": r("sch-oak"), "role": "student"}));

    // Gradebook.
    b.add(
        &e::CATEGORY,
        json!({"sourcedId": "cat-homework", "title": "Homework", "weight": 0.3}),
    );
    b.add(
        &e::CATEGORY,
        json!({"sourcedId": "cat-tests", "title": "Tests", "weight": 0.7}),
    );
    b.add(&e::SCORE_SCALE, json!({"sourcedId": "ss-letter-bio", "title": "Letter grades", "type": "letter",
        "class": r("cls-pine-bio-2"), "course": r("crs-pine-bio"),
        "scoreScaleValue": [{"itemValueLHS": "90-100", "itemValueRHS": "A"},
            {"itemValueLHS": "80-89", "itemValueRHS": "B"}, {"itemValueLHS": "70-79", "itemValueRHS": "C"},
            {"itemValueLHS": "0-69", "itemValueRHS": "F"}]}));
    let items = [
        (
            "li-bio2-hw1",
            "Cell structure worksheet",
            "cls-pine-bio-2",
            "cat-homework",
            "gp-fall-q1",
        ),
        (
            "li-bio2-test1",
            "Unit 1 test",
            "cls-pine-bio-2",
            "cat-tests",
            "gp-fall-q1",
        ),
        (
            "li-alg1-hw1",
            "Linear equations practice",
            "cls-pine-alg1-4",
            "cat-homework",
            "gp-fall-q1",
        ),
        (
            "li-math3-quiz1",
            "Multiplication quiz",
            "cls-elm-math3-a",
            "cat-tests",
            "gp-fall-q2",
        ),
    ];
    for (id, title, class, cat, gp) in items {
        let school = classes
            .iter()
            .find(|c| c.0 == class)
            .map(|c| c.3)
            .unwrap_or("");
        let mut li = json!({"sourcedId": id, "title": title, "class": r(class), "school": r(school),
            "category": r(cat), "gradingPeriod": r(gp), "academicSession": r("term-fall-2024"),
            "assignDate": "2024-09-03T08:00:00.000Z", "dueDate": "2024-09-10T23:59:00.000Z",
            "resultValueMin": 0.0, "resultValueMax": 100.0});
        if class == "cls-pine-bio-2" {
            li["scoreScale"] = r("ss-letter-bio");
            li["learningObjectiveSet"] = json!([{"source": "case",
                "learningObjectiveIds": ["9f1b1e3c-6c1e-4c4c-9a8e-2f7a3b1d5e01"]}]);
        }
        b.add(&e::LINE_ITEM, li);
    }
    let mut k = 0;
    for (li, _, class, _, _) in items {
        for n in 0..18usize {
            let user = format!("stu-{:03}", n + 1);
            let enrolled = b.records.iter().any(|rec| {
                rec.entity.kind == crate::model::Kind::Enrollment
                    && rec.text("user") == Some(user.as_str())
                    && rec.text("class") == Some(class)
                    && rec.status() == "active"
            });
            if !enrolled {
                continue;
            }
            k += 1;
            let score = 62.0 + ((n * 37 + k * 11) % 39) as f64;
            let mut res = json!({"sourcedId": format!("res-{li}-{user}"), "lineItem": r(li),
                "student": r(&user), "class": r(class), "score": score,
                "scoreStatus": "fully graded", "scoreDate": "2024-09-12", "comment": ""});
            if n % 4 == 0 {
                res["scoreStatus"] = json!("submitted");
                res["late"] = json!("true");
            }
            if li == "li-bio2-test1" {
                res["textScore"] = json!(if score >= 90.0 {
                    "A"
                } else if score >= 80.0 {
                    "B"
                } else {
                    "C"
                });
                res["scoreScale"] = r("ss-letter-bio");
            }
            b.add(&e::RESULT, res);
        }
    }

    // Assessment Results Profile: a state assessment with a strand.
    b.add(&e::ASSESSMENT_LINE_ITEM, json!({"sourcedId": "ali-state-math", "title": "State Math Assessment 2025",
        "description": "End-of-year state mathematics assessment", "resultValueMin": 200.0, "resultValueMax": 600.0}));
    b.add(&e::ASSESSMENT_LINE_ITEM, json!({"sourcedId": "ali-state-math-alg", "title": "Algebra strand",
        "parentAssessmentLineItem": r("ali-state-math"), "class": r("cls-pine-alg1-4"),
        "learningObjectiveSet": [{"source": "unknown", "learningObjectiveIds": ["ALG.1", "ALG.2"]}]}));
    for n in 12..18usize {
        let user = format!("stu-{:03}", n + 1);
        b.add(
            &e::ASSESSMENT_RESULT,
            json!({"sourcedId": format!("ar-state-math-{user}"),
            "assessmentLineItem": r("ali-state-math"), "student": r(&user),
            "score": 380.0 + (n as f64) * 9.5, "scorePercentile": 40.0 + (n as f64) * 3.0,
            "scoreStatus": "fully graded", "scoreDate": "2025-05-20"}),
        );
    }
    b.records
}

/// Loads the demo district unless it is already there. Returns whether it was loaded.
pub async fn load(store: &Store) -> anyhow::Result<bool> {
    let mut probe = Sql::new("SELECT 1 FROM orgs WHERE sourced_id = ");
    probe.bind("org-district");
    if store.exists(&probe).await? {
        return Ok(false);
    }
    let records = records(now_ms());
    let mut tx = store.begin().await?;
    for entity in e::ALL {
        let batch: Vec<&Record> = records
            .iter()
            .filter(|r| r.entity.kind == entity.kind)
            .collect();
        write::upsert(&mut tx, &batch).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Creates (or re-keys) the demo client with every scope; returns its secret.
pub async fn demo_client(store: &Store) -> anyhow::Result<String> {
    let mut del = Sql::new("DELETE FROM oauth_clients WHERE client_id = ");
    del.bind(DEMO_CLIENT_ID);
    store.execute(&del).await?;
    let (_, secret) = clients::create(
        store,
        "Demo client (all scopes)",
        ScopeSet::all(),
        Some(DEMO_CLIENT_ID),
        None,
    )
    .await?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_records_are_valid_and_cover_every_kind() {
        let recs = records(0);
        for entity in e::ALL {
            assert!(
                recs.iter().any(|r| r.entity.kind == entity.kind),
                "no demo {}",
                entity.singular
            );
        }
        let mut ids: Vec<_> = recs
            .iter()
            .map(|r| (r.entity.kind, r.sourced_id.clone()))
            .collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate demo sourcedIds");
    }
}
