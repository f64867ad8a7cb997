//! The fixed vocabulary of the synthetic district: grade levels, the course catalogue and
//! the daily schedule of each school level, gradebook categories, digital resources, names
//! and places. Everything here is data; `plan` decides how much of it a district uses.

/// The grade levels, in the US CEDS style the demo district uses (`KG`, `01` … `12`).
pub const GRADES: [&str; 13] = [
    "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12",
];
// ---- the school year ------------------------------------------------------------------------

/// `schoolYear` of every session: the year the school year ends.
pub const SCHOOL_YEAR: &str = "2026";
pub const SCHOOL_YEAR_ID: &str = "as-2026";
/// The day the package describes, the last day of the first grading period: line items due
/// before it have results (about a quarter of the year's line items).
pub const AS_OF: &str = "2025-10-17";

/// An academic session: id, title, type, start, end (exclusive), parent.
pub struct SessionDef {
    pub id: &'static str,
    pub title: &'static str,
    pub kind: &'static str,
    pub start: &'static str,
    pub end: &'static str,
    pub parent: &'static str,
}

pub const SESSIONS: [SessionDef; 7] = [
    SessionDef {
        id: SCHOOL_YEAR_ID,
        title: "2025-2026 School Year",
        kind: "schoolYear",
        start: "2025-08-18",
        end: "2026-06-13",
        parent: "",
    },
    SessionDef {
        id: "term-fall-2025",
        title: "Fall 2025",
        kind: "term",
        start: "2025-08-18",
        end: "2026-01-10",
        parent: SCHOOL_YEAR_ID,
    },
    SessionDef {
        id: "term-spring-2026",
        title: "Spring 2026",
        kind: "term",
        start: "2026-01-12",
        end: "2026-06-13",
        parent: SCHOOL_YEAR_ID,
    },
    SessionDef {
        id: "gp-2026-q1",
        title: "Quarter 1",
        kind: "gradingPeriod",
        start: "2025-08-18",
        end: "2025-10-18",
        parent: "term-fall-2025",
    },
    SessionDef {
        id: "gp-2026-q2",
        title: "Quarter 2",
        kind: "gradingPeriod",
        start: "2025-10-20",
        end: "2026-01-10",
        parent: "term-fall-2025",
    },
    SessionDef {
        id: "gp-2026-q3",
        title: "Quarter 3",
        kind: "gradingPeriod",
        start: "2026-01-12",
        end: "2026-03-21",
        parent: "term-spring-2026",
    },
    SessionDef {
        id: "gp-2026-q4",
        title: "Quarter 4",
        kind: "gradingPeriod",
        start: "2026-03-23",
        end: "2026-06-13",
        parent: "term-spring-2026",
    },
];
/// Indices into [`SESSIONS`].
pub const TERMS: [usize; 2] = [1, 2];
/// The `termSourcedIds` of a year-long class.
pub const YEAR_TERMS: &str = "term-fall-2025,term-spring-2026";
pub const QUARTERS: [usize; 4] = [3, 4, 5, 6];

// ---- subjects and departments ---------------------------------------------------------------

/// A subject and its local code (the `subjects`/`subjectCodes` pair).
pub type Subject = (&'static str, &'static str);
const ELA: Subject = ("English Language Arts", "ELA");
const MATH: Subject = ("Mathematics", "MATH");
const SCI: Subject = ("Science", "SCI");
const SOC: Subject = ("Social Studies", "SOC");
const WL: Subject = ("World Languages", "WL");
const PE: Subject = ("Physical Education", "PE");
const HLTH: Subject = ("Health", "HLTH");
const ART: Subject = ("Visual Arts", "ART");
const MUS: Subject = ("Music", "MUS");
const THEA: Subject = ("Theater", "THEA");
const CS: Subject = ("Computer Science", "CS");
const CTE: Subject = ("Career and Technical Education", "CTE");

/// Teaching departments: who teaches a course, which apps its classes use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dept {
    Homeroom,
    English,
    Math,
    Science,
    Social,
    Languages,
    Health,
    Arts,
    Music,
    Technology,
    SpecialEducation,
}

impl Dept {
    pub const COUNT: usize = 11;

    /// The department organisations of a high school: (id suffix, name).
    pub const HIGH_SCHOOL_DEPARTMENTS: [(Dept, &'static str, &'static str); 6] = [
        (Dept::English, "eng", "English Department"),
        (Dept::Math, "math", "Mathematics Department"),
        (Dept::Science, "sci", "Science Department"),
        (Dept::Social, "soc", "Social Studies Department"),
        (Dept::Languages, "wl", "World Languages Department"),
        (Dept::Arts, "arts", "Fine Arts Department"),
    ];

    /// Departments whose courses may have textbooks.
    fn has_textbook(self) -> bool {
        !matches!(self, Dept::Arts | Dept::Music | Dept::SpecialEducation)
    }

    /// The district-licensed apps attached to this department's classes (indices into
    /// [`APPS`]).
    pub fn apps(self) -> &'static [usize] {
        match self {
            Dept::Homeroom => &[2, 5],
            Dept::English | Dept::Social => &[2],
            Dept::Math => &[0],
            Dept::Science => &[1],
            Dept::Languages => &[3],
            Dept::Music => &[4],
            Dept::Technology => &[6],
            Dept::Health | Dept::Arts | Dept::SpecialEducation => &[],
        }
    }

    /// The publisher of this department's textbooks: (vendorId, short code).
    pub fn publisher(self) -> (&'static str, &'static str) {
        match self {
            Dept::Homeroom => ("vnd-primer", "PRM"),
            Dept::English => ("vnd-inkwell", "INK"),
            Dept::Math => ("vnd-numera", "NUM"),
            Dept::Science => ("vnd-fieldnotes", "FLD"),
            Dept::Social => ("vnd-atlas", "ATL"),
            Dept::Languages => ("vnd-lingua", "LNG"),
            Dept::Health => ("vnd-wellspring", "WEL"),
            Dept::Technology => ("vnd-bytecraft", "BYT"),
            Dept::Arts | Dept::Music | Dept::SpecialEducation => ("vnd-district", "DST"),
        }
    }

    /// A room name when the department teaches in a dedicated space.
    pub fn special_room(self) -> Option<&'static str> {
        match self {
            Dept::Arts => Some("Art Room"),
            Dept::Music => Some("Music Room"),
            Dept::Health => Some("Gym"),
            _ => None,
        }
    }
}

/// A district-licensed app: (sourcedId, title, vendorId, vendorResourceId, applicationId,
/// roles).
pub type App = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);
pub const APPS: [App; 7] = [
    (
        "rsrc-app-graphing",
        "Graphing Calculator",
        "vnd-numera",
        "NUM-GRAPH-2025",
        "numera-graph",
        "student,teacher",
    ),
    (
        "rsrc-app-labsim",
        "Virtual Lab Simulations",
        "vnd-fieldnotes",
        "FLD-LABSIM",
        "fieldnotes-labs",
        "student,teacher",
    ),
    (
        "rsrc-app-library",
        "Leveled Reading Library",
        "vnd-inkwell",
        "INK-LIBRARY",
        "inkwell-library",
        "student,teacher,parent",
    ),
    (
        "rsrc-app-lingo",
        "Language Practice",
        "vnd-lingua",
        "LNG-PRACTICE",
        "lingua-practice",
        "student",
    ),
    (
        "rsrc-app-music",
        "Music Theory Trainer",
        "vnd-district",
        "DST-MUSIC-THEORY",
        "music-theory",
        "student",
    ),
    (
        "rsrc-app-typing",
        "Typing Tutor",
        "vnd-bytecraft",
        "BYT-TYPING",
        "bytecraft-typing",
        "student,ext:paraprofessional",
    ),
    (
        "rsrc-app-code",
        "Coding Studio",
        "vnd-bytecraft",
        "BYT-STUDIO",
        "bytecraft-studio",
        "student,teacher",
    ),
];

// ---- courses and schedules ------------------------------------------------------------------

/// A course of a school level's catalogue.
pub struct CourseDef {
    /// Unique within the level; part of sourcedIds, and upper-cased as the course code.
    pub code: &'static str,
    pub title: &'static str,
    pub dept: Dept,
    pub subjects: &'static [Subject],
}

impl CourseDef {
    /// Whether the course has a textbook (a digital student edition, and a teacher edition
    /// for its teachers): academic courses, not the arts or physical education.
    pub fn has_textbook(&self) -> bool {
        self.dept.has_textbook() && self.subjects[0].1 != PE.1
    }
}

const fn c(
    code: &'static str,
    title: &'static str,
    dept: Dept,
    subjects: &'static [Subject],
) -> CourseDef {
    CourseDef {
        code,
        title,
        dept,
        subjects,
    }
}

/// One place in a student's daily schedule: a year-long course, or a fall course followed by
/// a spring course in the same period. Each lists the course codes students are spread over,
/// with weights.
pub enum Slot {
    Year(&'static [(&'static str, u32)]),
    Semester(
        &'static [(&'static str, u32)],
        &'static [(&'static str, u32)],
    ),
}

use Slot::{Semester, Year};

/// What a school level teaches.
pub struct LevelDef {
    pub name: &'static str,
    /// Indices into [`GRADES`].
    pub grades: std::ops::Range<usize>,
    /// The daily schedule of each grade, one list of slots per grade.
    pub schedule: &'static [&'static [Slot]],
    pub courses: &'static [CourseDef],
    /// Typical number of students of a school of this level.
    pub school_size: u64,
    /// Elementary students stay with their homeroom group for every class (homeroom and
    /// specials); secondary students are spread over sections period by period.
    pub homeroom_groups: bool,
}

impl LevelDef {
    pub fn course(&self, code: &str) -> usize {
        self.courses
            .iter()
            .position(|c| c.code == code)
            .unwrap_or_else(|| panic!("course {code} missing from the {} catalogue", self.name))
    }
}

macro_rules! elementary_courses {
    ($g:literal, $label:literal) => {
        [
            c(
                concat!("hr", $g),
                concat!($label, " Homeroom"),
                Dept::Homeroom,
                &[ELA, MATH, SCI, SOC],
            ),
            c(
                concat!("art", $g),
                concat!($label, " Art"),
                Dept::Arts,
                &[ART],
            ),
            c(
                concat!("mus", $g),
                concat!($label, " Music"),
                Dept::Music,
                &[MUS],
            ),
            c(
                concat!("pe", $g),
                concat!($label, " Physical Education"),
                Dept::Health,
                &[PE],
            ),
        ]
    };
}

macro_rules! elementary_day {
    ($g:literal) => {
        &[
            Year(&[(concat!("hr", $g), 1)]),
            Year(&[(concat!("art", $g), 1)]),
            Year(&[(concat!("mus", $g), 1)]),
            Year(&[(concat!("pe", $g), 1)]),
        ]
    };
}

static ELEMENTARY_COURSES: [[CourseDef; 4]; 6] = [
    elementary_courses!("k", "Kindergarten"),
    elementary_courses!("1", "Grade 1"),
    elementary_courses!("2", "Grade 2"),
    elementary_courses!("3", "Grade 3"),
    elementary_courses!("4", "Grade 4"),
    elementary_courses!("5", "Grade 5"),
];

static MIDDLE_COURSES: [CourseDef; 30] = [
    c("ela6", "English Language Arts 6", Dept::English, &[ELA]),
    c("ela7", "English Language Arts 7", Dept::English, &[ELA]),
    c("ela8", "English Language Arts 8", Dept::English, &[ELA]),
    c("math6", "Math 6", Dept::Math, &[MATH]),
    c("math7", "Math 7", Dept::Math, &[MATH]),
    c("prealg", "Pre-Algebra", Dept::Math, &[MATH]),
    c("alg1", "Algebra I", Dept::Math, &[MATH]),
    c("esci", "Earth Science", Dept::Science, &[SCI]),
    c("lsci", "Life Science", Dept::Science, &[SCI]),
    c("psci", "Physical Science", Dept::Science, &[SCI]),
    c("wgeo", "World Geography", Dept::Social, &[SOC]),
    c("whist", "World History", Dept::Social, &[SOC]),
    c("ushist", "U.S. History", Dept::Social, &[SOC]),
    c("pe6", "Physical Education 6", Dept::Health, &[PE]),
    c("pe7", "Physical Education 7", Dept::Health, &[PE]),
    c("pe8", "Physical Education 8", Dept::Health, &[PE, HLTH]),
    c("health", "Health", Dept::Health, &[HLTH]),
    c("band", "Band", Dept::Music, &[MUS]),
    c("choir", "Choir", Dept::Music, &[MUS]),
    c("orch", "Orchestra", Dept::Music, &[MUS]),
    c("art", "Art", Dept::Arts, &[ART]),
    c("drama", "Drama", Dept::Arts, &[THEA]),
    c("span1", "Spanish I", Dept::Languages, &[WL]),
    c("fren1", "French I", Dept::Languages, &[WL]),
    c("tech", "Exploring Technology", Dept::Technology, &[CTE, CS]),
    c(
        "csd",
        "Computer Science Discoveries",
        Dept::Technology,
        &[CS],
    ),
    c("study", "Study Skills", Dept::SpecialEducation, &[ELA]),
    c("read", "Reading Intervention", Dept::English, &[ELA]),
    c("stem", "STEM Lab", Dept::Technology, &[SCI, CTE]),
    c("journ", "Yearbook", Dept::English, &[ELA, CTE]),
];

static HIGH_COURSES: [CourseDef; 52] = [
    c("eng9", "English 9", Dept::English, &[ELA]),
    c("eng10", "English 10", Dept::English, &[ELA]),
    c("eng11", "English 11", Dept::English, &[ELA]),
    c(
        "apeng",
        "AP English Language and Composition",
        Dept::English,
        &[ELA],
    ),
    c("eng12", "English 12", Dept::English, &[ELA]),
    c(
        "aplit",
        "AP English Literature and Composition",
        Dept::English,
        &[ELA],
    ),
    c("alg1", "Algebra I", Dept::Math, &[MATH]),
    c("geom", "Geometry", Dept::Math, &[MATH]),
    c("alg2", "Algebra II", Dept::Math, &[MATH]),
    c("precalc", "Precalculus", Dept::Math, &[MATH]),
    c("apcalc", "AP Calculus AB", Dept::Math, &[MATH]),
    c("stats", "Statistics", Dept::Math, &[MATH]),
    c("bio", "Biology", Dept::Science, &[SCI]),
    c("chem", "Chemistry", Dept::Science, &[SCI]),
    c("phys", "Physics", Dept::Science, &[SCI]),
    c("apbio", "AP Biology", Dept::Science, &[SCI]),
    c("envsci", "Environmental Science", Dept::Science, &[SCI]),
    c(
        "anat",
        "Anatomy and Physiology",
        Dept::Science,
        &[SCI, HLTH],
    ),
    c("wgeo", "World Geography", Dept::Social, &[SOC]),
    c("whist", "World History", Dept::Social, &[SOC]),
    c("ushist", "U.S. History", Dept::Social, &[SOC]),
    c("apush", "AP U.S. History", Dept::Social, &[SOC]),
    c("gov", "U.S. Government", Dept::Social, &[SOC]),
    c("econ", "Economics", Dept::Social, &[SOC]),
    c("psych", "Psychology", Dept::Social, &[SOC]),
    c("span1", "Spanish I", Dept::Languages, &[WL]),
    c("span2", "Spanish II", Dept::Languages, &[WL]),
    c("span3", "Spanish III", Dept::Languages, &[WL]),
    c("span4", "Spanish IV", Dept::Languages, &[WL]),
    c(
        "apspan",
        "AP Spanish Language and Culture",
        Dept::Languages,
        &[WL],
    ),
    c("fren1", "French I", Dept::Languages, &[WL]),
    c("fren2", "French II", Dept::Languages, &[WL]),
    c("fren3", "French III", Dept::Languages, &[WL]),
    c("pe", "Physical Education", Dept::Health, &[PE]),
    c("health", "Health", Dept::Health, &[HLTH]),
    c("fitness", "Lifetime Fitness", Dept::Health, &[PE]),
    c("art1", "Art I", Dept::Arts, &[ART]),
    c("ceram", "Ceramics", Dept::Arts, &[ART]),
    c("photo", "Digital Photography", Dept::Arts, &[ART, CTE]),
    c("theater", "Theater Arts", Dept::Arts, &[THEA]),
    c("band", "Concert Band", Dept::Music, &[MUS]),
    c("choir", "Concert Choir", Dept::Music, &[MUS]),
    c(
        "apcsp",
        "AP Computer Science Principles",
        Dept::Technology,
        &[CS],
    ),
    c("web", "Web Design", Dept::Technology, &[CS, CTE]),
    c("acct", "Accounting", Dept::Technology, &[CTE]),
    c("cwrit", "Creative Writing", Dept::English, &[ELA]),
    c("journ", "Journalism", Dept::English, &[ELA, CTE]),
    c("foren", "Forensic Science", Dept::Science, &[SCI]),
    c("sociol", "Sociology", Dept::Social, &[SOC]),
    c("apcsa", "AP Computer Science A", Dept::Technology, &[CS]),
    c("jrotc", "JROTC Leadership", Dept::Health, &[CTE]),
    c(
        "study",
        "Academic Support",
        Dept::SpecialEducation,
        &[ELA, MATH],
    ),
];

pub static ELEMENTARY: LevelDef = LevelDef {
    name: "Elementary School",
    grades: 0..6,
    schedule: &[
        elementary_day!("k"),
        elementary_day!("1"),
        elementary_day!("2"),
        elementary_day!("3"),
        elementary_day!("4"),
        elementary_day!("5"),
    ],
    courses: ELEMENTARY_COURSES.as_flattened(),
    school_size: 750,
    homeroom_groups: true,
};

pub static MIDDLE: LevelDef = LevelDef {
    name: "Middle School",
    grades: 6..9,
    schedule: &[
        &[
            Year(&[("ela6", 1)]),
            Year(&[("math6", 1)]),
            Year(&[("esci", 1)]),
            Year(&[("wgeo", 1)]),
            Year(&[("pe6", 1)]),
            Year(&[("band", 3), ("choir", 3), ("orch", 2), ("art", 2)]),
            Semester(&[("health", 1)], &[("tech", 2), ("drama", 1), ("stem", 1)]),
        ],
        &[
            Year(&[("ela7", 1)]),
            Year(&[("math7", 4), ("prealg", 1)]),
            Year(&[("lsci", 1)]),
            Year(&[("whist", 1)]),
            Year(&[("pe7", 1)]),
            Year(&[
                ("band", 3),
                ("choir", 3),
                ("orch", 2),
                ("span1", 2),
                ("read", 1),
            ]),
            Semester(&[("health", 1)], &[("csd", 2), ("art", 1), ("study", 1)]),
        ],
        &[
            Year(&[("ela8", 1)]),
            Year(&[("prealg", 3), ("alg1", 1)]),
            Year(&[("psci", 1)]),
            Year(&[("ushist", 1)]),
            Year(&[("pe8", 1)]),
            Year(&[
                ("band", 3),
                ("choir", 2),
                ("orch", 2),
                ("span1", 2),
                ("fren1", 1),
            ]),
            Semester(&[("csd", 1), ("journ", 1)], &[("stem", 1), ("drama", 1)]),
        ],
    ],
    courses: &MIDDLE_COURSES,
    school_size: 1150,
    homeroom_groups: false,
};

pub static HIGH: LevelDef = LevelDef {
    name: "High School",
    grades: 9..13,
    schedule: &[
        &[
            Year(&[("eng9", 1)]),
            Year(&[("alg1", 3), ("geom", 1)]),
            Year(&[("bio", 1)]),
            Year(&[("wgeo", 1)]),
            Year(&[("span1", 3), ("fren1", 1)]),
            Year(&[("pe", 1)]),
            Semester(
                &[("art1", 1), ("photo", 1), ("cwrit", 1), ("jrotc", 1)],
                &[("web", 1), ("theater", 1), ("ceram", 1), ("study", 1)],
            ),
        ],
        &[
            Year(&[("eng10", 1)]),
            Year(&[("geom", 3), ("alg2", 1)]),
            Year(&[("chem", 1)]),
            Year(&[("whist", 1)]),
            Year(&[("span2", 3), ("fren2", 1)]),
            Semester(&[("health", 1)], &[("fitness", 1)]),
            Semester(
                &[("photo", 1), ("cwrit", 1), ("ceram", 1), ("acct", 1)],
                &[("web", 1), ("theater", 1), ("psych", 1), ("foren", 1)],
            ),
        ],
        &[
            Year(&[("eng11", 3), ("apeng", 1)]),
            Year(&[("alg2", 3), ("precalc", 1)]),
            Year(&[("phys", 2), ("apbio", 1), ("foren", 1)]),
            Year(&[("ushist", 3), ("apush", 1)]),
            Year(&[("span3", 2), ("fren3", 1), ("apcsp", 1)]),
            Year(&[("band", 1), ("choir", 1), ("art1", 1), ("apcsa", 1)]),
            Semester(
                &[("psych", 1), ("journ", 1), ("photo", 1)],
                &[("cwrit", 1), ("acct", 1), ("sociol", 1)],
            ),
        ],
        &[
            Year(&[("eng12", 3), ("aplit", 1)]),
            Year(&[("precalc", 2), ("apcalc", 1), ("stats", 1)]),
            Year(&[("envsci", 2), ("anat", 1), ("apbio", 1)]),
            Semester(&[("gov", 1)], &[("econ", 1)]),
            Year(&[("span4", 2), ("apspan", 1), ("apcsp", 1)]),
            Year(&[("band", 1), ("choir", 1), ("art1", 1), ("jrotc", 1)]),
            Semester(
                &[("psych", 1), ("journ", 1), ("ceram", 1)],
                &[("theater", 1), ("sociol", 1), ("web", 1)],
            ),
        ],
    ],
    courses: &HIGH_COURSES,
    school_size: 1700,
    homeroom_groups: false,
};

pub static LEVELS: [&LevelDef; 3] = [&ELEMENTARY, &MIDDLE, &HIGH];

/// Periods of the secondary school day.
pub const PERIODS: usize = 7;

// ---- gradebook ------------------------------------------------------------------------------

/// A gradebook category, shared by the whole district.
pub struct CategoryDef {
    pub id: &'static str,
    pub title: &'static str,
    /// Percent of the grade, written as an integer (the CSV binding parses it as one).
    pub weight: &'static str,
    /// The start of a line item's title, followed by its number.
    pub item: &'static str,
    pub max_points: u32,
}

pub const CATEGORIES: [CategoryDef; 7] = [
    CategoryDef {
        id: "cat-homework",
        title: "Homework",
        weight: "20",
        item: "Homework",
        max_points: 10,
    },
    CategoryDef {
        id: "cat-classwork",
        title: "Classwork",
        weight: "15",
        item: "Classwork",
        max_points: 10,
    },
    CategoryDef {
        id: "cat-quizzes",
        title: "Quizzes",
        weight: "20",
        item: "Quiz",
        max_points: 20,
    },
    CategoryDef {
        id: "cat-tests",
        title: "Tests",
        weight: "35",
        item: "Unit Test",
        max_points: 100,
    },
    CategoryDef {
        id: "cat-projects",
        title: "Projects",
        weight: "10",
        item: "Project",
        max_points: 50,
    },
    CategoryDef {
        id: "cat-participation",
        title: "Participation",
        weight: "10",
        item: "Participation",
        max_points: 10,
    },
    CategoryDef {
        id: "cat-standards",
        title: "Standards Assessments",
        weight: "40",
        item: "Standards Check",
        max_points: 4,
    },
];
pub const CAT_TESTS: usize = 3;
pub const CAT_QUIZZES: usize = 2;
pub const CAT_STANDARDS: usize = 6;

/// The mix of categories of a department's line items (weights over [`CATEGORIES`]).
pub fn category_weights(dept: Dept) -> [u32; 7] {
    match dept {
        Dept::Homeroom => [2, 3, 1, 0, 1, 0, 3],
        Dept::Arts | Dept::Music | Dept::Health => [0, 2, 0, 0, 3, 3, 0],
        _ => [3, 2, 2, 2, 1, 0, 0],
    }
}

/// The grading scale of elementary schools (standards-based) and of secondary schools.
pub const STANDARDS_SCALE: [(&str, &str); 4] = [
    ("4", "Exceeding"),
    ("3", "Proficient"),
    ("2", "Developing"),
    ("1", "Beginning"),
];
pub const LETTER_SCALE: [(&str, &str); 5] = [
    ("90-100", "A"),
    ("80-89", "B"),
    ("70-79", "C"),
    ("60-69", "D"),
    ("0-59", "F"),
];

pub const COMMENTS: [&str; 10] = [
    "Great improvement since the last unit.",
    "Please see me about corrections.",
    "Excellent work, well organized.",
    "Show all of your steps next time.",
    "Turned in after the due date.",
    "Strong effort; review the vocabulary.",
    "Missing the second page.",
    "Very thoughtful answers.",
    "Retake available during office hours.",
    "Nice collaboration with your group.",
];

pub const ITEM_DESCRIPTIONS: [&str; 6] = [
    "Complete all problems and show your work.",
    "Read the assigned pages and answer the questions.",
    "Bring your notebook and a pencil.",
    "Covers the whole unit; review your notes.",
    "Work with your assigned group.",
    "Submit through the class page.",
];

// ---- people and places ----------------------------------------------------------------------

pub const FEMALE_NAMES: [&str; 60] = [
    "Olivia",
    "Emma",
    "Ava",
    "Sophia",
    "Isabella",
    "Mia",
    "Amelia",
    "Harper",
    "Evelyn",
    "Abigail",
    "Emily",
    "Ella",
    "Elizabeth",
    "Camila",
    "Luna",
    "Sofia",
    "Avery",
    "Mila",
    "Aria",
    "Scarlett",
    "Penelope",
    "Layla",
    "Chloe",
    "Victoria",
    "Madison",
    "Eleanor",
    "Grace",
    "Nora",
    "Riley",
    "Zoë",
    "Hannah",
    "Hazel",
    "Lily",
    "Ellie",
    "Violet",
    "Stella",
    "Aurora",
    "Natalie",
    "Leah",
    "Willow",
    "Lucy",
    "Audrey",
    "Priya",
    "Aaliyah",
    "Fatima",
    "Mei",
    "Yuki",
    "Ximena",
    "Valentina",
    "Amara",
    "Nia",
    "Ananya",
    "Sakura",
    "Jasmine",
    "Maya",
    "Leilani",
    "Renée",
    "Ngozi",
    "Chiara",
    "Ingrid",
];
pub const MALE_NAMES: [&str; 60] = [
    "Liam",
    "Noah",
    "Oliver",
    "Elijah",
    "James",
    "William",
    "Benjamin",
    "Lucas",
    "Henry",
    "Theodore",
    "Jack",
    "Levi",
    "Alexander",
    "Jackson",
    "Mateo",
    "Daniel",
    "Michael",
    "Mason",
    "Sebastian",
    "Ethan",
    "Logan",
    "Owen",
    "Samuel",
    "Jacob",
    "Asher",
    "Aiden",
    "John",
    "Joseph",
    "Wyatt",
    "David",
    "Leo",
    "Luke",
    "Julian",
    "Hudson",
    "Gabriel",
    "Isaac",
    "Jayden",
    "Luca",
    "Anthony",
    "Dylan",
    "Thomas",
    "Elias",
    "Omar",
    "Arjun",
    "Hiroshi",
    "Kwame",
    "Diego",
    "José",
    "Santiago",
    "Mohammed",
    "Wei",
    "Minh",
    "Ravi",
    "Tariq",
    "Chidi",
    "Andrés",
    "Björn",
    "Malik",
    "Kenji",
    "Rafael",
];
pub const FAMILY_NAMES: [&str; 100] = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Kim",
    "Patel",
    "Chen",
    "Wang",
    "Singh",
    "Tanaka",
    "Okafor",
    "Mensah",
    "Haddad",
    "Cohen",
    "Kowalski",
    "Rossi",
    "Müller",
    "O'Brien",
    "Ivanova",
    "Larsen",
    "Núñez",
    "Dubois",
    "Nakamura",
    "Choi",
    "Park",
    "Gupta",
    "Khan",
    "Ali",
    "Yilmaz",
    "Papadopoulos",
    "Novak",
    "Silva",
    "Costa",
    "Murphy",
    "Sullivan",
    "O'Connor",
    "Schmidt",
    "Fischer",
    "Jensen",
    "Andersson",
    "Reyes",
    "Cruz",
    "Morales",
    "Ortiz",
    "Ramos",
    "Castillo",
    "Vargas",
    "Mendoza",
    "Herrera",
    "Medina",
    "Aguilar",
    "Delgado",
    "Vega",
    "Guerrero",
];
pub const MIDDLE_INITIALS: [&str; 12] =
    ["A", "B", "C", "D", "E", "J", "K", "L", "M", "R", "S", "T"];

pub const SCHOOL_NAMES: [&str; 50] = [
    "Maple",
    "Cedar",
    "Oak",
    "Willow",
    "Pine",
    "Birch",
    "Aspen",
    "Sycamore",
    "Juniper",
    "Magnolia",
    "Hawthorne",
    "Alder",
    "Cypress",
    "Laurel",
    "Redwood",
    "Sequoia",
    "Chestnut",
    "Hickory",
    "Poplar",
    "Spruce",
    "Lincoln",
    "Jefferson",
    "Franklin",
    "Roosevelt",
    "Washington",
    "Kennedy",
    "Madison",
    "Monroe",
    "Jackson",
    "Adams",
    "Hamilton",
    "Garfield",
    "Emerson",
    "Thoreau",
    "Whitman",
    "Dickinson",
    "Twain",
    "Frost",
    "Carver",
    "Curie",
    "Edison",
    "Tubman",
    "Chávez",
    "Parks",
    "Ride",
    "Earhart",
    "Keller",
    "Mead",
    "Muir",
    "Audubon",
];
pub const SCHOOL_NAME_SUFFIXES: [&str; 12] = [
    "",
    " Grove",
    " Ridge",
    " Valley",
    " Park",
    " Heights",
    " Creek",
    " Hills",
    " Springs",
    " Meadows",
    " Lake",
    " Crossing",
];

/// A district's home: its name, state, the state's FIPS code (the first digits of NCES ids)
/// and cities for birthplaces.
pub struct Place {
    pub name: &'static str,
    pub state: &'static str,
    pub fips: &'static str,
    pub cities: &'static [&'static str],
}

pub const PLACES: [Place; 8] = [
    Place {
        name: "Maple Valley",
        state: "CA",
        fips: "06",
        cities: &[
            "Sacramento",
            "Fresno",
            "San Jose",
            "Oakland",
            "Stockton",
            "Modesto",
        ],
    },
    Place {
        name: "Cedar Falls",
        state: "IA",
        fips: "19",
        cities: &[
            "Des Moines",
            "Cedar Rapids",
            "Waterloo",
            "Iowa City",
            "Davenport",
        ],
    },
    Place {
        name: "Riverbend",
        state: "TX",
        fips: "48",
        cities: &[
            "Austin",
            "San Antonio",
            "Houston",
            "Dallas",
            "El Paso",
            "Laredo",
        ],
    },
    Place {
        name: "Lakeside",
        state: "MN",
        fips: "27",
        cities: &[
            "Minneapolis",
            "Saint Paul",
            "Duluth",
            "Rochester",
            "Bloomington",
        ],
    },
    Place {
        name: "Pine Ridge",
        state: "CO",
        fips: "08",
        cities: &["Denver", "Boulder", "Aurora", "Fort Collins", "Pueblo"],
    },
    Place {
        name: "Harbor Point",
        state: "WA",
        fips: "53",
        cities: &["Seattle", "Tacoma", "Spokane", "Olympia", "Everett"],
    },
    Place {
        name: "Oak Hollow",
        state: "NC",
        fips: "37",
        cities: &["Raleigh", "Durham", "Charlotte", "Greensboro", "Asheville"],
    },
    Place {
        name: "Silver Creek",
        state: "OH",
        fips: "39",
        cities: &["Columbus", "Cleveland", "Cincinnati", "Dayton", "Toledo"],
    },
];

pub const OTHER_STATES: [&str; 12] = [
    "CA", "TX", "FL", "NY", "IL", "PA", "OH", "GA", "NC", "MI", "AZ", "WA",
];
pub const OTHER_COUNTRIES: [&str; 12] = [
    "MX", "SV", "GT", "HN", "IN", "CN", "PH", "VN", "UA", "NG", "BR", "KR",
];
pub const PRONOUNS: [&str; 3] = ["she/her", "he/him", "they/them"];

/// A lower-case ASCII form of a name for usernames and e-mail addresses.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for ch in name.chars() {
        let mapped = match ch {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'Á' => "a",
            'é' | 'è' | 'ê' | 'ë' | 'É' => "e",
            'í' | 'ì' | 'î' | 'ï' => "i",
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => "o",
            'ú' | 'ù' | 'û' | 'ü' => "u",
            'ñ' => "n",
            'ç' => "c",
            'ß' => "ss",
            c if c.is_ascii_alphanumeric() => {
                out.push(c.to_ascii_lowercase());
                continue;
            }
            _ => continue,
        };
        out.push_str(mapped);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scheduled_course_is_in_its_catalogue() {
        for level in LEVELS {
            assert_eq!(level.schedule.len(), level.grades.len(), "{}", level.name);
            for day in level.schedule {
                if !level.homeroom_groups {
                    assert_eq!(day.len(), PERIODS, "{}", level.name);
                }
                for slot in day.iter() {
                    let (a, b) = match slot {
                        Year(a) => (*a, &[][..]),
                        Semester(a, b) => (*a, *b),
                    };
                    for (code, _) in a.iter().chain(b) {
                        level.course(code);
                    }
                }
            }
            let mut codes: Vec<_> = level.courses.iter().map(|c| c.code).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), level.courses.len(), "duplicate course codes");
        }
    }

    #[test]
    fn the_calendar_is_consistent() {
        let terms: Vec<&str> = TERMS.iter().map(|&t| SESSIONS[t].id).collect();
        assert_eq!(terms.join(","), YEAR_TERMS);
        for &q in &QUARTERS {
            let parent = SESSIONS[q].parent;
            assert!(TERMS.iter().any(|&t| SESSIONS[t].id == parent));
        }
        assert!(SESSIONS.iter().all(|s| s.start < s.end));
        assert!(SESSIONS[0].start < AS_OF && AS_OF < SESSIONS[0].end);
    }

    #[test]
    fn slugs_are_plain_ascii() {
        assert_eq!(slug("O'Brien"), "obrien");
        assert_eq!(slug("Núñez"), "nunez");
        assert_eq!(slug("Zoë"), "zoe");
        assert_eq!(slug("Björn"), "bjorn");
        for name in FEMALE_NAMES.iter().chain(&MALE_NAMES).chain(&FAMILY_NAMES) {
            let s = slug(name);
            assert!(
                !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()),
                "{name}"
            );
        }
    }
}
