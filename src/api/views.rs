//! The views served by the API: entity kinds and the named subsets of them that OneRoster
//! exposes as collections of their own.

use crate::model::entities as e;
use crate::store::plan::View;

const fn all(name: &'static str, entity: &'static crate::model::Entity) -> View {
    View {
        name,
        entity,
        predicate: None,
    }
}

pub static ORGS: View = all("orgs", &e::ORG);
/// Schools are the orgs whose `type` is `school`.
pub static SCHOOLS: View = View {
    name: "schools",
    entity: &e::ORG,
    predicate: Some("t.type = 'school'"),
};
pub static ACADEMIC_SESSIONS: View = all("academicSessions", &e::ACADEMIC_SESSION);
/// Terms are the academic sessions whose `type` is `term`.
pub static TERMS: View = View {
    name: "terms",
    entity: &e::ACADEMIC_SESSION,
    predicate: Some("t.type = 'term'"),
};
/// Grading periods are the academic sessions whose `type` is `gradingPeriod`.
pub static GRADING_PERIODS: View = View {
    name: "gradingPeriods",
    entity: &e::ACADEMIC_SESSION,
    predicate: Some("t.type = 'gradingPeriod'"),
};
pub static COURSES: View = all("courses", &e::COURSE);
pub static CLASSES: View = all("classes", &e::CLASS);
pub static USERS: View = all("users", &e::USER);
/// Students are the users holding a `student` role in any org (the `LIMIT 1` is explained at
/// [`crate::store::plan::EXISTS_END`]).
pub static STUDENTS: View = View {
    name: "students",
    entity: &e::USER,
    predicate: Some(
        "EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = t.sourced_id AND r.role = 'student' LIMIT 1)",
    ),
};
/// Teachers are the users holding a `teacher` role in any org (the `LIMIT 1` is explained at
/// [`crate::store::plan::EXISTS_END`]).
pub static TEACHERS: View = View {
    name: "teachers",
    entity: &e::USER,
    predicate: Some(
        "EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = t.sourced_id AND r.role = 'teacher' LIMIT 1)",
    ),
};
pub static ENROLLMENTS: View = all("enrollments", &e::ENROLLMENT);
pub static DEMOGRAPHICS: View = all("demographics", &e::DEMOGRAPHICS);
pub static CATEGORIES: View = all("categories", &e::CATEGORY);
pub static LINE_ITEMS: View = all("lineItems", &e::LINE_ITEM);
pub static RESULTS: View = all("results", &e::RESULT);
pub static SCORE_SCALES: View = all("scoreScales", &e::SCORE_SCALE);
pub static ASSESSMENT_LINE_ITEMS: View = all("assessmentLineItems", &e::ASSESSMENT_LINE_ITEM);
pub static ASSESSMENT_RESULTS: View = all("assessmentResults", &e::ASSESSMENT_RESULT);
pub static RESOURCES: View = all("resources", &e::RESOURCE);
