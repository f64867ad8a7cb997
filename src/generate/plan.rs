//! The district plan: every decision that links one object to another (which school a student
//! attends, which sections make up a student's day, who teaches each section), made once and
//! kept in compact form. Attributes that link to nothing (names, birth dates, scores) are not
//! stored: the output files derive them from the seed and the object's number.

use std::ops::Range;

use super::catalog::{
    self, CourseDef, Dept, LEVELS, LevelDef, PERIODS, PLACES, Place, SESSIONS, Slot,
};
use super::rng::{Rng, apportion};
use crate::model::datetime::{format_datetime, parse_datetime};

/// No index (no co-teacher, no homeroom).
pub const NONE: u32 = u32::MAX;
/// Class terms, as bits.
pub const FALL: u8 = 1;
pub const SPRING: u8 = 2;
pub const YEAR: u8 = FALL | SPRING;

/// Secondary class size targets, and elementary ones (smaller in the early grades).
const SECONDARY_CLASS_SIZE: usize = 25;
const PRIMARY_CLASS_SIZE: usize = 22;
const ELEMENTARY_CLASS_SIZE: usize = 25;
/// Sections a teacher teaches: secondary teachers five periods of seven in each term (term
/// periods), elementary specialists up to thirty homeroom groups a week.
const SECONDARY_LOAD: u32 = 10;
const SPECIALIST_LOAD: u32 = 30;
/// Share (per mille) of English and mathematics sections with a special education co-teacher.
const CO_TEACHING: u64 = 100;

/// Purposes of the keyed random streams.
pub mod tag {
    pub const PLACE: u64 = 1;
    pub const SCHOOLS: u64 = 2;
    pub const GRADES: u64 = 3;
    pub const SECTIONS: u64 = 4;
    pub const OPTIONS: u64 = 5;
    pub const NAMES: u64 = 6;
    pub const STAFF: u64 = 7;
    pub const HOUSEHOLD: u64 = 8;
    pub const GUARDIAN: u64 = 9;
    pub const DEMOGRAPHICS: u64 = 10;
    pub const ITEMS: u64 = 11;
    pub const RESULT: u64 = 12;
    pub const ABILITY: u64 = 13;
    pub const CO_TEACHER: u64 = 14;
    pub const AIDE: u64 = 15;
    pub const STUDENT: u64 = 16;
    pub const SCHOOL_NAMES: u64 = 17;
}

/// An organisation a role is held in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Org {
    District,
    School(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffKind {
    Teacher,
    Counselor,
    Principal,
    AssistantPrincipal,
    Aide,
    DistrictAdministrator,
    SystemAdministrator,
}

impl StaffKind {
    const ALL: [StaffKind; 7] = [
        StaffKind::Teacher,
        StaffKind::Counselor,
        StaffKind::Principal,
        StaffKind::AssistantPrincipal,
        StaffKind::Aide,
        StaffKind::DistrictAdministrator,
        StaffKind::SystemAdministrator,
    ];

    fn prefix(self) -> &'static str {
        match self {
            StaffKind::Teacher => "tch",
            StaffKind::Counselor => "cns",
            StaffKind::Principal | StaffKind::AssistantPrincipal => "adm",
            StaffKind::Aide => "aide",
            StaffKind::DistrictAdministrator | StaffKind::SystemAdministrator => "dst",
        }
    }

    /// The role held at the organisation the person is hired for.
    fn role(self) -> &'static str {
        match self {
            StaffKind::Teacher => "teacher",
            StaffKind::Counselor => "counselor",
            StaffKind::Principal => "principal",
            StaffKind::AssistantPrincipal => "siteAdministrator",
            StaffKind::Aide => "aide",
            StaffKind::DistrictAdministrator => "districtAdministrator",
            StaffKind::SystemAdministrator => "systemAdministrator",
        }
    }
}

/// A role of a staff member: (OneRoster role, organisation), in the order written; the first
/// role in each organisation is the primary one there.
pub type StaffRole = (&'static str, Org);

pub struct Staff {
    pub id: String,
    pub kind: StaffKind,
    pub roles: Vec<StaffRole>,
    /// Room number at the school the person was hired for.
    pub room: u16,
    /// Term sections taught (a year-long section counts twice), as primary or co-teacher.
    pub load: u32,
}

impl Staff {
    pub fn org(&self) -> Org {
        self.roles[0].1
    }
}

pub struct School {
    /// 1-based, as in the sourcedId.
    pub number: u32,
    pub id: String,
    pub name: String,
    pub identifier: String,
    pub level: &'static LevelDef,
    pub classes: Range<u32>,
}

impl School {
    pub fn is_elementary(&self) -> bool {
        self.level.homeroom_groups
    }
}

pub struct Course {
    pub school: u32,
    pub def: &'static CourseDef,
    /// Grades of the sections, as bits over [`catalog::GRADES`].
    pub grades: u16,
}

pub struct Class {
    pub school: u32,
    pub course: u32,
    pub grade: u8,
    /// Section number within the course, from 1.
    pub number: u16,
    pub terms: u8,
    pub period: u8,
    /// The homeroom class of the group (elementary classes), or [`NONE`].
    pub homeroom: u32,
    pub teacher: u32,
    pub co_teacher: u32,
    /// The class's students: a range of [`Plan::members`].
    pub members: (u32, u32),
}

#[derive(Clone, Copy)]
pub struct Student {
    pub school: u32,
    pub grade: u8,
}

/// Day numbers (days since 1970-01-01) of the school calendar, and their `YYYY-MM-DD` forms.
pub struct Calendar {
    /// The day of `dates[0]`.
    first: i64,
    dates: Vec<String>,
    /// (start, end exclusive) of each entry of [`catalog::SESSIONS`].
    pub sessions: Vec<(i64, i64)>,
    pub as_of: i64,
}

/// Days since the epoch of a `YYYY-MM-DD` date.
pub fn day(date: &str) -> i64 {
    parse_datetime(date).expect("a valid calendar date") / 86_400_000
}

/// The `YYYY-MM-DD` form of a day number.
pub fn date(day: i64) -> String {
    format_datetime(day * 86_400_000)[..10].to_string()
}

impl Calendar {
    fn new() -> Calendar {
        let sessions: Vec<(i64, i64)> = SESSIONS
            .iter()
            .map(|s| (day(s.start), day(s.end)))
            .collect();
        let first = sessions[0].0 - 60;
        let dates = (first..sessions[0].1 + 60).map(date).collect();
        Calendar {
            first,
            dates,
            sessions,
            as_of: day(catalog::AS_OF),
        }
    }

    /// The `YYYY-MM-DD` form of a day of the school year (give or take two months).
    pub fn date(&self, day: i64) -> &str {
        &self.dates[(day - self.first) as usize]
    }

    pub fn term(&self, term: u8) -> (i64, i64) {
        self.sessions[catalog::TERMS[usize::from(term == SPRING)]]
    }
}

/// Mon = 0 … Sun = 6.
pub fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

pub struct Plan {
    pub seed: u64,
    pub place: &'static Place,
    pub district_name: String,
    pub district_identifier: String,
    /// E-mail domain of staff; students use `students.<domain>`.
    pub domain: String,
    pub calendar: Calendar,
    pub schools: Vec<School>,
    pub courses: Vec<Course>,
    pub classes: Vec<Class>,
    /// Students of the classes, class after class.
    pub members: Vec<u32>,
    pub students: Vec<Student>,
    pub staff: Vec<Staff>,
    staff_numbers: [u32; 7],
}

/// A section of a secondary grade: terms, period, course code, students.
type Section = (u8, u8, &'static str, Vec<u32>);

/// The teachers of one department available for sections, with the periods they already
/// teach; the most lightly loaded one may move on to the next school of the same level.
#[derive(Default)]
struct Pool {
    members: Vec<Load>,
}

struct Load {
    staff: u32,
    /// Taken term periods: bit `period` for the fall, `PERIODS + period` for the spring.
    busy: u16,
    count: u32,
    school: u32,
    schools: u32,
}

impl Plan {
    /// Plans a district of `students` students.
    pub fn build(students: u32, seed: u64) -> Plan {
        let mut r = Rng::keyed(seed, tag::PLACE, &[]);
        let place = &PLACES[r.below(PLACES.len() as u64) as usize];
        let district_number = r.between(10_000, 99_999);
        let mut plan = Plan {
            seed,
            place,
            district_name: format!("{} Unified School District", place.name),
            district_identifier: format!("{}{district_number}", place.fips),
            domain: format!("{}usd.example.org", catalog::slug(place.name)),
            calendar: Calendar::new(),
            schools: Vec::new(),
            courses: Vec::new(),
            classes: Vec::new(),
            members: Vec::new(),
            students: Vec::with_capacity(students as usize),
            staff: Vec::new(),
            staff_numbers: [0; 7],
        };
        plan.hire(StaffKind::DistrictAdministrator, Org::District);
        plan.hire(StaffKind::DistrictAdministrator, Org::District);
        plan.hire(StaffKind::DistrictAdministrator, Org::District);
        plan.hire(StaffKind::SystemAdministrator, Org::District);

        let mut names: Vec<usize> =
            (0..catalog::SCHOOL_NAMES.len() * catalog::SCHOOL_NAME_SUFFIXES.len()).collect();
        Rng::keyed(seed, tag::SCHOOL_NAMES, &[]).shuffle(&mut names);
        let grade_counts: Vec<u64> = LEVELS.iter().map(|l| l.grades.len() as u64).collect();
        let level_totals = apportion(u64::from(students), &grade_counts);
        for (li, level) in LEVELS.iter().enumerate() {
            let total = level_totals[li];
            let count = ((total + level.school_size / 2) / level.school_size).max(1);
            let mut r = Rng::keyed(seed, tag::SCHOOLS, &[li as u64]);
            let weights: Vec<u64> = (0..count).map(|_| r.between(80, 120) as u64).collect();
            let mut pools: Vec<Pool> = (0..Dept::COUNT).map(|_| Pool::default()).collect();
            for (j, size) in apportion(total, &weights).into_iter().enumerate() {
                let name = names
                    .get(j)
                    .map(|&n| {
                        let first = catalog::SCHOOL_NAMES[n % catalog::SCHOOL_NAMES.len()];
                        let suffix = catalog::SCHOOL_NAME_SUFFIXES[n / catalog::SCHOOL_NAMES.len()];
                        format!("{first}{suffix} {}", level.name)
                    })
                    .unwrap_or_else(|| format!("{} No. {}", level.name, j + 1));
                plan.add_school(level, name, size as usize, &mut pools);
            }
        }
        // A principal who also serves on the district's leadership team.
        if let Some(p) = plan
            .staff
            .iter_mut()
            .rev()
            .find(|s| s.kind == StaffKind::Principal)
        {
            p.roles.push(("districtAdministrator", Org::District));
        }
        plan
    }

    fn hire(&mut self, kind: StaffKind, org: Org) -> u32 {
        let k = StaffKind::ALL.iter().position(|&x| x == kind).unwrap_or(0);
        let prefix_count: u32 = StaffKind::ALL
            .iter()
            .enumerate()
            .filter(|(_, x)| x.prefix() == kind.prefix())
            .map(|(i, _)| self.staff_numbers[i])
            .sum();
        self.staff_numbers[k] += 1;
        // Staff are hired school after school: those hired at this school so far are the
        // last ones.
        let room = match org {
            Org::School(_) => {
                101 + self
                    .staff
                    .iter()
                    .rev()
                    .take_while(|x| x.org() == org)
                    .count() as u16
            }
            Org::District => 0,
        };
        let width = if kind == StaffKind::Teacher { 5 } else { 4 };
        self.staff.push(Staff {
            id: format!("{}-{:0width$}", kind.prefix(), prefix_count + 1),
            kind,
            roles: vec![(kind.role(), org)],
            room,
            load: 0,
        });
        (self.staff.len() - 1) as u32
    }

    fn add_school(
        &mut self,
        level: &'static LevelDef,
        name: String,
        size: usize,
        pools: &mut [Pool],
    ) {
        let idx = self.schools.len() as u32;
        let number = idx + 1;
        let mut r = Rng::keyed(self.seed, tag::GRADES, &[u64::from(idx)]);
        let weights: Vec<u64> = level
            .grades
            .clone()
            .map(|_| r.between(92, 108) as u64)
            .collect();
        let per_grade = apportion(size as u64, &weights);

        let first_student = self.students.len() as u32;
        for (g, &n) in level.grades.clone().zip(&per_grade) {
            for _ in 0..n {
                self.students.push(Student {
                    school: idx,
                    grade: g as u8,
                });
            }
        }
        let first_course = self.courses.len() as u32;
        for def in level.courses {
            self.courses.push(Course {
                school: idx,
                def,
                grades: catalog_grades(level, def.code),
            });
        }
        let first_class = self.classes.len() as u32;
        let mut numbers = vec![0u16; level.courses.len()];
        let mut next = first_student;
        for ((g, &n), day) in level.grades.clone().zip(&per_grade).zip(level.schedule) {
            let mut roster: Vec<u32> = (next..next + n as u32).collect();
            next += n as u32;
            let key = [u64::from(idx), g as u64];
            Rng::keyed(self.seed, tag::SECTIONS, &key).shuffle(&mut roster);
            let mut add =
                |plan: &mut Plan, code: &str, terms, period, homeroom, members: &[u32]| {
                    let local = level.course(code);
                    numbers[local] += 1;
                    plan.add_class(
                        first_course + local as u32,
                        g as u8,
                        numbers[local],
                        terms,
                        period,
                        homeroom,
                        members,
                    );
                };
            if level.homeroom_groups {
                let size = if g <= 2 {
                    PRIMARY_CLASS_SIZE
                } else {
                    ELEMENTARY_CLASS_SIZE
                };
                let groups = sections_for(roster.len(), size);
                for s in 0..groups {
                    let group = &roster[chunk(roster.len(), groups, s)];
                    let homeroom = self.classes.len() as u32;
                    for (k, slot) in day.iter().enumerate() {
                        let Slot::Year(options) = slot else {
                            unreachable!("elementary classes last the year")
                        };
                        // Specials rotate through the day, one group after another.
                        let period = if k == 0 { 1 } else { (s + k) % 6 + 2 };
                        add(self, options[0].0, YEAR, period as u8, homeroom, group);
                    }
                }
            } else {
                for (terms, period, code, members) in self.secondary_sections(idx, g, &roster, day)
                {
                    add(self, code, terms, period, NONE, &members);
                }
            }
        }
        let last_class = self.classes.len() as u32;
        self.staff_school(idx, level, first_class..last_class, pools);
        self.schools.push(School {
            number,
            id: format!("sch-{number:04}"),
            name,
            // NCES style: the district's seven digits, then the school's five.
            identifier: format!("{}{number:05}", self.district_identifier),
            level,
            classes: first_class..last_class,
        });
    }

    /// Spreads a secondary grade over the sections of each slot of its day, so that every
    /// student has one class in each period (no two in the same period, in either term) and
    /// sits with different classmates from one period to the next.
    ///
    /// Each slot has `S` ≈ n/25 sections; section `s` of slot `c` meets in period
    /// `(c + s + k) mod 7`, `k` shifting each grade so that a teacher can teach several. A
    /// student follows a period permutation `c ↦ (a·c + r + k) mod 7` (`a` in 1..=6: seven
    /// is prime, so each is a permutation). Students are spread evenly over the 42
    /// permutations while there are whole rounds of seven sections (every period of every
    /// slot then gets the same demand, met by a mix of students); the sections beyond the
    /// last whole round are filled by students on the permutations with `a = 1`.
    fn secondary_sections(
        &self,
        school: u32,
        grade: usize,
        roster: &[u32],
        day: &[Slot],
    ) -> Vec<Section> {
        let n = roster.len();
        let sections = sections_for(n, SECONDARY_CLASS_SIZE);
        if n == 0 {
            return Vec::new();
        }
        let rounds = sections / PERIODS;
        let spare = sections % PERIODS;
        let mixed = n * PERIODS * rounds / sections;
        let perm: Vec<(usize, usize)> = (0..n)
            .map(|t| {
                if t < mixed {
                    let combo = t % 42;
                    (combo / PERIODS + 1, combo % PERIODS)
                } else {
                    (1, (t - mixed) * spare / (n - mixed))
                }
            })
            .collect();
        // Grades of a school start their rotation in different periods, so that a teacher can
        // teach the same subject to several grades.
        let shift = 2 * grade % PERIODS;
        let mut out = Vec::new();
        for (c, slot) in day.iter().enumerate() {
            let parts: Vec<(u8, &'static [(&'static str, u32)])> = match slot {
                Slot::Year(options) => vec![(YEAR, *options)],
                Slot::Semester(fall, spring) => vec![(FALL, *fall), (SPRING, *spring)],
            };
            for (terms, options) in parts {
                let weights: Vec<u32> = options.iter().map(|o| o.1).collect();
                for p in 0..PERIODS {
                    let here: Vec<usize> = (0..sections)
                        .filter(|s| (c + s + shift) % PERIODS == p)
                        .collect();
                    if here.is_empty() {
                        continue;
                    }
                    let mut bucket: Vec<u32> = (0..n)
                        .filter(|&t| (perm[t].0 * c + perm[t].1 + shift) % PERIODS == p)
                        .map(|t| roster[t])
                        .collect();
                    let key = [
                        u64::from(school),
                        grade as u64,
                        c as u64,
                        p as u64,
                        u64::from(terms),
                    ];
                    Rng::keyed(self.seed, tag::SECTIONS, &key).shuffle(&mut bucket);
                    for (i, &s) in here.iter().enumerate() {
                        let members = &bucket[chunk(bucket.len(), here.len(), i)];
                        if members.is_empty() {
                            continue;
                        }
                        let key = [
                            u64::from(school),
                            grade as u64,
                            c as u64,
                            s as u64,
                            u64::from(terms),
                        ];
                        let option = Rng::keyed(self.seed, tag::OPTIONS, &key).weighted(&weights);
                        out.push((terms, (p + 1) as u8, options[option].0, members.to_vec()));
                    }
                }
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn add_class(
        &mut self,
        course: u32,
        grade: u8,
        number: u16,
        terms: u8,
        period: u8,
        homeroom: u32,
        members: &[u32],
    ) {
        let school = self.courses[course as usize].school;
        let start = self.members.len() as u32;
        self.members.extend_from_slice(members);
        self.classes.push(Class {
            school,
            course,
            grade,
            number,
            terms,
            period,
            homeroom,
            teacher: NONE,
            co_teacher: NONE,
            members: (start, self.members.len() as u32),
        });
    }

    /// Hires and assigns the teachers of a school's classes, then its other staff.
    fn staff_school(
        &mut self,
        school: u32,
        level: &LevelDef,
        classes: Range<u32>,
        pools: &mut [Pool],
    ) {
        // The lightest-loaded teacher of each department may continue at this school (an
        // itinerant teacher); everyone else stays at the previous one.
        for (d, pool) in pools.iter_mut().enumerate() {
            let cap = load_cap(level, d);
            let keep = pool
                .members
                .iter()
                .enumerate()
                .filter(|(_, m)| m.count <= cap / 2 && m.schools == 1)
                .min_by_key(|(i, m)| (m.count, *i))
                .map(|(i, _)| i);
            pool.members = match keep {
                Some(i) => vec![pool.members.swap_remove(i)],
                None => Vec::new(),
            };
        }
        let mut order: Vec<u32> = classes.clone().collect();
        order.sort_by_key(|&c| {
            let class = &self.classes[c as usize];
            let def = self.courses[class.course as usize].def;
            (def.dept, class.course, class.grade, c)
        });
        for &c in &order {
            let class = &self.classes[c as usize];
            let dept = self.courses[class.course as usize].def.dept;
            let teacher = self.assign(pools, level, school, dept, class.terms, class.period);
            self.classes[c as usize].teacher = teacher;
        }
        if !level.homeroom_groups {
            for &c in &order {
                let class = &self.classes[c as usize];
                let dept = self.courses[class.course as usize].def.dept;
                if !matches!(dept, Dept::English | Dept::Math)
                    || !Rng::keyed(self.seed, tag::CO_TEACHER, &[u64::from(c)]).chance(CO_TEACHING)
                {
                    continue;
                }
                let (terms, period) = (class.terms, class.period);
                let co = self.assign(pools, level, school, Dept::SpecialEducation, terms, period);
                self.classes[c as usize].co_teacher = co;
            }
        }

        let size = self
            .students
            .iter()
            .rev()
            .take_while(|s| s.school == school)
            .count();
        let org = Org::School(school);
        self.hire(StaffKind::Principal, org);
        let assistants = if level.homeroom_groups {
            usize::from(size > 800)
        } else {
            size / 700
        };
        for _ in 0..assistants {
            self.hire(StaffKind::AssistantPrincipal, org);
        }
        let counselors = if level.homeroom_groups {
            usize::from(size >= 500)
        } else {
            size.div_ceil(400)
        };
        for _ in 0..counselors {
            self.hire(StaffKind::Counselor, org);
        }
        if level.homeroom_groups {
            for _ in 0..size / 150 {
                self.hire(StaffKind::Aide, org);
            }
        } else if let Some(t) = (0..self.staff.len())
            .filter(|&t| {
                let s = &self.staff[t];
                s.kind == StaffKind::Teacher && s.org() == org
            })
            .min_by_key(|&t| (self.staff[t].load, t))
        {
            // A teacher with a light load who also counsels students.
            self.staff[t].roles.push(("counselor", org));
        }
    }

    /// The first teacher of the department's pool free in that period with room in their
    /// load, hiring one if there is none.
    fn assign(
        &mut self,
        pools: &mut [Pool],
        level: &LevelDef,
        school: u32,
        dept: Dept,
        terms: u8,
        period: u8,
    ) -> u32 {
        let d = dept as usize;
        let cap = load_cap(level, d);
        let (mask, cost) = if level.homeroom_groups {
            (0u16, 1)
        } else {
            let p = u16::from(period - 1);
            let mut mask: u16 = 0;
            if terms & FALL != 0 {
                mask |= 1 << p;
            }
            if terms & SPRING != 0 {
                mask |= 1 << (PERIODS as u16 + p);
            }
            (mask, mask.count_ones())
        };
        let pool = &mut pools[d];
        let found = pool
            .members
            .iter()
            .position(|m| m.count + cost <= cap && m.busy & mask == 0);
        let i = match found {
            Some(i) => i,
            None => {
                let staff = self.hire(StaffKind::Teacher, Org::School(school));
                pools[d].members.push(Load {
                    staff,
                    busy: 0,
                    count: 0,
                    school,
                    schools: 1,
                });
                pools[d].members.len() - 1
            }
        };
        let m = &mut pools[d].members[i];
        m.busy |= mask;
        m.count += cost;
        if m.school != school {
            m.school = school;
            m.schools += 1;
            self.staff[m.staff as usize]
                .roles
                .push(("teacher", Org::School(school)));
        }
        self.staff[m.staff as usize].load += cost;
        m.staff
    }

    // ---- derived attributes ------------------------------------------------------------------

    pub fn student_id(&self, s: u32) -> String {
        format!("stu-{:07}", s + 1)
    }

    /// The student of another school who shares a household with `s`, if any. Half of the
    /// students are paired with the student half the district away (another school, a
    /// different age); three in ten of those pairs are siblings.
    pub fn sibling(&self, s: u32) -> Option<u32> {
        let half = self.students.len() as u32 / 2;
        let paired = |i: u32| Rng::keyed(self.seed, tag::HOUSEHOLD, &[u64::from(i)]).chance(300);
        if s < half && paired(s) {
            Some(s + half)
        } else if s >= half && s - half < half && paired(s - half) {
            Some(s - half)
        } else {
            None
        }
    }

    /// The household of a student: the lower student number of its children.
    pub fn household(&self, s: u32) -> u32 {
        self.sibling(s).map_or(s, |o| o.min(s))
    }

    /// The number of guardians of a household (1 or 2).
    pub fn guardian_count(&self, household: u32) -> u32 {
        if Rng::keyed(self.seed, tag::GUARDIAN, &[u64::from(household)]).chance(280) {
            1
        } else {
            2
        }
    }

    pub fn guardian_id(&self, household: u32, k: u32) -> String {
        format!("grd-{:07}-{}", household + 1, k + 1)
    }

    /// `female`, `male`, `other` or `unspecified`.
    pub fn student_sex(&self, s: u32) -> &'static str {
        let x = Rng::keyed(self.seed, tag::STUDENT, &[u64::from(s)]).below(1000);
        match x {
            0..485 => "female",
            485..970 => "male",
            970..980 => "other",
            _ => "unspecified",
        }
    }

    /// Given name, family name and middle name of a student.
    pub fn student_name(&self, s: u32) -> (&'static str, &'static str, &'static str) {
        let mut r = Rng::keyed(self.seed, tag::NAMES, &[1, u64::from(s)]);
        let given = match self.student_sex(s) {
            "female" => r.pick(&catalog::FEMALE_NAMES),
            "male" => r.pick(&catalog::MALE_NAMES),
            _ => {
                if r.chance(500) {
                    r.pick(&catalog::FEMALE_NAMES)
                } else {
                    r.pick(&catalog::MALE_NAMES)
                }
            }
        };
        let middle = if r.chance(600) {
            r.pick(&catalog::MIDDLE_INITIALS)
        } else {
            ""
        };
        (given, self.family_name(self.household(s)), middle)
    }

    pub fn family_name(&self, household: u32) -> &'static str {
        Rng::keyed(self.seed, tag::NAMES, &[2, u64::from(household)]).pick(&catalog::FAMILY_NAMES)
    }

    /// Given and family name of a guardian, and their role (`parent`, `guardian`,
    /// `relative`).
    pub fn guardian(&self, household: u32, k: u32) -> (&'static str, &'static str, &'static str) {
        let mut r = Rng::keyed(
            self.seed,
            tag::GUARDIAN,
            &[u64::from(household), u64::from(k)],
        );
        let female = if k == 0 { r.chance(700) } else { r.chance(300) };
        let given = if female {
            r.pick(&catalog::FEMALE_NAMES)
        } else {
            r.pick(&catalog::MALE_NAMES)
        };
        let family = if k == 0 || r.chance(800) {
            self.family_name(household)
        } else {
            r.pick(&catalog::FAMILY_NAMES)
        };
        let role = match r.below(100) {
            0..90 => "parent",
            90..96 => "guardian",
            _ => "relative",
        };
        (given, family, role)
    }

    /// Given and family name of a staff member.
    pub fn staff_name(&self, t: u32) -> (&'static str, &'static str) {
        let mut r = Rng::keyed(self.seed, tag::STAFF, &[u64::from(t)]);
        let given = if r.chance(720) {
            r.pick(&catalog::FEMALE_NAMES)
        } else {
            r.pick(&catalog::MALE_NAMES)
        };
        (given, r.pick(&catalog::FAMILY_NAMES))
    }

    /// The elementary school where a high-school junior or senior volunteers as an aide.
    pub fn aide_school(&self, s: u32) -> Option<u32> {
        let student = self.students[s as usize];
        if student.grade < 11 {
            return None;
        }
        let mut r = Rng::keyed(self.seed, tag::AIDE, &[u64::from(s)]);
        if !r.chance(20) {
            return None;
        }
        let elementary = self.schools.iter().filter(|s| s.is_elementary()).count() as u64;
        (elementary > 0).then(|| r.below(elementary) as u32)
    }

    pub fn course_id(&self, c: u32) -> String {
        let course = &self.courses[c as usize];
        format!(
            "crs-{:04}-{}",
            self.schools[course.school as usize].number, course.def.code
        )
    }

    pub fn class_id(&self, c: u32) -> String {
        let class = &self.classes[c as usize];
        let course = &self.courses[class.course as usize];
        format!(
            "cls-{:04}-{}-{:02}",
            self.schools[class.school as usize].number, course.def.code, class.number
        )
    }

    pub fn members(&self, c: u32) -> &[u32] {
        let (a, b) = self.classes[c as usize].members;
        &self.members[a as usize..b as usize]
    }

    /// The terms of a class, as bits.
    pub fn terms(terms: u8) -> impl Iterator<Item = u8> {
        [FALL, SPRING].into_iter().filter(move |t| terms & t != 0)
    }
}

/// The grades whose schedule includes a course, as bits over [`catalog::GRADES`].
fn catalog_grades(level: &LevelDef, code: &str) -> u16 {
    let mut grades = 0;
    for (g, day) in level.grades.clone().zip(level.schedule) {
        let offered = day.iter().any(|slot| {
            let (a, b) = match slot {
                Slot::Year(a) => (*a, &[][..]),
                Slot::Semester(a, b) => (*a, *b),
            };
            a.iter().chain(b).any(|o| o.0 == code)
        });
        if offered {
            grades |= 1 << g;
        }
    }
    grades
}

fn load_cap(level: &LevelDef, dept: usize) -> u32 {
    if !level.homeroom_groups {
        SECONDARY_LOAD
    } else if dept == Dept::Homeroom as usize {
        1
    } else {
        SPECIALIST_LOAD
    }
}

/// How many sections `n` students make at `size` per section (rounded, at least one).
fn sections_for(n: usize, size: usize) -> usize {
    if n == 0 {
        0
    } else {
        ((n + size / 2) / size).max(1)
    }
}

/// The `i`-th of `k` nearly equal consecutive parts of `0..n`.
fn chunk(n: usize, k: usize, i: usize) -> Range<usize> {
    n * i / k..n * (i + 1) / k
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(n: u32) -> Plan {
        Plan::build(n, 42)
    }

    #[test]
    fn schools_cover_every_level_and_every_student_once() {
        let p = plan(3000);
        let mut seen = vec![0u8; p.students.len()];
        for (s, student) in p.students.iter().enumerate() {
            let school = &p.schools[student.school as usize];
            assert!(school.level.grades.contains(&usize::from(student.grade)));
            seen[s] += 1;
        }
        assert_eq!(seen.len(), 3000);
        for level in LEVELS {
            assert!(p.schools.iter().any(|s| std::ptr::eq(s.level, level)));
        }
    }

    #[test]
    fn secondary_students_have_one_class_per_period_and_term() {
        let p = plan(6000);
        let mut slots: Vec<Vec<(u8, u8)>> = vec![Vec::new(); p.students.len()];
        for (c, class) in p.classes.iter().enumerate() {
            for &s in p.members(c as u32) {
                for t in Plan::terms(class.terms) {
                    slots[s as usize].push((t, class.period));
                }
            }
        }
        for (s, taken) in slots.iter_mut().enumerate() {
            let student = p.students[s];
            let expected = if student.grade >= 6 { 14 } else { 8 };
            assert_eq!(taken.len(), expected, "student {s} grade {}", student.grade);
            if student.grade >= 6 {
                taken.sort_unstable();
                taken.dedup();
                assert_eq!(taken.len(), 14, "student {s} has two classes at once");
            }
        }
    }

    #[test]
    fn classmates_change_from_one_period_to_the_next() {
        let p = plan(6000);
        // In a big grade, the students of a first-period section spread over several
        // sections in the next slot.
        let first = p
            .classes
            .iter()
            .position(|c| c.grade == 9 && c.period == 1 && c.terms == YEAR)
            .unwrap() as u32;
        let mine: Vec<u32> = p.members(first).to_vec();
        let next_sections: Vec<u32> = (0..p.classes.len() as u32)
            .filter(|&c| {
                let k = &p.classes[c as usize];
                k.grade == 9
                    && k.course != p.classes[first as usize].course
                    && p.members(c).iter().any(|s| mine.contains(s))
            })
            .collect();
        assert!(next_sections.len() > 12, "{}", next_sections.len());
    }

    #[test]
    fn teachers_never_teach_two_classes_at_once() {
        let p = plan(6000);
        let mut busy = std::collections::HashSet::new();
        for class in p.classes.iter().filter(|c| c.homeroom == NONE) {
            for t in Plan::terms(class.terms) {
                for who in [class.teacher, class.co_teacher] {
                    if who != NONE {
                        assert!(
                            busy.insert((who, t, class.period)),
                            "teacher {who} double-booked"
                        );
                    }
                }
            }
        }
        for (t, staff) in p.staff.iter().enumerate() {
            if staff.kind == StaffKind::Teacher {
                assert!(staff.load >= 1, "teacher {t} has no class");
                assert!(staff.load <= SPECIALIST_LOAD);
            }
        }
    }

    #[test]
    fn some_staff_work_at_two_schools_or_hold_two_roles() {
        let p = plan(20_000);
        let itinerant = p
            .staff
            .iter()
            .filter(|s| s.roles.iter().filter(|r| r.0 == "teacher").count() > 1)
            .count();
        let counselors = p
            .staff
            .iter()
            .filter(|s| s.kind == StaffKind::Teacher && s.roles.iter().any(|r| r.0 == "counselor"))
            .count();
        assert!(itinerant > 0 && counselors > 0, "{itinerant} {counselors}");
    }

    #[test]
    fn households_are_symmetric() {
        let p = plan(1000);
        let mut pairs = 0;
        for s in 0..p.students.len() as u32 {
            if let Some(o) = p.sibling(s) {
                assert_eq!(p.sibling(o), Some(s));
                assert_eq!(p.household(s), p.household(o));
                assert_eq!(p.student_name(s).1, p.student_name(o).1);
                pairs += 1;
            }
        }
        assert!((200..400).contains(&pairs), "{pairs}");
    }
}
