//! `oneroster generate`: a small package read back with the zip and csv crates — manifest,
//! exact headers, formats, references, the documented ratios — and every row checked as
//! OneRoster data by the server's own model (`parse_record`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use oneroster::generate::{self, Options};
use oneroster::model::datetime::{is_date, is_year};
use oneroster::model::entities as e;
use oneroster::model::input::parse_record;
use oneroster::model::{Entity, Kind};
use serde_json::{Map, Value, json};

const STUDENTS: u32 = 300;
const SEED: u64 = 7;
/// The day the package describes: no result is dated after it.
const AS_OF: &str = "2025-10-17";

/// The 21 files of the CSV binding: name, exact header, required columns. Copied from the
/// reference's compiled column list (`or12_csv_columns.compiled.json`), independently of the
/// generator's own table.
const BINDING: [(&str, &str, &str); 21] = [
    (
        "academicSessions",
        "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear",
        "sourcedId,title,type,startDate,endDate,schoolYear",
    ),
    (
        "categories",
        "sourcedId,status,dateLastModified,title,weight",
        "sourcedId,title",
    ),
    (
        "classes",
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
        "sourcedId,title,courseSourcedId,classType,schoolSourcedId,termSourcedIds",
    ),
    (
        "classResources",
        "sourcedId,status,dateLastModified,title,classSourcedId,resourceSourcedId",
        "sourcedId,classSourcedId,resourceSourcedId",
    ),
    (
        "courseResources",
        "sourcedId,status,dateLastModified,title,courseSourcedId,resourceSourcedId",
        "sourcedId,courseSourcedId,resourceSourcedId",
    ),
    (
        "courses",
        "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes",
        "sourcedId,title,orgSourcedId",
    ),
    (
        "demographics",
        "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus",
        "sourcedId",
    ),
    (
        "enrollments",
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate",
        "sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role",
    ),
    (
        "lineItemLearningObjectiveIds",
        "sourcedId,status,dateLastModified,lineItemSourcedId,source,learningObjectiveId",
        "sourcedId,lineItemSourcedId,source,learningObjectiveId",
    ),
    (
        "lineItems",
        "sourcedId,status,dateLastModified,title,description,assignDate,dueDate,classSourcedId,categorySourcedId,academicSessionSourcedId,resultValueMin,resultValueMax,schoolSourcedId",
        "sourcedId,title,assignDate,dueDate,classSourcedId,categorySourcedId,academicSessionSourcedId,schoolSourcedId",
    ),
    (
        "lineItemScoreScales",
        "sourcedId,status,dateLastModified,title,lineItemSourcedId,scoreScaleSourcedId",
        "sourcedId,lineItemSourcedId,scoreScaleSourcedId",
    ),
    (
        "orgs",
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
        "sourcedId,name,type",
    ),
    (
        "resources",
        "sourcedId,status,dateLastModified,vendorResourceId,title,roles,importance,vendorId,applicationId",
        "sourcedId,vendorResourceId",
    ),
    (
        "resultLearningObjectiveIds",
        "sourcedId,status,dateLastModified,resultSourcedId,source,learningObjectiveId,score,textScore",
        "sourcedId,resultSourcedId,source,learningObjectiveId",
    ),
    (
        "results",
        "sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,score,scoreDate,comment,textScore,classSourcedId,inProgress,incomplete,late,missing",
        "sourcedId,lineItemSourcedId,studentSourcedId,scoreStatus,scoreDate",
    ),
    (
        "resultScoreScales",
        "sourcedId,status,dateLastModified,title,resultSourcedId,scoreScaleSourcedId",
        "sourcedId,resultSourcedId,scoreScaleSourcedId",
    ),
    (
        "roles",
        "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId",
        "sourcedId,userSourcedId,roleType,role,orgSourcedId",
    ),
    (
        "scoreScales",
        "sourcedId,status,dateLastModified,title,type,orgSourcedId,courseSourcedId,classSourcedId,scoreScaleValue",
        "sourcedId,title,type,orgSourcedId,courseSourcedId,classSourcedId,scoreScaleValue",
    ),
    (
        "userProfiles",
        "sourcedId,status,dateLastModified,userSourcedId,profileType,vendorId,applicationId,description,credentialType,username,password",
        "sourcedId,userSourcedId,profileType,vendorId,credentialType,username",
    ),
    (
        "userResources",
        "sourcedId,status,dateLastModified,userSourcedId,orgSourcedId,classSourcedId,resourceSourcedId",
        "sourcedId,userSourcedId,resourceSourcedId",
    ),
    (
        "users",
        "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns",
        "sourcedId,enabledUser,username,givenName,familyName",
    ),
];

/// References between files: (file, column, target file, whether the cell is a list).
const REFERENCES: [(&str, &str, &str, bool); 36] = [
    (
        "academicSessions",
        "parentSourcedId",
        "academicSessions",
        false,
    ),
    ("orgs", "parentSourcedId", "orgs", false),
    ("courses", "schoolYearSourcedId", "academicSessions", false),
    ("courses", "orgSourcedId", "orgs", false),
    ("classes", "courseSourcedId", "courses", false),
    ("classes", "schoolSourcedId", "orgs", false),
    ("classes", "termSourcedIds", "academicSessions", true),
    ("users", "agentSourcedIds", "users", true),
    ("users", "primaryOrgSourcedId", "orgs", false),
    ("roles", "userSourcedId", "users", false),
    ("roles", "orgSourcedId", "orgs", false),
    ("roles", "userProfileSourcedId", "userProfiles", false),
    ("userProfiles", "userSourcedId", "users", false),
    ("enrollments", "classSourcedId", "classes", false),
    ("enrollments", "schoolSourcedId", "orgs", false),
    ("enrollments", "userSourcedId", "users", false),
    ("demographics", "sourcedId", "users", false),
    ("lineItems", "classSourcedId", "classes", false),
    ("lineItems", "categorySourcedId", "categories", false),
    (
        "lineItems",
        "academicSessionSourcedId",
        "academicSessions",
        false,
    ),
    ("lineItems", "schoolSourcedId", "orgs", false),
    ("results", "lineItemSourcedId", "lineItems", false),
    ("results", "studentSourcedId", "users", false),
    ("results", "classSourcedId", "classes", false),
    ("scoreScales", "orgSourcedId", "orgs", false),
    ("scoreScales", "courseSourcedId", "courses", false),
    ("scoreScales", "classSourcedId", "classes", false),
    (
        "lineItemScoreScales",
        "lineItemSourcedId",
        "lineItems",
        false,
    ),
    (
        "lineItemScoreScales",
        "scoreScaleSourcedId",
        "scoreScales",
        false,
    ),
    (
        "lineItemLearningObjectiveIds",
        "lineItemSourcedId",
        "lineItems",
        false,
    ),
    ("resultScoreScales", "resultSourcedId", "results", false),
    (
        "resultScoreScales",
        "scoreScaleSourcedId",
        "scoreScales",
        false,
    ),
    (
        "resultLearningObjectiveIds",
        "resultSourcedId",
        "results",
        false,
    ),
    ("classResources", "classSourcedId", "classes", false),
    ("courseResources", "courseSourcedId", "courses", false),
    ("userResources", "userSourcedId", "users", false),
];

/// More references of the resource files, checked like [`REFERENCES`].
const RESOURCE_REFERENCES: [(&str, &str, &str); 4] = [
    ("classResources", "resourceSourcedId", "resources"),
    ("courseResources", "resourceSourcedId", "resources"),
    ("userResources", "resourceSourcedId", "resources"),
    ("userResources", "orgSourcedId", "orgs"),
];

/// A CSV file read back.
struct Csv {
    raw: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    index: HashMap<String, usize>,
}

impl Csv {
    fn parse(raw: String) -> Csv {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(raw.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        let index = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r[0].clone(), i))
            .collect();
        Csv {
            raw,
            header,
            rows,
            index,
        }
    }

    #[track_caller]
    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    fn column<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        let c = self.col(name);
        self.rows.iter().map(move |r| r[c].as_str())
    }

    fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |cells| Row { csv: self, cells })
    }

    #[track_caller]
    fn get(&self, id: &str) -> Row<'_> {
        let i = *self.index.get(id).unwrap_or_else(|| panic!("no row {id}"));
        Row {
            csv: self,
            cells: &self.rows[i],
        }
    }

    fn has(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }
}

#[derive(Clone, Copy)]
struct Row<'a> {
    csv: &'a Csv,
    cells: &'a [String],
}

impl<'a> Row<'a> {
    #[track_caller]
    fn get(&self, name: &str) -> &'a str {
        &self.cells[self.csv.col(name)]
    }

    fn id(&self) -> &'a str {
        &self.cells[0]
    }
}

fn list(cell: &str) -> Vec<&str> {
    if cell.is_empty() {
        Vec::new()
    } else {
        cell.split(',').collect()
    }
}

struct Package {
    /// Entry names, in order.
    entries: Vec<String>,
    manifest: String,
    files: HashMap<String, Csv>,
}

impl Package {
    #[track_caller]
    fn file(&self, name: &str) -> &Csv {
        self.files
            .get(name)
            .unwrap_or_else(|| panic!("no {name}.csv"))
    }
}

fn read_zip(path: &Path) -> Package {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut entries = Vec::new();
    let mut manifest = String::new();
    let mut files = HashMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut text = String::new();
        f.read_to_string(&mut text).unwrap();
        entries.push(name.clone());
        if name == "manifest.csv" {
            manifest = text;
        } else {
            files.insert(name.trim_end_matches(".csv").to_string(), Csv::parse(text));
        }
    }
    Package {
        entries,
        manifest,
        files,
    }
}

fn options(seed: u64) -> Options {
    Options {
        students: STUDENTS,
        seed,
    }
}

/// The package of [`STUDENTS`] students and [`SEED`], generated once for all the tests.
fn package() -> &'static Package {
    static PACKAGE: OnceLock<Package> = OnceLock::new();
    PACKAGE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("district.zip");
        generate::generate(&options(SEED), &path).unwrap();
        read_zip(&path)
    })
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_other_data() {
    let dir = tempfile::tempdir().unwrap();
    let make = |name: &str, seed| {
        let path = dir.path().join(name);
        generate::generate(&options(seed), &path).unwrap();
        std::fs::read(path).unwrap()
    };
    let a = make("a.zip", SEED);
    let b = make("b.zip", SEED);
    let c = make("c.zip", SEED + 1);
    assert!(a == b, "two runs with the same seed differ");
    assert!(a != c, "another seed gives the same package");
    let other = read_zip(&dir.path().join("c.zip"));
    assert_ne!(
        other.file("users").raw,
        package().file("users").raw,
        "another seed gives the same people"
    );
}

#[test]
fn the_manifest_lists_the_21_files_and_every_header_is_exact() {
    let p = package();
    assert_eq!(p.entries[0], "manifest.csv");
    assert_eq!(p.entries.len(), 22);
    assert!(
        p.entries.iter().all(|e| !e.contains('/')),
        "{:?}",
        p.entries
    );
    let mut expected =
        String::from("propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.2\r\n");
    for (name, _, _) in BINDING {
        expected.push_str(&format!("file.{name},bulk\r\n"));
    }
    expected.push_str("source.systemName,OneRoster synthetic district generator\r\n");
    expected.push_str("source.systemCode,oneroster-generate\r\n");
    assert_eq!(p.manifest, expected);
    for (name, header, _) in BINDING {
        let csv = p.file(name);
        assert!(
            csv.raw.starts_with(&format!("{header}\r\n")),
            "{name}.csv header: {}",
            csv.raw.lines().next().unwrap_or("")
        );
        assert!(!csv.rows.is_empty(), "{name}.csv has no rows");
    }
}

/// The RFC 4180 form of a row: fields with a comma or a quote quoted, quotes doubled.
fn rfc4180(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| {
            if c.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn check_vocab(file: &str, column: &str, value: &str) {
    let vocab = match (file, column) {
        ("academicSessions", "type") => &e::SESSION_TYPE,
        ("orgs", "type") => &e::ORG_TYPE,
        ("classes", "classType") => &e::CLASS_TYPE,
        ("roles", "roleType") => &e::ROLE_TYPE,
        ("roles", "role") => &e::ROLE,
        ("enrollments", "role") => &e::ENROLLMENT_ROLE,
        ("demographics", "sex") => &e::SEX,
        ("results", "scoreStatus") => &e::SCORE_STATUS,
        ("resources", "importance") => &e::IMPORTANCE,
        ("resources", "roles") => &e::RESOURCE_ROLE,
        (_, "source") => &e::LO_SOURCE,
        _ => return,
    };
    for v in list(value) {
        assert!(
            vocab.accepts(v),
            "{file}.{column}: '{v}' is not in the vocabulary"
        );
    }
}

fn is_braced_pair(item: &str) -> bool {
    item.strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .and_then(|s| s.split_once(':'))
        .is_some_and(|(a, b)| {
            !a.is_empty() && !b.is_empty() && !a.contains(['{', '}']) && !b.contains(['{', '}'])
        })
}

#[test]
fn rows_are_bulk_rows_with_valid_ids_required_values_and_formats() {
    let p = package();
    check_rows(p);
    // Lists with several items are quoted.
    let courses = &p.file("courses").raw;
    assert!(courses.contains(",\"English Language Arts,Mathematics,Science,Social Studies\","));
    assert!(
        p.file("classes")
            .raw
            .contains(",\"term-fall-2025,term-spring-2026\",")
    );
}

fn check_rows(p: &Package) {
    for (name, _, required) in BINDING {
        let csv = p.file(name);
        let lines: Vec<&str> = csv.raw.split("\r\n").collect();
        assert_eq!(lines.len(), csv.rows.len() + 2, "{name}: stray line breaks");
        let mut ids = HashSet::new();
        for (i, row) in csv.rows.iter().enumerate() {
            assert_eq!(
                lines[i + 1],
                rfc4180(row),
                "{name}: row {i} is not RFC 4180"
            );
            let id = &row[0];
            assert!(ids.insert(id.as_str()), "{name}: duplicate sourcedId {id}");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')),
                "{name}: sourcedId {id}"
            );
            assert!(
                row[1].is_empty() && row[2].is_empty(),
                "{name} {id}: not a bulk row"
            );
            for column in required.split(',') {
                assert!(
                    !row[csv.col(column)].is_empty(),
                    "{name} {id}: {column} is blank"
                );
            }
            for (c, value) in csv.header.iter().zip(row) {
                let c = c.as_str();
                if value.is_empty() {
                    continue;
                }
                check_vocab(name, c, value);
                for item in list(value) {
                    assert!(!item.is_empty(), "{name} {id}: empty list item in {c}");
                }
                match c {
                    "startDate" | "endDate" | "beginDate" | "birthDate" | "assignDate"
                    | "dueDate" | "scoreDate" => assert!(is_date(value), "{name}.{c}: {value}"),
                    "schoolYear" => assert!(is_year(value), "{name}.{c}: {value}"),
                    "enabledUser"
                    | "primary"
                    | "americanIndianOrAlaskaNative"
                    | "asian"
                    | "blackOrAfricanAmerican"
                    | "nativeHawaiianOrOtherPacificIslander"
                    | "white"
                    | "demographicRaceTwoOrMoreRaces"
                    | "hispanicOrLatinoEthnicity"
                    | "inProgress"
                    | "incomplete"
                    | "late"
                    | "missing" => {
                        assert!(value == "true" || value == "false", "{name}.{c}: {value}")
                    }
                    "resultValueMin" | "resultValueMax" | "score" => {
                        assert!(value.parse::<f64>().is_ok(), "{name}.{c}: {value}")
                    }
                    "weight" => assert!(value.parse::<u32>().is_ok(), "{name}.{c}: {value}"),
                    "userIds" | "scoreScaleValue" => assert!(
                        list(value).iter().all(|i| is_braced_pair(i)),
                        "{name}.{c}: {value}"
                    ),
                    _ => {}
                }
            }
            if let (Some(s), Some(k)) = (
                csv.header.iter().position(|h| h == "subjects"),
                csv.header.iter().position(|h| h == "subjectCodes"),
            ) {
                assert_eq!(list(&row[s]).len(), list(&row[k]).len(), "{name} {id}");
            }
        }
    }
}

#[test]
fn every_reference_resolves_within_the_package() {
    check_references(package());
}

fn check_references(p: &Package) {
    let refs = REFERENCES.iter().copied().chain(
        RESOURCE_REFERENCES
            .iter()
            .map(|&(f, c, t)| (f, c, t, false)),
    );
    for (file, column, target, is_list) in refs {
        let target = p.file(target);
        let mut checked = 0;
        for value in p.file(file).column(column) {
            let ids = match (is_list, value.is_empty()) {
                (true, _) => list(value),
                (false, true) => Vec::new(),
                (false, false) => vec![value],
            };
            for id in ids {
                assert!(target.has(id), "{file}.{column}: {id} does not resolve");
                checked += 1;
            }
        }
        assert!(checked > 0, "{file}.{column} never refers to anything");
    }
}

/// (start, end) of each academic session.
fn sessions(p: &Package) -> HashMap<&str, (&str, &str, &str)> {
    p.file("academicSessions")
        .rows()
        .map(|r| {
            (
                r.id(),
                (
                    r.get("startDate"),
                    r.get("endDate"),
                    r.get("parentSourcedId"),
                ),
            )
        })
        .collect()
}

#[test]
fn the_district_holds_together() {
    check_consistency(package());
}

fn check_consistency(p: &Package) {
    let (classes, courses, users, roles) = (
        p.file("classes"),
        p.file("courses"),
        p.file("users"),
        p.file("roles"),
    );
    let sessions = sessions(p);
    let mut user_roles: HashMap<&str, Vec<(&str, &str, &str)>> = HashMap::new();
    for r in roles.rows() {
        user_roles.entry(r.get("userSourcedId")).or_default().push((
            r.get("role"),
            r.get("orgSourcedId"),
            r.get("roleType"),
        ));
    }
    // Users: roles, one primary role per org, a primary org among them; guardians both ways.
    for u in users.rows() {
        let mine = &user_roles[u.id()];
        let mut orgs: Vec<&str> = mine.iter().map(|r| r.1).collect();
        orgs.sort_unstable();
        orgs.dedup();
        for org in &orgs {
            let primary = mine
                .iter()
                .filter(|r| r.1 == *org && r.2 == "primary")
                .count();
            assert_eq!(
                primary,
                1,
                "{} has {primary} primary roles at {org}",
                u.id()
            );
        }
        assert!(orgs.contains(&u.get("primaryOrgSourcedId")), "{}", u.id());
        for agent in list(u.get("agentSourcedIds")) {
            assert!(
                list(users.get(agent).get("agentSourcedIds")).contains(&u.id()),
                "{} -> {agent} is one-way",
                u.id()
            );
        }
        if u.id().starts_with("stu-") {
            assert!(mine.contains(&("student", u.get("primaryOrgSourcedId"), "primary")));
            assert!(!u.get("agentSourcedIds").is_empty());
            assert!(p.file("demographics").has(u.id()));
        }
    }
    assert_eq!(
        p.file("demographics").rows.len(),
        users
            .column("sourcedId")
            .filter(|id| id.starts_with("stu-"))
            .count()
    );
    // Classes: their course is the school's, their terms are terms.
    for c in classes.rows() {
        let course = courses.get(c.get("courseSourcedId"));
        assert_eq!(
            course.get("orgSourcedId"),
            c.get("schoolSourcedId"),
            "{}",
            c.id()
        );
        assert!(
            list(course.get("grades")).contains(&c.get("grades")),
            "{}",
            c.id()
        );
        for term in list(c.get("termSourcedIds")) {
            assert_eq!(
                sessions[term].2, "as-2026",
                "{term} is not a term of the year"
            );
        }
    }
    // Enrollments: same school as the class, dated to one of its terms; students in their
    // grade; teachers holding a teacher role at the school; one primary teacher per class
    // and term.
    let mut primary_teachers: HashMap<(&str, &str), u32> = HashMap::new();
    let mut enrolled: HashSet<(&str, &str)> = HashSet::new();
    for en in p.file("enrollments").rows() {
        let class = classes.get(en.get("classSourcedId"));
        let user = en.get("userSourcedId");
        assert_eq!(en.get("schoolSourcedId"), class.get("schoolSourcedId"));
        let dated = list(class.get("termSourcedIds"))
            .into_iter()
            .any(|t| (sessions[t].0, sessions[t].1) == (en.get("beginDate"), en.get("endDate")));
        assert!(dated, "{} is not dated to a term of its class", en.id());
        match en.get("role") {
            "student" => {
                assert_eq!(
                    users.get(user).get("grades"),
                    class.get("grades"),
                    "{}",
                    en.id()
                );
                enrolled.insert((user, class.id()));
            }
            "teacher" => {
                assert!(
                    user_roles[user]
                        .iter()
                        .any(|r| r.0 == "teacher" && r.1 == class.get("schoolSourcedId")),
                    "{user} teaches at a school where they are no teacher"
                );
                if en.get("primary") == "true" {
                    *primary_teachers
                        .entry((class.id(), en.get("beginDate")))
                        .or_default() += 1;
                }
            }
            other => panic!("unexpected enrollment role {other}"),
        }
    }
    for c in classes.rows() {
        for term in list(c.get("termSourcedIds")) {
            assert_eq!(
                primary_teachers.get(&(c.id(), sessions[term].0)),
                Some(&1),
                "{}",
                c.id()
            );
        }
    }
    // Gradebook: line items in a grading period of their class's terms, at its school;
    // results for enrolled students, within the item's range, dated after it is due.
    let line_items = p.file("lineItems");
    for li in line_items.rows() {
        let class = classes.get(li.get("classSourcedId"));
        assert_eq!(li.get("schoolSourcedId"), class.get("schoolSourcedId"));
        let (start, end, term) = sessions[li.get("academicSessionSourcedId")];
        assert!(
            list(class.get("termSourcedIds")).contains(&term),
            "{}",
            li.id()
        );
        assert!(start <= li.get("assignDate") && li.get("assignDate") <= li.get("dueDate"));
        assert!(li.get("dueDate") < end, "{}", li.id());
    }
    for r in p.file("results").rows() {
        let li = line_items.get(r.get("lineItemSourcedId"));
        assert_eq!(r.get("classSourcedId"), li.get("classSourcedId"));
        assert!(enrolled.contains(&(r.get("studentSourcedId"), r.get("classSourcedId"))));
        assert!(li.get("dueDate") <= r.get("scoreDate") && r.get("scoreDate") < AS_OF);
        if let Ok(score) = r.get("score").parse::<f64>() {
            let min: f64 = li.get("resultValueMin").parse().unwrap();
            let max: f64 = li.get("resultValueMax").parse().unwrap();
            assert!(min <= score && score <= max, "{}: {score}", r.id());
        }
    }
    // Score scales: defined on a class of their school and course, used at that school.
    let scales = p.file("scoreScales");
    for s in scales.rows() {
        let class = classes.get(s.get("classSourcedId"));
        assert_eq!(class.get("schoolSourcedId"), s.get("orgSourcedId"));
        assert_eq!(class.get("courseSourcedId"), s.get("courseSourcedId"));
    }
    for l in p.file("lineItemScoreScales").rows() {
        let li = line_items.get(l.get("lineItemSourcedId"));
        let scale = scales.get(l.get("scoreScaleSourcedId"));
        assert_eq!(li.get("schoolSourcedId"), scale.get("orgSourcedId"));
    }
    let results = p.file("results");
    for l in p.file("resultScoreScales").rows() {
        let r = results.get(l.get("resultSourcedId"));
        assert!(!r.get("textScore").is_empty());
        let li = line_items.get(r.get("lineItemSourcedId"));
        let scale = scales.get(l.get("scoreScaleSourcedId"));
        assert_eq!(li.get("schoolSourcedId"), scale.get("orgSourcedId"));
    }
    let mut objectives: HashSet<(&str, &str)> = HashSet::new();
    for o in p.file("lineItemLearningObjectiveIds").rows() {
        objectives.insert((o.get("lineItemSourcedId"), o.get("learningObjectiveId")));
    }
    for o in p.file("resultLearningObjectiveIds").rows() {
        let li = results
            .get(o.get("resultSourcedId"))
            .get("lineItemSourcedId");
        assert!(
            objectives.contains(&(li, o.get("learningObjectiveId"))),
            "{}",
            o.id()
        );
    }
    // Every user profile a role points to is the same user's.
    let profiles = p.file("userProfiles");
    for r in roles
        .rows()
        .filter(|r| !r.get("userProfileSourcedId").is_empty())
    {
        let profile = profiles.get(r.get("userProfileSourcedId"));
        assert_eq!(profile.get("userSourcedId"), r.get("userSourcedId"));
    }
}

fn level(grade: &str) -> &'static str {
    match grade {
        "KG" | "01" | "02" | "03" | "04" | "05" => "elementary",
        "06" | "07" | "08" => "middle",
        _ => "high",
    }
}

#[test]
fn ratios_match_the_documented_district() {
    let p = package();
    let users = p.file("users");
    let grades: HashMap<&str, &str> = users
        .rows()
        .filter(|u| u.id().starts_with("stu-"))
        .map(|u| (u.id(), u.get("grades")))
        .collect();
    assert_eq!(grades.len(), STUDENTS as usize);
    let schools = p
        .file("orgs")
        .column("type")
        .filter(|t| *t == "school")
        .count();
    assert_eq!(schools, 3, "one school per level at {STUDENTS} students");

    let mut class_students: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut student_classes: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut student_enrollments: HashMap<&str, u32> = HashMap::new();
    let mut teacher_classes: HashMap<&str, HashSet<&str>> = HashMap::new();
    for en in p.file("enrollments").rows() {
        let (class, user) = (en.get("classSourcedId"), en.get("userSourcedId"));
        if en.get("role") == "student" {
            class_students.entry(class).or_default().insert(user);
            student_classes.entry(user).or_default().insert(class);
            *student_enrollments.entry(user).or_default() += 1;
        } else if en.get("primary") == "true" {
            teacher_classes.entry(user).or_default().insert(class);
        }
    }
    let sizes: Vec<usize> = class_students.values().map(HashSet::len).collect();
    let average = sizes.iter().sum::<usize>() as f64 / sizes.len() as f64;
    assert!(
        (18.0..=28.0).contains(&average),
        "{average} students per class"
    );
    assert!(sizes.iter().all(|&n| (5..=32).contains(&n)), "{sizes:?}");
    assert_eq!(class_students.len(), p.file("classes").rows.len());

    for (student, grade) in &grades {
        let classes = student_classes[student].len();
        let enrollments = student_enrollments[student];
        match level(grade) {
            "elementary" => assert_eq!((classes, enrollments), (4, 8), "{student}"),
            _ => {
                assert!((8..=9).contains(&classes), "{student}: {classes} classes");
                assert_eq!(enrollments, 14, "{student}");
            }
        }
    }
    let several = teacher_classes.values().filter(|c| c.len() >= 3).count();
    assert!(
        several * 3 >= teacher_classes.len(),
        "most teachers teach several classes"
    );

    let line_items = p.file("lineItems");
    let per_class = line_items.rows.len() as f64 / class_students.len() as f64;
    assert!(
        (9.0..=11.0).contains(&per_class),
        "{per_class} line items per class"
    );
    let mut results: BTreeMap<&str, u32> = BTreeMap::new();
    for li in p.file("results").column("lineItemSourcedId") {
        *results.entry(li).or_default() += 1;
    }
    for (li, n) in &results {
        let class = line_items.get(li).get("classSourcedId");
        assert_eq!(
            *n as usize,
            class_students[class].len(),
            "{li}: a result per student"
        );
    }
    let graded = results.len() as f64 / line_items.rows.len() as f64;
    assert!(
        (0.15..=0.4).contains(&graded),
        "{graded} of the line items graded"
    );

    // Users with several roles.
    let roles = p.file("roles");
    let mut held: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in roles.rows() {
        held.entry(r.get("userSourcedId"))
            .or_default()
            .push(r.get("role"));
    }
    assert!(
        held.values()
            .any(|r| r.contains(&"teacher") && r.contains(&"counselor"))
    );
    assert!(
        held.values()
            .any(|r| r.contains(&"principal") && r.contains(&"districtAdministrator"))
    );
    assert!(
        held.iter()
            .any(|(u, r)| u.starts_with("grd-") && r.len() > 1),
        "a guardian with children at two schools"
    );
}

fn r(id: &str) -> Value {
    json!({ "sourcedId": id })
}

/// A REST object under construction from CSV cells: blank cells stay absent.
#[derive(Default)]
struct Obj(Map<String, Value>);

impl Obj {
    fn s(mut self, key: &str, cell: &str) -> Obj {
        if !cell.is_empty() {
            self.0.insert(key.into(), Value::String(cell.into()));
        }
        self
    }

    fn num(mut self, key: &str, cell: &str) -> Obj {
        if !cell.is_empty() {
            self.0
                .insert(key.into(), json!(cell.parse::<f64>().unwrap()));
        }
        self
    }

    fn reference(mut self, key: &str, cell: &str) -> Obj {
        if !cell.is_empty() {
            self.0.insert(key.into(), r(cell));
        }
        self
    }

    fn refs(mut self, key: &str, ids: &[&str]) -> Obj {
        if !ids.is_empty() {
            self.0
                .insert(key.into(), Value::Array(ids.iter().map(|i| r(i)).collect()));
        }
        self
    }

    fn strings(mut self, key: &str, cell: &str) -> Obj {
        if !cell.is_empty() {
            self.0.insert(key.into(), json!(list(cell)));
        }
        self
    }

    fn value(mut self, key: &str, v: Value) -> Obj {
        self.0.insert(key.into(), v);
        self
    }

    fn row(row: Row<'_>, fields: &[(&str, &str)]) -> Obj {
        let mut o = Obj::default().s("sourcedId", row.id());
        for &(key, column) in fields {
            o = o.s(key, row.get(column));
        }
        o
    }
}

/// Groups the rows of a link file by one of its columns.
fn by<'a>(csv: &'a Csv, column: &str) -> HashMap<&'a str, Vec<Row<'a>>> {
    let mut out: HashMap<&str, Vec<Row<'_>>> = HashMap::new();
    for row in csv.rows() {
        out.entry(row.get(column)).or_default().push(row);
    }
    out
}

#[test]
fn every_row_is_valid_oneroster_for_the_server_model() {
    check_model(package());
}

fn check_model(p: &Package) {
    let mut ids: HashMap<Kind, HashSet<String>> = HashMap::new();
    let mut uses = Vec::new();
    let mut check = |entity: &'static Entity, obj: Obj| {
        let v = Value::Object(obj.0);
        match parse_record(entity, &v, None, 0) {
            Ok(rec) => {
                ids.entry(entity.kind).or_default().insert(rec.sourced_id);
                uses.extend(rec.refs);
            }
            Err(errors) => panic!("invalid {}: {errors:?}\n{v}", entity.singular),
        }
    };
    for o in p.file("orgs").rows() {
        check(
            &e::ORG,
            Obj::row(o, &[("name", "name"), ("type", "type")])
                .value("identifier", json!(o.get("identifier")))
                .reference("parent", o.get("parentSourcedId")),
        );
    }
    for s in p.file("academicSessions").rows() {
        let fields = [
            ("title", "title"),
            ("type", "type"),
            ("startDate", "startDate"),
            ("endDate", "endDate"),
            ("schoolYear", "schoolYear"),
        ];
        check(
            &e::ACADEMIC_SESSION,
            Obj::row(s, &fields).reference("parent", s.get("parentSourcedId")),
        );
    }
    for res in p.file("resources").rows() {
        let fields = [
            ("title", "title"),
            ("importance", "importance"),
            ("vendorResourceId", "vendorResourceId"),
            ("vendorId", "vendorId"),
            ("applicationId", "applicationId"),
        ];
        check(
            &e::RESOURCE,
            Obj::row(res, &fields).strings("roles", res.get("roles")),
        );
    }
    let course_resources = by(p.file("courseResources"), "courseSourcedId");
    for c in p.file("courses").rows() {
        let resources: Vec<&str> = course_resources
            .get(c.id())
            .map(|rs| rs.iter().map(|r| r.get("resourceSourcedId")).collect())
            .unwrap_or_default();
        check(
            &e::COURSE,
            Obj::row(c, &[("title", "title"), ("courseCode", "courseCode")])
                .reference("schoolYear", c.get("schoolYearSourcedId"))
                .reference("org", c.get("orgSourcedId"))
                .strings("grades", c.get("grades"))
                .strings("subjects", c.get("subjects"))
                .strings("subjectCodes", c.get("subjectCodes"))
                .refs("resources", &resources),
        );
    }
    let class_resources = by(p.file("classResources"), "classSourcedId");
    for c in p.file("classes").rows() {
        let resources: Vec<&str> = class_resources
            .get(c.id())
            .map(|rs| rs.iter().map(|r| r.get("resourceSourcedId")).collect())
            .unwrap_or_default();
        let fields = [
            ("title", "title"),
            ("classCode", "classCode"),
            ("classType", "classType"),
            ("location", "location"),
        ];
        check(
            &e::CLASS,
            Obj::row(c, &fields)
                .reference("course", c.get("courseSourcedId"))
                .reference("school", c.get("schoolSourcedId"))
                .refs("terms", &list(c.get("termSourcedIds")))
                .strings("grades", c.get("grades"))
                .strings("subjects", c.get("subjects"))
                .strings("subjectCodes", c.get("subjectCodes"))
                .strings("periods", c.get("periods"))
                .refs("resources", &resources),
        );
    }
    let roles = by(p.file("roles"), "userSourcedId");
    let profiles = by(p.file("userProfiles"), "userSourcedId");
    let user_resources = by(p.file("userResources"), "userSourcedId");
    for u in p.file("users").rows() {
        let roles: Vec<Value> = roles[u.id()]
            .iter()
            .map(|r| {
                let fields = [
                    ("roleType", "roleType"),
                    ("role", "role"),
                    ("beginDate", "beginDate"),
                    ("endDate", "endDate"),
                    ("userProfile", "userProfileSourcedId"),
                ];
                let mut o = Obj::default();
                for (key, column) in fields {
                    o = o.s(key, r.get(column));
                }
                Value::Object(o.reference("org", r.get("orgSourcedId")).0)
            })
            .collect();
        let user_ids: Vec<Value> = list(u.get("userIds"))
            .iter()
            .map(|i| {
                let (t, id) = i[1..i.len() - 1].split_once(':').unwrap();
                json!({"type": t, "identifier": id})
            })
            .collect();
        let user_profiles: Vec<Value> = profiles
            .get(u.id())
            .into_iter()
            .flatten()
            .map(|pr| {
                json!({"profileId": pr.id(), "profileType": pr.get("profileType"),
                    "vendorId": pr.get("vendorId"), "applicationId": pr.get("applicationId"),
                    "description": pr.get("description"),
                    "credentials": [{"type": pr.get("credentialType"),
                        "username": pr.get("username")}]})
            })
            .collect();
        let resources: Vec<&str> = user_resources
            .get(u.id())
            .map(|rs| rs.iter().map(|r| r.get("resourceSourcedId")).collect())
            .unwrap_or_default();
        let fields = [
            ("enabledUser", "enabledUser"),
            ("username", "username"),
            ("givenName", "givenName"),
            ("familyName", "familyName"),
            ("middleName", "middleName"),
            ("identifier", "identifier"),
            ("email", "email"),
            ("sms", "sms"),
            ("phone", "phone"),
            ("userMasterIdentifier", "userMasterIdentifier"),
            ("preferredFirstName", "preferredGivenName"),
            ("preferredMiddleName", "preferredMiddleName"),
            ("preferredLastName", "preferredFamilyName"),
            ("pronouns", "pronouns"),
        ];
        let mut o = Obj::row(u, &fields)
            .value("roles", Value::Array(roles))
            .refs("agents", &list(u.get("agentSourcedIds")))
            .strings("grades", u.get("grades"))
            .reference("primaryOrg", u.get("primaryOrgSourcedId"))
            .refs("resources", &resources);
        if !user_ids.is_empty() {
            o = o.value("userIds", Value::Array(user_ids));
        }
        if !user_profiles.is_empty() {
            o = o.value("userProfiles", Value::Array(user_profiles));
        }
        check(&e::USER, o);
    }
    for en in p.file("enrollments").rows() {
        let fields = [
            ("role", "role"),
            ("primary", "primary"),
            ("beginDate", "beginDate"),
            ("endDate", "endDate"),
        ];
        check(
            &e::ENROLLMENT,
            Obj::row(en, &fields)
                .reference("user", en.get("userSourcedId"))
                .reference("class", en.get("classSourcedId"))
                .reference("school", en.get("schoolSourcedId")),
        );
    }
    let demographics = p.file("demographics");
    for d in demographics.rows() {
        let fields: Vec<(&str, &str)> = demographics.header[3..]
            .iter()
            .map(|h| (h.as_str(), h.as_str()))
            .collect();
        check(&e::DEMOGRAPHICS, Obj::row(d, &fields));
    }
    for c in p.file("categories").rows() {
        check(
            &e::CATEGORY,
            Obj::row(c, &[("title", "title")]).num("weight", c.get("weight")),
        );
    }
    for s in p.file("scoreScales").rows() {
        let values: Vec<Value> = list(s.get("scoreScaleValue"))
            .iter()
            .map(|v| {
                let (l, r) = v[1..v.len() - 1].split_once(':').unwrap();
                json!({"itemValueLHS": l, "itemValueRHS": r})
            })
            .collect();
        check(
            &e::SCORE_SCALE,
            Obj::row(s, &[("title", "title"), ("type", "type")])
                .reference("course", s.get("courseSourcedId"))
                .reference("class", s.get("classSourcedId"))
                .value("scoreScaleValue", Value::Array(values)),
        );
    }
    let item_scales = by(p.file("lineItemScoreScales"), "lineItemSourcedId");
    let item_objectives = by(p.file("lineItemLearningObjectiveIds"), "lineItemSourcedId");
    for li in p.file("lineItems").rows() {
        let fields = [
            ("title", "title"),
            ("description", "description"),
            ("assignDate", "assignDate"),
            ("dueDate", "dueDate"),
        ];
        let mut o = Obj::row(li, &fields)
            .reference("class", li.get("classSourcedId"))
            .reference("school", li.get("schoolSourcedId"))
            .reference("category", li.get("categorySourcedId"))
            .reference("gradingPeriod", li.get("academicSessionSourcedId"))
            .num("resultValueMin", li.get("resultValueMin"))
            .num("resultValueMax", li.get("resultValueMax"));
        if let Some(s) = item_scales.get(li.id()) {
            assert_eq!(s.len(), 1);
            o = o.reference("scoreScale", s[0].get("scoreScaleSourcedId"));
        }
        if let Some(objs) = item_objectives.get(li.id()) {
            let ids: Vec<&str> = objs.iter().map(|x| x.get("learningObjectiveId")).collect();
            o = o.value(
                "learningObjectiveSet",
                json!([{"source": objs[0].get("source"), "learningObjectiveIds": ids}]),
            );
        }
        check(&e::LINE_ITEM, o);
    }
    let result_scales = by(p.file("resultScoreScales"), "resultSourcedId");
    let result_objectives = by(p.file("resultLearningObjectiveIds"), "resultSourcedId");
    for res in p.file("results").rows() {
        let fields = [
            ("scoreStatus", "scoreStatus"),
            ("textScore", "textScore"),
            ("scoreDate", "scoreDate"),
            ("comment", "comment"),
            ("inProgress", "inProgress"),
            ("incomplete", "incomplete"),
            ("late", "late"),
            ("missing", "missing"),
        ];
        let mut o = Obj::row(res, &fields)
            .reference("lineItem", res.get("lineItemSourcedId"))
            .reference("student", res.get("studentSourcedId"))
            .reference("class", res.get("classSourcedId"))
            .num("score", res.get("score"));
        if let Some(s) = result_scales.get(res.id()) {
            o = o.reference("scoreScale", s[0].get("scoreScaleSourcedId"));
        }
        if let Some(objs) = result_objectives.get(res.id()) {
            let results: Vec<Value> = objs
                .iter()
                .map(|x| {
                    json!({"learningObjectiveId": x.get("learningObjectiveId"),
                        "score": x.get("score").parse::<f64>().unwrap()})
                })
                .collect();
            o = o.value(
                "learningObjectiveSet",
                json!([{"source": objs[0].get("source"), "learningObjectiveResults": results}]),
            );
        }
        check(&e::RESULT, o);
    }
    for kind in [Kind::Org, Kind::User, Kind::Class, Kind::Result] {
        assert!(ids.get(&kind).is_some_and(|s| !s.is_empty()), "{kind:?}");
    }
    // Every reference the model found resolves to an object of the right kind.
    for u in &uses {
        assert!(
            ids.get(&u.kind).is_some_and(|s| s.contains(&u.id)),
            "{} -> {:?} {} does not resolve",
            u.path,
            u.kind,
            u.id
        );
    }
}

/// The smallest district: one school per level, grades of one or two students.
#[test]
fn a_tiny_district_holds_together_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.zip");
    let options = Options {
        students: generate::MIN_STUDENTS,
        seed: 3,
    };
    generate::generate(&options, &path).unwrap();
    let p = read_zip(&path);
    check_rows(&p);
    check_references(&p);
    check_consistency(&p);
    check_model(&p);
}

fn oneroster() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_oneroster"));
    c.env("ONEROSTER_LOG", "warn");
    c
}

#[test]
fn the_command_writes_a_zip_or_a_folder_and_prints_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("district.zip");
    let out = oneroster()
        .args(["generate", "--students", "300", "--seed", "7"])
        .arg(&zip_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "enrollments.csv",
        "results.csv",
        "total rows",
        "3 schools",
        "wrote",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected} missing from:\n{stdout}"
        );
    }
    let p = package();
    let from_cli = read_zip(&zip_path);
    assert_eq!(from_cli.entries, p.entries);
    for (name, csv) in &p.files {
        assert!(from_cli.file(name).raw == csv.raw, "{name}.csv differs");
    }
    let rows: u64 = p.files.values().map(|c| c.rows.len() as u64).sum();
    assert!(stdout.contains(&rows.to_string()), "total {rows} missing");

    let folder = dir.path().join("district");
    let out = oneroster()
        .args(["generate", "--students", "300", "--seed", "7"])
        .arg(&folder)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(folder.join("manifest.csv")).unwrap(),
        p.manifest
    );
    for (name, csv) in &p.files {
        let text = std::fs::read_to_string(folder.join(format!("{name}.csv"))).unwrap();
        assert!(text == csv.raw, "{name}.csv differs in the folder");
    }

    let out = oneroster()
        .args(["generate", "--students", "5"])
        .arg(dir.path().join("tiny.zip"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("20"));
}

#[test]
fn help_documents_the_district() {
    let out = oneroster().args(["generate", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "--students",
        "--seed",
        "per term",
        "25 students",
        "1.2 million",
    ] {
        assert!(
            help.contains(expected),
            "{expected} missing from --help:\n{help}"
        );
    }
}

// A generated district goes through the real importer and is served by the API.
both!(
    async fn a_generated_district_imports_and_is_served(app) {
        use oneroster::csv::{ImportOptions, Input, import};
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("district.zip");
        let summary = generate::generate(&Options { students: 200, seed: 3 }, &zip).unwrap();
        let imported = import(
            app.store(),
            Input::ZipFile(zip),
            &ImportOptions::default(),
            Default::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("generated package refused: {e}"));
        let written: u64 = summary.files.iter().map(|(_, n)| n).sum();
        assert_eq!(imported.rows, written);
        let token = app.token_all().await;
        let rows = |file: &str| {
            summary
                .files
                .iter()
                .find(|(f, _)| f == file)
                .map(|(_, n)| *n)
                .unwrap()
        };
        for (path, file) in [
            (format!("{ROSTERING}/orgs"), "orgs.csv"),
            (format!("{ROSTERING}/classes"), "classes.csv"),
            (format!("{ROSTERING}/users"), "users.csv"),
            (format!("{ROSTERING}/enrollments"), "enrollments.csv"),
            (format!("{ROSTERING}/demographics"), "demographics.csv"),
            (format!("{GRADEBOOK}/lineItems"), "lineItems.csv"),
            (format!("{GRADEBOOK}/results"), "results.csv"),
            (format!("{RESOURCES}/resources"), "resources.csv"),
        ] {
            let res = app.get(&format!("{path}?limit=1"), &token).await;
            res.assert_status(200);
            assert_eq!(res.total(), rows(file), "{path}");
        }
        // A page far larger than one streamed chunk arrives whole and well-formed.
        let users = rows("users.csv");
        let page = app.get(&format!("{ROSTERING}/users?limit={users}"), &token).await;
        page.assert_status(200);
        assert!(page.body.len() > 256 * 1024, "{} bytes", page.body.len());
        let mut ids = page.ids("users");
        assert_eq!(ids.len() as u64, users);
        let sorted = {
            let mut s = ids.clone();
            s.sort();
            s
        };
        assert_eq!(ids, sorted, "pages are in sourcedId order");
        ids.dedup();
        assert_eq!(ids.len() as u64, users);
        // Relationships work over imported data: every student of a class is enrolled in it.
        let classes = app.get(&format!("{ROSTERING}/classes?limit=3"), &token).await;
        for class in classes.ids("classes") {
            let students = app
                .get(&format!("{ROSTERING}/classes/{class}/students?limit=1000"), &token)
                .await
                .ids("users");
            assert!(!students.is_empty(), "{class} has students");
            let enrolled = app
                .get(
                    &format!("{ROSTERING}/enrollments?limit=1000&filter=class.sourcedId%3D%27{class}%27%20AND%20role%3D%27student%27"),
                    &token,
                )
                .await;
            let mut users: Vec<String> = enrolled.json()["enrollments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["user"]["sourcedId"].as_str().unwrap().to_string())
                .collect();
            users.sort();
            users.dedup();
            assert_eq!(students, users, "{class}");
        }
    }
);

/// Every index, constraint and trigger of the store, with its definition and state.
async fn schema_objects(store: &oneroster::store::Store) -> Vec<String> {
    use oneroster::store::{Dialect, Sql};
    let sql = match store.dialect {
        Dialect::Postgres => Sql::new(
            "SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes \
             WHERE schemaname = current_schema() \
             UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) \
             FROM pg_constraint WHERE connamespace = current_schema()::regnamespace \
             UNION ALL SELECT 'trigger ' || tgname || ' ' || CAST(tgenabled AS text) FROM pg_trigger t \
             JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal \
             AND c.relnamespace = current_schema()::regnamespace ORDER BY 1",
        ),
        Dialect::Sqlite => Sql::new(
            "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master \
             WHERE type IN ('index', 'trigger', 'table') ORDER BY 1",
        ),
    };
    let mut tx = store.begin().await.unwrap();
    let objects = tx.fetch_texts(&sql).await.unwrap();
    tx.commit().await.unwrap();
    objects
}

// Large loads drop secondary indexes (and, on PostgreSQL, the side tables' foreign keys) and
// rebuild them after, and count their new rows without the count triggers. With the
// threshold lowered, every table of a small district takes that path: the store must end
// with every index, constraint and trigger as before, exact counts, and working side tables.
both!(
    async fn a_bulk_load_rebuilds_indexes_keys_and_counts(app) {
        use oneroster::csv::{ImportOptions, Input, import};
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("district.zip");
        let summary = generate::generate(&Options { students: 120, seed: 5 }, &zip).unwrap();
        let before = schema_objects(app.store()).await;
        assert!(before.iter().any(|o| o.contains("user_roles")), "{before:?}");
        let opts = ImportOptions { bulk_load_rows: 1, ..ImportOptions::default() };
        import(app.store(), Input::ZipFile(zip), &opts, Default::default())
            .await
            .unwrap_or_else(|e| panic!("generated package refused: {e}"));
        assert_eq!(schema_objects(app.store()).await, before);
        let rows = |file: &str| {
            summary.files.iter().find(|(f, _)| f == file).map(|(_, n)| *n).unwrap()
        };
        let token = app.token_all().await;
        for (path, file) in [
            (format!("{ROSTERING}/users"), "users.csv"),
            (format!("{ROSTERING}/classes"), "classes.csv"),
            (format!("{ROSTERING}/enrollments"), "enrollments.csv"),
            (format!("{GRADEBOOK}/lineItems"), "lineItems.csv"),
            (format!("{GRADEBOOK}/results"), "results.csv"),
        ] {
            let res = app.get(&format!("{path}?limit=1"), &token).await;
            res.assert_status(200);
            assert_eq!(res.total(), rows(file), "{path}");
        }
        // The side tables were filled: the students of a school (user_roles) are its
        // students, and a class's terms (class_terms) list it.
        let schools = app.get(&format!("{ROSTERING}/schools?limit=1"), &token).await.ids("orgs");
        let school = &schools[0];
        let students = app
            .get(&format!("{ROSTERING}/schools/{school}/students?limit=1000"), &token)
            .await;
        students.assert_status(200);
        assert!(students.total() > 0, "{school} has students");
        for user in students.json()["users"].as_array().unwrap() {
            let roles = user["roles"].as_array().unwrap();
            assert!(
                roles.iter().any(|r| r["role"] == "student" && r["org"]["sourcedId"] == *school),
                "{user}"
            );
        }
        let class = &app.get(&format!("{ROSTERING}/classes?limit=1"), &token).await.json()["classes"][0];
        let term = class["terms"][0]["sourcedId"].as_str().unwrap();
        let listed = app
            .get(&format!("{ROSTERING}/terms/{term}/classes?limit=100000"), &token)
            .await
            .ids("classes");
        assert!(listed.contains(&class["sourcedId"].as_str().unwrap().to_string()));
        // The count triggers are back: a new result and a deleted one count at once.
        let results_total = || async {
            app.get(&format!("{GRADEBOOK}/results?limit=1"), &token).await.total()
        };
        let n = results_total().await;
        let mut result = app.get(&format!("{GRADEBOOK}/results?limit=1"), &token).await.json()["results"][0].clone();
        let first = result["sourcedId"].as_str().unwrap().to_string();
        result["sourcedId"] = json!("rsl-bulk-new");
        let res = app.put(&format!("{GRADEBOOK}/results/rsl-bulk-new"), &token, json!({ "result": result })).await;
        res.assert_status(201);
        assert_eq!(results_total().await, n + 1);
        app.delete(&format!("{GRADEBOOK}/results/{first}"), &token).await.assert_status(204);
        assert_eq!(results_total().await, n);
    }
);
