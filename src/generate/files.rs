//! The 21 data files of the CSV binding: their exact headers, and one writer per file that
//! streams its rows from the plan.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use super::catalog::{
    self, APPS, CATEGORIES, Dept, GRADES, LETTER_SCALE, LEVELS, QUARTERS, SCHOOL_YEAR,
    SCHOOL_YEAR_ID, SESSIONS, STANDARDS_SCALE, TERMS, slug,
};
use super::gradebook::{self, item_id};
use super::plan::{NONE, Org, Plan, StaffKind, date, tag};
use super::rng::Rng;

/// The order the files are written in: referenced files before the files referring to them,
/// so that a reader streaming the package meets every target first.
pub const WRITE_ORDER: [&str; 21] = [
    "orgs",
    "academicSessions",
    "resources",
    "courses",
    "classes",
    "users",
    "userProfiles",
    "roles",
    "demographics",
    "enrollments",
    "courseResources",
    "classResources",
    "userResources",
    "categories",
    "scoreScales",
    "lineItems",
    "lineItemScoreScales",
    "lineItemLearningObjectiveIds",
    "results",
    "resultScoreScales",
    "resultLearningObjectiveIds",
];

/// The district organisation.
pub const DISTRICT_ID: &str = "org-district";

/// A CSV file being written: bulk rows, so `status` and `dateLastModified` stay blank.
pub struct Table<W: Write> {
    w: csv::Writer<W>,
    pub rows: u64,
}

impl<W: Write> Table<W> {
    pub fn new(out: W, header: &[&str]) -> io::Result<Table<W>> {
        let mut w = csv::WriterBuilder::new()
            .buffer_capacity(1 << 16)
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        w.write_record(header)?;
        Ok(Table { w, rows: 0 })
    }

    /// Writes `sourcedId`, the two blank lifecycle columns, then `rest`.
    pub fn row(&mut self, id: &str, rest: &[&str]) -> io::Result<()> {
        self.w.write_field(id)?;
        self.w.write_field("")?;
        self.w.write_field("")?;
        for field in rest {
            self.w.write_field(field)?;
        }
        self.w.write_record(None::<&[u8]>)?;
        self.rows += 1;
        Ok(())
    }

    pub fn finish(self) -> io::Result<W> {
        self.w.into_inner().map_err(|e| e.into_error())
    }
}

fn b(v: bool) -> &'static str {
    if v { "true" } else { "false" }
}

fn org_id(plan: &Plan, org: Org) -> &str {
    match org {
        Org::District => DISTRICT_ID,
        Org::School(s) => &plan.schools[s as usize].id,
    }
}

fn term_ids(terms: u8) -> &'static str {
    match terms {
        1 => SESSIONS[TERMS[0]].id,
        2 => SESSIONS[TERMS[1]].id,
        _ => catalog::YEAR_TERMS,
    }
}

fn level_letter(plan: &Plan, school: u32) -> &'static str {
    let level = plan.schools[school as usize].level;
    ["e", "m", "h"][LEVELS
        .iter()
        .position(|l| std::ptr::eq(*l, level))
        .unwrap_or(0)]
}

/// The digital student edition (`se`) or teacher edition (`te`) of a course.
fn textbook_id(plan: &Plan, course: u32, edition: &str) -> String {
    let c = &plan.courses[course as usize];
    format!(
        "rsrc-{}-{}-{edition}",
        level_letter(plan, c.school),
        c.def.code
    )
}

fn score_scale_id(plan: &Plan, school: u32) -> Option<String> {
    let s = &plan.schools[school as usize];
    (!s.classes.is_empty()).then(|| format!("ss-{:04}", s.number))
}

/// Writes the rows of one file.
pub fn write<W: Write>(name: &str, plan: &Plan, t: &mut Table<W>) -> io::Result<()> {
    match name {
        "orgs" => orgs(plan, t),
        "academicSessions" => academic_sessions(t),
        "resources" => resources(t),
        "courses" => courses(plan, t),
        "classes" => classes(plan, t),
        "users" => users(plan, t),
        "userProfiles" => user_profiles(plan, t),
        "roles" => roles(plan, t),
        "demographics" => demographics(plan, t),
        "enrollments" => enrollments(plan, t),
        "courseResources" => course_resources(plan, t),
        "classResources" => class_resources(plan, t),
        "userResources" => user_resources(plan, t),
        "categories" => categories(t),
        "scoreScales" => score_scales(plan, t),
        "lineItems" => line_items(plan, t),
        "lineItemScoreScales" => line_item_score_scales(plan, t),
        "lineItemLearningObjectiveIds" => line_item_objectives(plan, t),
        "results" | "resultScoreScales" | "resultLearningObjectiveIds" => results(name, plan, t),
        _ => Err(io::Error::other(format!("no writer for {name}"))),
    }
}

fn orgs<W: Write>(plan: &Plan, t: &mut Table<W>) -> io::Result<()> {
    t.row(
        DISTRICT_ID,
        &[
            &plan.district_name,
            "district",
            &plan.district_identifier,
            "",
        ],
    )?;
    for s in &plan.schools {
        t.row(&s.id, &[&s.name, "school", &s.identifier, DISTRICT_ID])?;
    }
    for s in plan.schools.iter().filter(|s| s.level.grades.start >= 9) {
        for (_, suffix, name) in Dept::HIGH_SCHOOL_DEPARTMENTS {
            let id = format!("dept-{:04}-{suffix}", s.number);
            let short = s.name.trim_end_matches(" School");
            t.row(&id, &[&format!("{short} {name}"), "department", "", &s.id])?;
        }
    }
    Ok(())
}

fn academic_sessions<W: Write>(t: &mut Table<W>) -> io::Result<()> {
    for s in &SESSIONS {
        t.row(
            s.id,
            &[s.title, s.kind, s.start, s.end, s.parent, SCHOOL_YEAR],
        )?;
    }
    Ok(())
}

fn resources<W: Write>(t: &mut Table<W>) -> io::Result<()> {
    for (level, letter) in LEVELS.iter().zip(["e", "m", "h"]) {
        for def in level.courses.iter().filter(|d| d.has_textbook()) {
            let (vendor, publisher) = def.dept.publisher();
            let app = format!("{vendor}-reader");
            for (edition, label, roles, importance) in [
                ("se", "Student Edition", "student,teacher", "primary"),
                ("te", "Teacher Edition", "teacher", "secondary"),
            ] {
                t.row(
                    &format!("rsrc-{letter}-{}-{edition}", def.code),
                    &[
                        &format!(
                            "{publisher}-{}{}-{}",
                            letter.to_uppercase(),
                            def.code.to_uppercase(),
                            edition.to_uppercase()
                        ),
                        &format!("{}: {label}", def.title),
                        roles,
                        importance,
                        vendor,
                        &app,
                    ],
                )?;
            }
        }
    }
    for (id, title, vendor, vendor_resource, app, roles) in APPS {
        t.row(
            id,
            &[vendor_resource, title, roles, "secondary", vendor, app],
        )?;
    }
    Ok(())
}

fn courses<W: Write>(plan: &Plan, t: &mut Table<W>) -> io::Result<()> {
    for (c, course) in plan.courses.iter().enumerate() {
        let grades: Vec<&str> = (0..GRADES.len())
            .filter(|g| course.grades & (1 << g) != 0)
            .map(|g| GRADES[g])
            .collect();
        let subjects: Vec<&str> = course.def.subjects.iter().map(|s| s.0).collect();
        let codes: Vec<&str> = course.def.subjects.iter().map(|s| s.1).collect();
        t.row(
            &plan.course_id(c as u32),
            &[
                SCHOOL_YEAR_ID,
                course.def.title,
                &course.def.code.to_uppercase(),
                &grades.join(","),
                &plan.schools[course.school as usize].id,
                &subjects.join(","),
                &codes.join(","),
            ],
        )?;
    }
    Ok(())
}

/// Where a class meets.
fn location(plan: &Plan, c: u32) -> String {
    let class = &plan.classes[c as usize];
    let dept = plan.courses[class.course as usize].def.dept;
    match dept.special_room() {
        Some(room) => room.to_string(),
        None => format!("Room {}", plan.staff[class.teacher as usize].room),
    }
}

fn classes<W: Write>(plan: &Plan, t: &mut Table<W>) -> io::Result<()> {
    for (c, class) in plan.classes.iter().enumerate() {
        let course = &plan.courses[class.course as usize];
        let def = course.def;
        let title = if class.homeroom == NONE {
            format!("{} - Period {}", def.title, class.period)
        } else {
            let lead = plan.classes[class.homeroom as usize].teacher;
            format!("{} - {}", def.title, plan.staff_name(lead).1)
        };
        let subjects: Vec<&str> = def.subjects.iter().map(|s| s.0).collect();
        let codes: Vec<&str> = def.subjects.iter().map(|s| s.1).collect();
        let kind = if class.homeroom == c as u32 {
            "homeroom"
        } else {
            "scheduled"
        };
        t.row(
            &plan.class_id(c as u32),
            &[
                &title,
                GRADES[usize::from(class.grade)],
                &plan.course_id(class.course),
                &format!("{}-{:02}", def.code.to_uppercase(), class.number),
                kind,
                &location(plan, c as u32),
                &plan.schools[class.school as usize].id,
                term_ids(class.terms),
                &subjects.join(","),
                &codes.join(","),
                &class.period.to_string(),
            ],
        )?;
    }
    Ok(())
}

fn staff_username(plan: &Plan, t: u32) -> String {
    let (given, family) = plan.staff_name(t);
    let initial: String = slug(given).chars().take(1).collect();
    format!("{initial}{}{}", slug(family), t + 1)
}

fn student_username(plan: &Plan, s: u32) -> String {
    let (given, family, _) = plan.student_name(s);
    format!("{}.{}{}", slug(given), slug(family), s + 1)
}

fn guardian_username(plan: &Plan, household: u32, k: u32) -> String {
    let (given, family, _) = plan.guardian(household, k);
    format!("{}.{}{}", slug(given), slug(family), household * 2 + k + 1)
}

/// The students of a household, in order.
fn children(plan: &Plan, household: u32) -> Vec<u32> {
    let mut kids = vec![household];
    kids.extend(plan.sibling(household));
    kids
}

fn state_id(plan: &Plan, s: u32) -> String {
    format!(
        "{}{:010}",
        plan.place.state,
        3_000_000_000u64 + u64::from(s) * 7
    )
}

fn users<W: Write>(plan: &Plan, t: &mut Table<W>) -> io::Result<()> {
    for (i, staff) in plan.staff.iter().enumerate() {
        let i = i as u32;
        let (given, family) = plan.staff_name(i);
        let username = staff_username(plan, i);
        let number = format!("E{:06}", 100_000 + i);
        let mut r = Rng::keyed(plan.seed, tag::STAFF, &[u64::from(i), 1]);
        let preferred = if r.chance(60) {
            given.chars().take(3).collect::<String>() + "y"
        } else {
            String::new()
        };
        t.row(
            &staff.id,
            &[
                "true",
                &username,
                &format!("{{LDAP:uid={username}}},{{SIS:{number}}}"),
                given,
                family,
                if r.chance(300) {
                    r.pick(&catalog::MIDDLE_INITIALS)
                } else {
                    ""
                },
                &number,
                &format!("{username}@{}", plan.domain),
                "",
                &format!("555-{:04}", 100 + r.below(100)),
                "",
                "",
                "",
                "",
                &preferred,
                "",
                "",
                org_id(plan, staff.org()),
                if r.chance(100) {
                    r.pick(&catalog::PRONOUNS)
                } else {
                    ""
                },
            ],
        )?;
    }
    for s in 0..plan.students.len() as u32 {
        let student = plan.students[s as usize];
        let (given, family, middle) = plan.student_name(s);
        let username = student_username(plan, s);
        let household = plan.household(s);
        let agents: Vec<String> = (0..plan.guardian_count(household))
            .map(|k| plan.guardian_id(household, k))
            .collect();
        let number = format!("{}", 2_000_000 + s + 1);
        let state_id = state_id(plan, s);
        let mut r = Rng::keyed(plan.seed, tag::STUDENT, &[u64::from(s), 1]);
        let preferred = if r.chance(40) {
            given.chars().take(3).collect::<String>() + "y"
        } else {
            String::new()
        };
        let pronouns = if r.chance(50) {
            match plan.student_sex(s) {
                "female" if r.chance(800) => "she/her",
                "male" if r.chance(800) => "he/him",
                _ => "they/them",
            }
        } else {
            ""
        };
        t.row(
            &plan.student_id(s),
            &[
                b(!r.chance(5)),
                &username,
                &format!("{{StateID:{state_id}}},{{SIS:{number}}}"),
                given,
                family,
                middle,
                &number,
                &format!("{username}@students.{}", plan.domain),
                "",
                "",
                &agents.join(","),
                GRADES[usize::from(student.grade)],
                "",
                &state_id,
                &preferred,
                "",
                "",
                &plan.schools[student.school as usize].id,
                pronouns,
            ],
        )?;
    }
    for household in 0..plan.students.len() as u32 {
        if plan.household(household) != household {
            continue;
        }
        let kids: Vec<String> = children(plan, household)
            .into_iter()
            .map(|s| plan.student_id(s))
            .collect();
        let school = plan.students[household as usize].school;
        for k in 0..plan.guardian_count(household) {
            let (given, family, _) = plan.guardian(household, k);
            let username = guardian_username(plan, household, k);
            let mut r = Rng::keyed(
                plan.seed,
                tag::GUARDIAN,
                &[u64::from(household), u64::from(k), 1],
            );
            let phone = format!("555-{:04}", 100 + r.below(100));
            t.row(
                &plan.guardian_id(household, k),
                &[
                    "true",
                    &username,
                    "",
                    given,
                    family,
                    "",
                    "",
                    &format!("{username}@mail.example.com"),
                    if r.chance(600) { &phone } else { "" },
                    &phone,
                    &kids.join(","),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    &plan.schools[school as usize].id,
                    "",
                ],
            )?;
        }
    }
    Ok(())
}

fn user_profiles<W: Write>(plan: &Plan, t: &mut Table<W>) -> io::Result<()> {
    for (i, staff) in plan.staff.iter().enumerate() {
        t.row(
            &format!("{}-sso", staff.id),
            &[
                &staff.id,
                "SSO",
                "vnd-district-idp",
                "district-portal",
                "District single sign-on",
                "password",
                &staff_username(plan, i as u32),
                "",
            ],
        )?;
    }
    Ok(())
}

fn roles<W: Write>(plan: &Plan, t: &mut Table<W>) -> io::Result<()> {
    let year_start = SESSIONS[0].start;
    for staff in &plan.staff {
        let profile = format!("{}-sso", staff.id);
        for (i, &(role, org)) in staff.roles.iter().enumerate() {
            let primary = staff.roles[..i].iter().all(|r| r.1 != org);
            let begin = if staff.kind == StaffKind::Teacher {
                year_start
            } else {
                ""
            };
            t.row(
                &format!("{}-r{}", staff.id, i + 1),
                &[
                    &staff.id,
                    if primary { "primary" } else { "secondary" },
                    role,
                    begin,
                    "",
                    org_id(plan, org),
                    &profile,
                ],
            )?;
        }
    }
    for s in 0..plan.students.len() as u32 {
        let id = plan.student_id(s);
        let school = plan.students[s as usize].school;
        t.row(
            &format!("{id}-r1"),
            &[
                &id,
                "primary",
                "student",
                year_start,
                "",
                &plan.schools[school as usize].id,
                "",
            ],
        )?;
        if let Some(elementary) = plan.aide_school(s) {
            t.row(
                &format!("{id}-r2"),
                &[
                    &id,
                    "primary",
                    "aide",
                    year_start,
                    "",
                    &plan.schools[elementary as usize].id,
                    "",
                ],
            )?;
        }
    }
    for household in 0..plan.students.len() as u32 {
        if plan.household(household) != household {
            continue;
        }
        let schools: BTreeSet<u32> = children(plan, household)
            .into_iter()
            .map(|s| plan.students[s as usize].school)
            .collect();
        for k in 0..plan.guardian_count(household) {
            let id = plan.guardian_id(household, k);
            let (_, _, role) = plan.guardian(household, k);
            for (i, &school) in schools.iter().enumerate() {
                t.row(
                    &format!("{id}-r{}", i + 1),
                    &[
                        &id,
                        "primary",
                        role,
                        "",
                        "",
                        &plan.schools[school as usize].id,
                        "",
                    ],
                )?;
            }
        }
    }
    Ok(())
}

fn demographics<W: Write>(plan: &Plan, t: &mut Table<W>) -> io::Result<()> {
    let state = plan.place.state;
    for s in 0..plan.students.len() as u32 {
        let grade = i64::from(plan.students[s as usize].grade);
        let mut r = Rng::keyed(plan.seed, tag::DEMOGRAPHICS, &[u64::from(s)]);
        // Kindergarteners turn five by September 1; a few students are a year older.
        let cutoff = super::plan::day(&format!("{}-09-01", 2020 - grade));
        let older = if r.chance(30) { 365 } else { 0 };
        let birth = date(cutoff - 1 - r.below(365) as i64 - older);
        let mut race = [false; 5];
        let mut two = false;
        match r.below(1000) {
            0..550 => race[4] = true,
            550..700 => race[2] = true,
            700..770 => race[1] = true,
            770..782 => race[0] = true,
            782..787 => race[3] = true,
            787..850 => {
                two = true;
                let a = r.below(5) as usize;
                race[a] = true;
                race[(a + 1 + r.below(4) as usize) % 5] = true;
            }
            _ => {}
        }
        let hispanic = r.chance(270);
        let (country, birth_state, city) = if r.chance(880) {
            if r.chance(800) {
                ("US", state, r.pick(plan.place.cities))
            } else {
                ("US", r.pick(&catalog::OTHER_STATES), "")
            }
        } else {
            (r.pick(&catalog::OTHER_COUNTRIES), "", "")
        };
        t.row(
            &plan.student_id(s),
            &[
                &birth,
                plan.student_sex(s),
                b(race[0]),
                b(race[1]),
                b(race[2]),
                b(race[3]),
                b(race[4]),
                b(two),
                b(hispanic),
                country,
                birth_state,
                city,
                "",
            ],
        )?;
    }
    Ok(())
}

fn enrollments<W: Write>(plan: &Plan, t: &mut Table<W>) -> io::Result<()> {
    let mut n = 0u64;
    let mut next = || {
        n += 1;
        format!("enr-{n:08}")
    };
    for (c, class) in plan.classes.iter().enumerate() {
        let class_id = plan.class_id(c as u32);
        let school = &plan.schools[class.school as usize].id;
        for term in Plan::terms(class.terms) {
            let (start, end) = plan.calendar.term(term);
            let (begin, end) = (plan.calendar.date(start), plan.calendar.date(end));
            let teachers = [(class.teacher, "true"), (class.co_teacher, "false")];
            for (who, primary) in teachers.into_iter().filter(|w| w.0 != NONE) {
                t.row(
                    &next(),
                    &[
                        &class_id,
                        school,
                        &plan.staff[who as usize].id,
                        "teacher",
                        primary,
                        begin,
                        end,
                    ],
                )?;
            }
            for &s in plan.members(c as u32) {
                t.row(
                    &next(),
                    &[
                        &class_id,
                        school,
                        &plan.student_id(s),
                        "student",
                        "",
                        begin,
                        end,
                    ],
                )?;
            }
        }
    }
    Ok(())
}

fn course_resources<W: Write>(plan: &Plan, t: &mut Table<W>) -> io::Result<()> {
    for (c, course) in plan.courses.iter().enumerate() {
        if !course.def.has_textbook() {
            continue;
        }
        let id = plan.course_id(c as u32);
        t.row(
            &format!("cres-{}", &id[4..]),
            &[
                &format!("{}: Student Edition", course.def.title),
                &id,
                &textbook_id(plan, c as u32, "se"),
            ],
        )?;
    }
    Ok(())
}

fn class_resources<W: Write>(plan: &Plan, t: &mut Table<W>) -> io::Result<()> {
    for (c, class) in plan.classes.iter().enumerate() {
        let dept = plan.courses[class.course as usize].def.dept;
        let id = plan.class_id(c as u32);
        for (k, &app) in dept.apps().iter().enumerate() {
            t.row(
                &format!("clres-{}-{}", &id[4..], k + 1),
                &[APPS[app].1, &id, APPS[app].0],
            )?;
        }
    }
    Ok(())
}

fn user_resources<W: Write>(plan: &Plan, t: &mut Table<W>) -> io::Result<()> {
    // A teacher edition is district-wide (one per level and course code): an itinerant
    // teacher who teaches the same course at two schools gets it once, through the first
    // school.
    let mut taught: BTreeMap<(u32, String), u32> = BTreeMap::new();
    for c in &plan.classes {
        let course = &plan.courses[c.course as usize];
        if course.def.has_textbook() {
            taught
                .entry((c.teacher, textbook_id(plan, c.course, "te")))
                .or_insert(course.school);
        }
    }
    let mut previous = NONE;
    let mut k = 0;
    for ((teacher, textbook), school) in taught {
        k = if teacher == previous { k + 1 } else { 1 };
        previous = teacher;
        let staff = &plan.staff[teacher as usize];
        t.row(
            &format!("ures-{}-{k}", staff.id),
            &[&staff.id, &plan.schools[school as usize].id, "", &textbook],
        )?;
    }
    Ok(())
}

fn categories<W: Write>(t: &mut Table<W>) -> io::Result<()> {
    for c in &CATEGORIES {
        t.row(c.id, &[c.title, c.weight])?;
    }
    Ok(())
}

fn score_scales<W: Write>(plan: &Plan, t: &mut Table<W>) -> io::Result<()> {
    for (i, s) in plan.schools.iter().enumerate() {
        let Some(id) = score_scale_id(plan, i as u32) else {
            continue;
        };
        // The binding ties a score scale to a class; each school's scale is defined on its
        // first class and used by the line items of all its classes.
        let class = s.classes.start;
        let course = plan.classes[class as usize].course;
        let (title, kind, values): (_, _, &[(&str, &str)]) = if s.is_elementary() {
            (
                "Standards-Based Grading (1-4)",
                "standards",
                &STANDARDS_SCALE,
            )
        } else {
            ("Letter Grades (A-F)", "letter", &LETTER_SCALE)
        };
        let values: Vec<String> = values.iter().map(|(l, r)| format!("{{{l}:{r}}}")).collect();
        t.row(
            &id,
            &[
                title,
                kind,
                &s.id,
                &plan.course_id(course),
                &plan.class_id(class),
                &values.join(","),
            ],
        )?;
    }
    Ok(())
}

fn line_items<W: Write>(plan: &Plan, t: &mut Table<W>) -> io::Result<()> {
    for c in 0..plan.classes.len() as u32 {
        let class = &plan.classes[c as usize];
        let class_id = plan.class_id(c);
        let school = &plan.schools[class.school as usize].id;
        for item in gradebook::items(plan, c) {
            t.row(
                &item_id(&class_id, item.number),
                &[
                    &item.title(),
                    item.description,
                    plan.calendar.date(item.assign),
                    plan.calendar.date(item.due),
                    &class_id,
                    CATEGORIES[item.category].id,
                    SESSIONS[QUARTERS[item.quarter]].id,
                    &item.min.to_string(),
                    &item.max.to_string(),
                    school,
                ],
            )?;
        }
    }
    Ok(())
}

fn line_item_score_scales<W: Write>(plan: &Plan, t: &mut Table<W>) -> io::Result<()> {
    for c in 0..plan.classes.len() as u32 {
        let class_id = plan.class_id(c);
        let Some(scale) = score_scale_id(plan, plan.classes[c as usize].school) else {
            continue;
        };
        for item in gradebook::items(plan, c).iter().filter(|i| i.scaled) {
            let id = item_id(&class_id, item.number);
            t.row(&format!("{id}-ss"), &["", &id, &scale])?;
        }
    }
    Ok(())
}

fn line_item_objectives<W: Write>(plan: &Plan, t: &mut Table<W>) -> io::Result<()> {
    for c in 0..plan.classes.len() as u32 {
        let class_id = plan.class_id(c);
        for item in gradebook::items(plan, c) {
            let id = item_id(&class_id, item.number);
            for k in 0..item.objectives {
                t.row(
                    &format!("{id}-lo{}", k + 1),
                    &[&id, "case", &gradebook::objective(plan, c, &item, k)],
                )?;
            }
        }
    }
    Ok(())
}

/// `results.csv` and the two files of links from results: the same walk over the graded
/// line items, writing the part `name` asks for.
fn results<W: Write>(name: &str, plan: &Plan, t: &mut Table<W>) -> io::Result<()> {
    let mut n = 0u64;
    for c in 0..plan.classes.len() as u32 {
        let class = &plan.classes[c as usize];
        let class_id = plan.class_id(c);
        let scale = score_scale_id(plan, class.school);
        for item in gradebook::items(plan, c)
            .into_iter()
            .filter(|i| i.graded(plan))
        {
            let li = item_id(&class_id, item.number);
            let objectives: Vec<String> = (0..item.objectives)
                .map(|k| gradebook::objective(plan, c, &item, k))
                .collect();
            for &s in plan.members(c) {
                n += 1;
                let id = format!("rsl-{n:08}");
                let o = gradebook::outcome(plan, c, &item, s);
                match name {
                    "results" => t.row(
                        &id,
                        &[
                            &li,
                            &plan.student_id(s),
                            o.status,
                            &o.score(),
                            plan.calendar.date(o.date),
                            o.comment,
                            o.text,
                            &class_id,
                            "false",
                            b(o.incomplete),
                            b(o.late),
                            b(o.missing),
                        ],
                    )?,
                    "resultScoreScales" => {
                        if let Some(scale) = scale.as_deref().filter(|_| !o.text.is_empty()) {
                            t.row(&format!("{id}-ss"), &["", &id, scale])?;
                        }
                    }
                    _ => {
                        if o.score_halves.is_some() && !o.missing {
                            for (k, objective) in objectives.iter().enumerate() {
                                let level = o.mastery(plan, n, k as u32);
                                t.row(
                                    &format!("{id}-lo{}", k + 1),
                                    &[&id, "case", objective, &level.to_string(), ""],
                                )?;
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(())
}
