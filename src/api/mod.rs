//! The OneRoster 1.2 operations, as declarations served by the generic engine.
//!
//! Each operation names its official operationId, its scopes (any one of them grants it),
//! the view it serves and, for relationship operations, its parents and how the listed
//! objects relate to them. "What does getStudentsForClass do?" is answered by one entry of
//! [`OPERATIONS`]; the behaviour itself (list, get, put, post, delete) is written once in
//! [`crate::store::engine`].

pub mod views;

use crate::auth::scope::Scope;
use crate::model::entities as e;
use crate::model::{Entity, Service};
use crate::store::plan::{Link, Parent, View};
use views as v;

/// HTTP methods used by OneRoster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// The behaviour of an operation.
#[derive(Debug)]
pub enum Action {
    /// A collection, possibly scoped by parents named in the path.
    List {
        view: &'static View,
        parents: &'static [Parent],
    },
    /// One object of a view, by `{sourcedId}`.
    Get { view: &'static View },
    /// Create or replace one object with a client-chosen `{sourcedId}`.
    Put { entity: &'static Entity },
    /// Create a batch of objects under the path's parents; the parents' ids are forced onto
    /// the named reference fields of every item.
    Post {
        entity: &'static Entity,
        parents: &'static [Parent],
        /// For each parent (same order): the item field that must reference it.
        forced: &'static [&'static str],
    },
    /// Tombstone one object.
    Delete { entity: &'static Entity },
}

/// One OneRoster operation.
#[derive(Debug)]
pub struct Operation {
    pub id: &'static str,
    pub service: Service,
    pub method: Method,
    /// Relative to the service base path, with `{param}` placeholders.
    pub path: &'static str,
    pub scopes: &'static [Scope],
    pub action: Action,
    pub summary: &'static str,
}

impl Operation {
    /// The full path (service base path + path).
    pub fn full_path(&self) -> String {
        format!("{}{}", self.service.base_path(), self.path)
    }

    /// Parents named in the path, in path order.
    pub fn parents(&self) -> &'static [Parent] {
        match self.action {
            Action::List { parents, .. } | Action::Post { parents, .. } => parents,
            _ => &[],
        }
    }
}

use Scope::*;

const CORE_ROSTER: &[Scope] = &[RosterReadonly, RosterCoreReadonly];
const ROSTER: &[Scope] = &[RosterReadonly];
const CORE_GRADEBOOK: &[Scope] = &[GradebookReadonly, GradebookCoreReadonly];
const GRADEBOOK: &[Scope] = &[GradebookReadonly];
const CORE_RESOURCE: &[Scope] = &[ResourceReadonly, ResourceCoreReadonly];
const RESOURCE: &[Scope] = &[ResourceReadonly];

const fn parent(param: &'static str, view: &'static View, link: Link) -> Parent {
    Parent {
        param,
        view,
        belongs_to: None,
        link: Some(link),
    }
}

const fn checked(param: &'static str, view: &'static View) -> Parent {
    Parent {
        param,
        view,
        belongs_to: None,
        link: None,
    }
}

const fn column(before: &'static str) -> Link {
    Link::Where { before, after: "" }
}

/// Enrolled users of a class in a role (active enrollments only).
const fn enrolled(role_clause: &'static str) -> Link {
    Link::Where {
        before: "t.sourced_id IN (SELECT e.user_id FROM enrollments e WHERE e.class_id = ",
        after: role_clause,
    }
}
const ENROLLED_STUDENTS: Link = enrolled(" AND e.role = 'student' AND e.status = 'active')");
const ENROLLED_TEACHERS: Link = enrolled(" AND e.role = 'teacher' AND e.status = 'active')");

/// Classes a user is enrolled in (active enrollments only).
const fn classes_of_user(role_clause: &'static str) -> Link {
    Link::Where {
        before: "t.sourced_id IN (SELECT e.class_id FROM enrollments e WHERE e.user_id = ",
        after: role_clause,
    }
}

/// Users holding a role in an org.
const fn role_in_org(role_clause: &'static str) -> Link {
    Link::Where {
        before: "t.sourced_id IN (SELECT r.user_id FROM user_roles r WHERE r.org_id = ",
        after: role_clause,
    }
}

const fn in_school(param: &'static str, view: &'static View, link: Link) -> Parent {
    Parent {
        param,
        view,
        belongs_to: Some(("school_id", 0)),
        link: Some(link),
    }
}

const fn list(
    id: &'static str,
    service: Service,
    path: &'static str,
    scopes: &'static [Scope],
    view: &'static View,
    parents: &'static [Parent],
    summary: &'static str,
) -> Operation {
    Operation {
        id,
        service,
        method: Method::Get,
        path,
        scopes,
        action: Action::List { view, parents },
        summary,
    }
}

const fn get(
    id: &'static str,
    service: Service,
    path: &'static str,
    scopes: &'static [Scope],
    view: &'static View,
    summary: &'static str,
) -> Operation {
    Operation {
        id,
        service,
        method: Method::Get,
        path,
        scopes,
        action: Action::Get { view },
        summary,
    }
}

const fn put(
    id: &'static str,
    path: &'static str,
    scopes: &'static [Scope],
    entity: &'static Entity,
    summary: &'static str,
) -> Operation {
    Operation {
        id,
        service: Service::Gradebook,
        method: Method::Put,
        path,
        scopes,
        action: Action::Put { entity },
        summary,
    }
}

const fn delete(
    id: &'static str,
    path: &'static str,
    scopes: &'static [Scope],
    entity: &'static Entity,
    summary: &'static str,
) -> Operation {
    Operation {
        id,
        service: Service::Gradebook,
        method: Method::Delete,
        path,
        scopes,
        action: Action::Delete { entity },
        summary,
    }
}

const fn post(
    id: &'static str,
    path: &'static str,
    entity: &'static Entity,
    parents: &'static [Parent],
    forced: &'static [&'static str],
    summary: &'static str,
) -> Operation {
    Operation {
        id,
        service: Service::Gradebook,
        method: Method::Post,
        path,
        scopes: &[GradebookCreatepost],
        action: Action::Post {
            entity,
            parents,
            forced,
        },
        summary,
    }
}

const R: Service = Service::Rostering;
const G: Service = Service::Gradebook;
const RS: Service = Service::Resources;

/// Every operation served, in the order of the official operation catalogue.
#[rustfmt::skip]
pub static OPERATIONS: &[Operation] = &[
    // ---- rostering: collections and single objects -------------------------------------
    list("getAllAcademicSessions", R, "/academicSessions", CORE_ROSTER, &v::ACADEMIC_SESSIONS, &[], "All academic sessions"),
    get("getAcademicSession", R, "/academicSessions/{sourcedId}", CORE_ROSTER, &v::ACADEMIC_SESSIONS, "One academic session"),
    list("getAllClasses", R, "/classes", CORE_ROSTER, &v::CLASSES, &[], "All classes"),
    list("getStudentsForClass", R, "/classes/{classSourcedId}/students", ROSTER, &v::USERS,
        &[parent("classSourcedId", &v::CLASSES, ENROLLED_STUDENTS)],
        "The users enrolled in a class as students"),
    list("getTeachersForClass", R, "/classes/{classSourcedId}/teachers", ROSTER, &v::USERS,
        &[parent("classSourcedId", &v::CLASSES, ENROLLED_TEACHERS)],
        "The users enrolled in a class as teachers"),
    get("getClass", R, "/classes/{sourcedId}", CORE_ROSTER, &v::CLASSES, "One class"),
    list("getAllCourses", R, "/courses", CORE_ROSTER, &v::COURSES, &[], "All courses"),
    list("getClassesForCourse", R, "/courses/{courseSourcedId}/classes", ROSTER, &v::CLASSES,
        &[parent("courseSourcedId", &v::COURSES, column("t.course_id = "))],
        "The classes of a course"),
    get("getCourse", R, "/courses/{sourcedId}", CORE_ROSTER, &v::COURSES, "One course"),
    list("getAllDemographics", R, "/demographics", &[RosterDemographicsReadonly], &v::DEMOGRAPHICS, &[], "All demographics records"),
    get("getDemographics", R, "/demographics/{sourcedId}", &[RosterDemographicsReadonly], &v::DEMOGRAPHICS, "The demographics of one user (same sourcedId as the user)"),
    list("getAllEnrollments", R, "/enrollments", CORE_ROSTER, &v::ENROLLMENTS, &[], "All enrollments"),
    get("getEnrollment", R, "/enrollments/{sourcedId}", CORE_ROSTER, &v::ENROLLMENTS, "One enrollment"),
    list("getAllGradingPeriods", R, "/gradingPeriods", CORE_ROSTER, &v::GRADING_PERIODS, &[], "All grading periods (academic sessions of type gradingPeriod)"),
    get("getGradingPeriod", R, "/gradingPeriods/{sourcedId}", CORE_ROSTER, &v::GRADING_PERIODS, "One grading period"),
    list("getAllOrgs", R, "/orgs", CORE_ROSTER, &v::ORGS, &[], "All orgs"),
    get("getOrg", R, "/orgs/{sourcedId}", CORE_ROSTER, &v::ORGS, "One org"),
    list("getAllSchools", R, "/schools", CORE_ROSTER, &v::SCHOOLS, &[], "All schools (orgs of type school)"),
    list("getClassesForSchool", R, "/schools/{schoolSourcedId}/classes", ROSTER, &v::CLASSES,
        &[parent("schoolSourcedId", &v::SCHOOLS, column("t.school_id = "))],
        "The classes of a school"),
    list("getEnrollmentsForClassInSchool", R, "/schools/{schoolSourcedId}/classes/{classSourcedId}/enrollments", ROSTER, &v::ENROLLMENTS,
        &[checked("schoolSourcedId", &v::SCHOOLS),
          in_school("classSourcedId", &v::CLASSES, column("t.class_id = "))],
        "The enrollments of a class of a school"),
    list("getStudentsForClassInSchool", R, "/schools/{schoolSourcedId}/classes/{classSourcedId}/students", ROSTER, &v::USERS,
        &[checked("schoolSourcedId", &v::SCHOOLS),
          in_school("classSourcedId", &v::CLASSES, ENROLLED_STUDENTS)],
        "The students of a class of a school"),
    list("getTeachersForClassInSchool", R, "/schools/{schoolSourcedId}/classes/{classSourcedId}/teachers", ROSTER, &v::USERS,
        &[checked("schoolSourcedId", &v::SCHOOLS),
          in_school("classSourcedId", &v::CLASSES, ENROLLED_TEACHERS)],
        "The teachers of a class of a school"),
    list("getCoursesForSchool", R, "/schools/{schoolSourcedId}/courses", ROSTER, &v::COURSES,
        &[parent("schoolSourcedId", &v::SCHOOLS, column("t.org_id = "))],
        "The courses whose org is a school"),
    list("getEnrollmentsForSchool", R, "/schools/{schoolSourcedId}/enrollments", ROSTER, &v::ENROLLMENTS,
        &[parent("schoolSourcedId", &v::SCHOOLS, column("t.school_id = "))],
        "The enrollments of a school"),
    list("getStudentsForSchool", R, "/schools/{schoolSourcedId}/students", ROSTER, &v::USERS,
        &[parent("schoolSourcedId", &v::SCHOOLS, role_in_org(" AND r.role = 'student')"))],
        "The users holding a student role in a school"),
    list("getTeachersForSchool", R, "/schools/{schoolSourcedId}/teachers", ROSTER, &v::USERS,
        &[parent("schoolSourcedId", &v::SCHOOLS, role_in_org(" AND r.role = 'teacher')"))],
        "The users holding a teacher role in a school"),
    list("getTermsForSchool", R, "/schools/{schoolSourcedId}/terms", ROSTER, &v::TERMS,
        &[parent("schoolSourcedId", &v::SCHOOLS, Link::Where {
            before: "t.sourced_id IN (SELECT ct.term_id FROM class_terms ct JOIN classes c ON c.sourced_id = ct.class_id WHERE c.school_id = ",
            after: " AND c.status = 'active')",
        })],
        "The terms in which a school's classes take place"),
    get("getSchool", R, "/schools/{sourcedId}", CORE_ROSTER, &v::SCHOOLS, "One school"),
    list("getAllStudents", R, "/students", CORE_ROSTER, &v::STUDENTS, &[], "All students (users holding a student role)"),
    get("getStudent", R, "/students/{sourcedId}", CORE_ROSTER, &v::STUDENTS, "One student"),
    list("getClassesForStudent", R, "/students/{studentSourcedId}/classes", ROSTER, &v::CLASSES,
        &[parent("studentSourcedId", &v::STUDENTS, classes_of_user(" AND e.role = 'student' AND e.status = 'active')"))],
        "The classes a student is enrolled in as a student"),
    list("getAllTeachers", R, "/teachers", CORE_ROSTER, &v::TEACHERS, &[], "All teachers (users holding a teacher role)"),
    get("getTeacher", R, "/teachers/{sourcedId}", CORE_ROSTER, &v::TEACHERS, "One teacher"),
    list("getClassesForTeacher", R, "/teachers/{teacherSourcedId}/classes", ROSTER, &v::CLASSES,
        &[parent("teacherSourcedId", &v::TEACHERS, classes_of_user(" AND e.role = 'teacher' AND e.status = 'active')"))],
        "The classes a teacher is enrolled in as a teacher"),
    list("getAllTerms", R, "/terms", CORE_ROSTER, &v::TERMS, &[], "All terms (academic sessions of type term)"),
    get("getTerm", R, "/terms/{sourcedId}", CORE_ROSTER, &v::TERMS, "One term"),
    list("getClassesForTerm", R, "/terms/{termSourcedId}/classes", ROSTER, &v::CLASSES,
        &[parent("termSourcedId", &v::TERMS, Link::Where {
            before: "t.sourced_id IN (SELECT ct.class_id FROM class_terms ct WHERE ct.term_id = ",
            after: ")",
        })],
        "The classes held in a term"),
    list("getGradingPeriodsForTerm", R, "/terms/{termSourcedId}/gradingPeriods", ROSTER, &v::GRADING_PERIODS,
        &[parent("termSourcedId", &v::TERMS, column("t.parent_id = "))],
        "The grading periods whose parent is a term"),
    list("getAllUsers", R, "/users", CORE_ROSTER, &v::USERS, &[], "All users"),
    get("getUser", R, "/users/{sourcedId}", CORE_ROSTER, &v::USERS, "One user"),
    list("getClassesForUser", R, "/users/{userSourcedId}/classes", ROSTER, &v::CLASSES,
        &[parent("userSourcedId", &v::USERS, classes_of_user(" AND e.status = 'active')"))],
        "The classes a user is enrolled in, in any role"),
    // ---- gradebook: reads ------------------------------------------------------------------
    list("getAllAssessmentLineItems", G, "/assessmentLineItems", &[AssessmentReadonly], &v::ASSESSMENT_LINE_ITEMS, &[], "All assessment line items"),
    get("getAssessmentLineItem", G, "/assessmentLineItems/{sourcedId}", &[AssessmentReadonly], &v::ASSESSMENT_LINE_ITEMS, "One assessment line item"),
    delete("deleteAssessmentLineItem", "/assessmentLineItems/{sourcedId}", &[AssessmentDelete], &e::ASSESSMENT_LINE_ITEM, "Delete an assessment line item (and its results)"),
    put("putAssessmentLineItem", "/assessmentLineItems/{sourcedId}", &[AssessmentCreateput], &e::ASSESSMENT_LINE_ITEM, "Create or replace an assessment line item"),
    list("getAllAssessmentResults", G, "/assessmentResults", &[AssessmentReadonly], &v::ASSESSMENT_RESULTS, &[], "All assessment results"),
    get("getAssessmentResult", G, "/assessmentResults/{sourcedId}", &[AssessmentReadonly], &v::ASSESSMENT_RESULTS, "One assessment result"),
    delete("deleteAssessmentResult", "/assessmentResults/{sourcedId}", &[AssessmentDelete], &e::ASSESSMENT_RESULT, "Delete an assessment result"),
    put("putAssessmentResult", "/assessmentResults/{sourcedId}", &[AssessmentCreateput], &e::ASSESSMENT_RESULT, "Create or replace an assessment result"),
    list("getAllCategories", G, "/categories", CORE_GRADEBOOK, &v::CATEGORIES, &[], "All categories"),
    get("getCategory", G, "/categories/{sourcedId}", CORE_GRADEBOOK, &v::CATEGORIES, "One category"),
    delete("deleteCategory", "/categories/{sourcedId}", &[GradebookDelete], &e::CATEGORY, "Delete a category"),
    put("putCategory", "/categories/{sourcedId}", &[GradebookCreateput], &e::CATEGORY, "Create or replace a category"),
    post("postResultsForAcademicSessionForClass", "/classes/{classSourcedId}/academicSessions/{academicSessionSourcedId}/results", &e::RESULT,
        &[checked("classSourcedId", &v::CLASSES), checked("academicSessionSourcedId", &v::ACADEMIC_SESSIONS)], &["class"],
        "Create results for a class in an academic session"),
    list("getCategoriesForClass", G, "/classes/{classSourcedId}/categories", GRADEBOOK, &v::CATEGORIES,
        &[parent("classSourcedId", &v::CLASSES, Link::Where {
            before: "t.sourced_id IN (SELECT li.category_id FROM line_items li WHERE li.class_id = ",
            after: " AND li.status = 'active')",
        })],
        "The categories used by a class's line items"),
    list("getLineItemsForClass", G, "/classes/{classSourcedId}/lineItems", GRADEBOOK, &v::LINE_ITEMS,
        &[parent("classSourcedId", &v::CLASSES, column("t.class_id = "))],
        "The line items of a class"),
    post("postLineItemsForClass", "/classes/{classSourcedId}/lineItems", &e::LINE_ITEM,
        &[checked("classSourcedId", &v::CLASSES)], &["class"],
        "Create line items for a class"),
    list("getResultsForLineItemForClass", G, "/classes/{classSourcedId}/lineItems/{lineItemSourcedId}/results", GRADEBOOK, &v::RESULTS,
        &[checked("classSourcedId", &v::CLASSES),
          Parent { param: "lineItemSourcedId", view: &v::LINE_ITEMS, belongs_to: Some(("class_id", 0)), link: Some(column("t.line_item_id = ")) }],
        "The results of a line item of a class"),
    list("getResultsForClass", G, "/classes/{classSourcedId}/results", GRADEBOOK, &v::RESULTS,
        &[parent("classSourcedId", &v::CLASSES, Link::Where {
            before: "t.line_item_id IN (SELECT li.sourced_id FROM line_items li WHERE li.class_id = ",
            after: ")",
        })],
        "The results of a class's line items"),
    list("getScoreScalesForClass", G, "/classes/{classSourcedId}/scoreScales", GRADEBOOK, &v::SCORE_SCALES,
        &[parent("classSourcedId", &v::CLASSES, column("t.class_id = "))],
        "The score scales of a class"),
    list("getResultsForStudentForClass", G, "/classes/{classSourcedId}/students/{studentSourcedId}/results", GRADEBOOK, &v::RESULTS,
        &[parent("classSourcedId", &v::CLASSES, Link::Where {
            before: "t.line_item_id IN (SELECT li.sourced_id FROM line_items li WHERE li.class_id = ",
            after: ")",
          }),
          parent("studentSourcedId", &v::STUDENTS, column("t.student_id = "))],
        "The results of a student in a class"),
    list("getAllLineItems", G, "/lineItems", CORE_GRADEBOOK, &v::LINE_ITEMS, &[], "All line items"),
    post("postResultsForLineItem", "/lineItems/{lineItemSourcedId}/results", &e::RESULT,
        &[checked("lineItemSourcedId", &v::LINE_ITEMS)], &["lineItem"],
        "Create results for a line item"),
    get("getLineItem", G, "/lineItems/{sourcedId}", CORE_GRADEBOOK, &v::LINE_ITEMS, "One line item"),
    delete("deleteLineItem", "/lineItems/{sourcedId}", &[GradebookDelete], &e::LINE_ITEM, "Delete a line item (and its results)"),
    put("putLineItem", "/lineItems/{sourcedId}", &[GradebookCreateput], &e::LINE_ITEM, "Create or replace a line item"),
    list("getAllResults", G, "/results", CORE_GRADEBOOK, &v::RESULTS, &[], "All results"),
    get("getResult", G, "/results/{sourcedId}", CORE_GRADEBOOK, &v::RESULTS, "One result"),
    delete("deleteResult", "/results/{sourcedId}", &[GradebookDelete], &e::RESULT, "Delete a result"),
    put("putResult", "/results/{sourcedId}", &[GradebookCreateput], &e::RESULT, "Create or replace a result"),
    post("postLineItemsForSchool", "/schools/{schoolSourcedId}/lineItems", &e::LINE_ITEM,
        &[checked("schoolSourcedId", &v::SCHOOLS)], &["school"],
        "Create line items for a school"),
    list("getScoreScalesForSchool", G, "/schools/{schoolSourcedId}/scoreScales", GRADEBOOK, &v::SCORE_SCALES,
        &[parent("schoolSourcedId", &v::SCHOOLS, Link::Where {
            before: "t.class_id IN (SELECT c.sourced_id FROM classes c WHERE c.school_id = ",
            after: ")",
        })],
        "The score scales of a school's classes"),
    list("getAllScoreScales", G, "/scoreScales", CORE_GRADEBOOK, &v::SCORE_SCALES, &[], "All score scales"),
    get("getScoreScale", G, "/scoreScales/{sourcedId}", CORE_GRADEBOOK, &v::SCORE_SCALES, "One score scale"),
    delete("deleteScoreScale", "/scoreScales/{sourcedId}", &[GradebookDelete], &e::SCORE_SCALE, "Delete a score scale"),
    put("putScoreScale", "/scoreScales/{sourcedId}", &[GradebookCreateput], &e::SCORE_SCALE, "Create or replace a score scale"),
    // ---- resources ---------------------------------------------------------------------------
    list("getResourcesForClass", RS, "/classes/{classSourcedId}/resources", RESOURCE, &v::RESOURCES,
        &[parent("classSourcedId", &v::CLASSES, Link::InParentList { table: "classes", column: "resources" })],
        "The resources referenced by a class"),
    list("getResourcesForCourse", RS, "/courses/{courseSourcedId}/resources", RESOURCE, &v::RESOURCES,
        &[parent("courseSourcedId", &v::COURSES, Link::InParentList { table: "courses", column: "resources" })],
        "The resources referenced by a course"),
    list("getAllResources", RS, "/resources", CORE_RESOURCE, &v::RESOURCES, &[], "All resources"),
    get("getResource", RS, "/resources/{sourcedId}", CORE_RESOURCE, &v::RESOURCES, "One resource"),
    list("getResourcesForUser", RS, "/users/{userSourcedId}/resources", RESOURCE, &v::RESOURCES,
        &[parent("userSourcedId", &v::USERS, Link::InParentList { table: "users", column: "resources" })],
        "The resources referenced by a user"),
];
