//! Line items and results, derived from a class's number and a student's number, so that the
//! line item files and the three result files see exactly the same gradebook without
//! keeping it in memory.

use super::catalog::{self, CATEGORIES, Dept, LETTER_SCALE, QUARTERS, STANDARDS_SCALE};
use super::plan::{FALL, Plan, SPRING, tag, weekday};
use super::rng::Rng;

/// A line item of a class.
pub struct Item {
    /// From 1, within the class.
    pub number: u32,
    /// Index into [`CATEGORIES`].
    pub category: usize,
    /// From 1, within the class's items of the same category.
    pub seq: u32,
    /// Index into [`QUARTERS`].
    pub quarter: usize,
    pub assign: i64,
    pub due: i64,
    pub min: u32,
    pub max: u32,
    /// Graded on the school's score scale.
    pub scaled: bool,
    /// Number of learning objectives (CASE identifiers) it is aligned to.
    pub objectives: u32,
    pub description: &'static str,
    /// Shifts every student's score, per mille.
    difficulty: i64,
}

impl Item {
    /// Whether the item has results: it was due before the day the package describes.
    pub fn graded(&self, plan: &Plan) -> bool {
        self.due < plan.calendar.as_of
    }

    pub fn title(&self) -> String {
        format!("{} {}", CATEGORIES[self.category].item, self.seq)
    }
}

pub fn item_id(class_id: &str, number: u32) -> String {
    format!("li-{}-{number:02}", &class_id[4..])
}

/// The line items of a class: 8 to 12, spread over its grading periods, each category's
/// items numbered in order.
pub fn items(plan: &Plan, c: u32) -> Vec<Item> {
    let class = &plan.classes[c as usize];
    let course = &plan.courses[class.course as usize];
    let dept = course.def.dept;
    let elementary = plan.schools[class.school as usize].is_elementary();
    let quarters: &[usize] = match class.terms {
        FALL => &[0, 1],
        SPRING => &[2, 3],
        _ => &[0, 1, 2, 3],
    };
    let mut r = Rng::keyed(plan.seed, tag::ITEMS, &[u64::from(c)]);
    let count = r.between(8, 12) as usize;
    let weights = catalog::category_weights(dept);
    let mut per_category = [0u32; CATEGORIES.len()];
    let mut out = Vec::with_capacity(count);
    for j in 0..count {
        let qi = j * quarters.len() / count;
        let in_quarter = (0..count)
            .filter(|&k| k * quarters.len() / count == qi)
            .count();
        let position = j
            - (0..count)
                .position(|k| k * quarters.len() / count == qi)
                .unwrap_or(0);
        let quarter = quarters[qi];
        let (start, end) = plan.calendar.sessions[QUARTERS[quarter]];
        let mut due = start
            + (position as i64 + 1) * (end - start) / (in_quarter as i64 + 1)
            + r.between(-2, 2);
        due += match weekday(due) {
            5 => -1,
            6 => 1,
            _ => 0,
        };
        let due = due.clamp(start, end - 1);
        let category = r.weighted(&weights);
        per_category[category] += 1;
        let lead = match category {
            0 => 2,
            1 => 0,
            2 => 5,
            3 => 12,
            4 => 16,
            _ => 7,
        };
        let objectives = if !elementary
            && matches!(dept, Dept::Math | Dept::English)
            && (category == catalog::CAT_TESTS || category == catalog::CAT_QUIZZES)
        {
            if category == catalog::CAT_TESTS { 2 } else { 1 }
        } else {
            0
        };
        let standards = category == catalog::CAT_STANDARDS;
        out.push(Item {
            number: j as u32 + 1,
            category,
            seq: per_category[category],
            quarter,
            assign: (due - lead).max(start),
            due,
            min: u32::from(standards),
            max: CATEGORIES[category].max_points,
            scaled: standards || category == catalog::CAT_TESTS,
            objectives,
            description: if r.chance(400) {
                r.pick(&catalog::ITEM_DESCRIPTIONS)
            } else {
                ""
            },
            difficulty: r.between(-90, 40),
        });
    }
    out
}

/// A CASE learning objective: a UUID shared by the items of the same course, unit and
/// position in every school.
pub fn objective(plan: &Plan, c: u32, item: &Item, k: u32) -> String {
    let course = &plan.courses[plan.classes[c as usize].course as usize];
    let code = course
        .def
        .code
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(131).wrapping_add(u64::from(b)));
    let mut r = Rng::keyed(
        plan.seed,
        tag::ITEMS,
        &[
            code,
            item.category as u64,
            u64::from(item.seq),
            u64::from(k),
        ],
    );
    let (a, b) = (r.next_u64(), r.next_u64());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

/// A student's result for a line item.
pub struct Outcome {
    pub status: &'static str,
    /// Points, in halves.
    pub score_halves: Option<u32>,
    pub text: &'static str,
    pub date: i64,
    pub late: bool,
    pub missing: bool,
    pub incomplete: bool,
    pub comment: &'static str,
    /// Per mille of the maximum.
    pct: i64,
}

impl Outcome {
    pub fn score(&self) -> String {
        match self.score_halves {
            None => String::new(),
            Some(h) if h % 2 == 0 => (h / 2).to_string(),
            Some(h) => format!("{}.5", h / 2),
        }
    }

    /// A mastery level from 1 to 4 for the `k`-th learning objective of the item.
    pub fn mastery(&self, plan: &Plan, result: u64, k: u32) -> u32 {
        let noise = Rng::keyed(plan.seed, tag::RESULT, &[result, u64::from(k)]).between(-80, 80);
        match self.pct + noise {
            900.. => 4,
            780..900 => 3,
            620..780 => 2,
            _ => 1,
        }
    }
}

/// A student's general level, per mille.
fn ability(plan: &Plan, s: u32) -> i64 {
    Rng::keyed(plan.seed, tag::ABILITY, &[u64::from(s)]).between(560, 990)
}

pub fn outcome(plan: &Plan, c: u32, item: &Item, s: u32) -> Outcome {
    let mut r = Rng::keyed(
        plan.seed,
        tag::RESULT,
        &[u64::from(c), u64::from(item.number), u64::from(s)],
    );
    let pct = (ability(plan, s) + item.difficulty + r.between(-110, 110)).clamp(200, 1000);
    let as_of = plan.calendar.as_of;
    let graded_on = (item.due + r.between(1, 6)).min(as_of - 1);
    let recent = item.due >= as_of - 3;
    let roll = r.below(1000);
    let mut o = Outcome {
        status: "fully graded",
        score_halves: None,
        text: "",
        date: graded_on,
        late: false,
        missing: false,
        incomplete: false,
        comment: "",
        pct,
    };
    if recent && roll < 600 {
        o.status = "submitted";
        o.date = item.due;
        return o;
    }
    match roll % 100 {
        0..2 => {
            o.status = "exempt";
            o.date = item.due;
            return o;
        }
        2..6 => {
            o.status = "not submitted";
            o.missing = true;
            o.score_halves = Some(item.min * 2);
            o.text = scale_text(item, 0);
            return o;
        }
        6..8 => {
            o.status = "partially graded";
            o.incomplete = true;
        }
        _ => {}
    }
    o.late = r.chance(60);
    if r.chance(40) {
        o.comment = r.pick(&catalog::COMMENTS);
    }
    if item.category == catalog::CAT_STANDARDS {
        let level = match pct {
            900.. => 4,
            780..900 => 3,
            620..780 => 2,
            _ => 1,
        };
        o.score_halves = Some(level * 2);
        o.text = scale_text(item, level as i64);
    } else {
        let max = i64::from(item.max);
        let mut halves = (pct * max * 2 + 500) / 1000;
        if max < 50 {
            halves = (halves + 1) / 2 * 2;
        }
        o.score_halves = Some(halves as u32);
        o.text = scale_text(item, halves * 500 / max);
    }
    o
}

/// The score-scale label of a score: the standards level, or the letter grade of a
/// percentage (per thousand, halved: `halves * 500 / max`).
fn scale_text(item: &Item, value: i64) -> &'static str {
    if !item.scaled {
        return "";
    }
    if item.category == catalog::CAT_STANDARDS {
        return STANDARDS_SCALE
            .iter()
            .find(|(lhs, _)| lhs.parse::<i64>().ok() == Some(value))
            .map_or(STANDARDS_SCALE[3].1, |v| v.1);
    }
    let percent = value / 10;
    match percent {
        90.. => LETTER_SCALE[0].1,
        80..90 => LETTER_SCALE[1].1,
        70..80 => LETTER_SCALE[2].1,
        60..70 => LETTER_SCALE[3].1,
        _ => LETTER_SCALE[4].1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_fall_within_their_class_terms_on_school_days() {
        let plan = Plan::build(2000, 5);
        for c in 0..plan.classes.len() as u32 {
            let class = &plan.classes[c as usize];
            let items = items(&plan, c);
            assert!((8..=12).contains(&items.len()));
            for item in &items {
                let (start, end) = plan.calendar.sessions[QUARTERS[item.quarter]];
                assert!(start <= item.assign && item.assign <= item.due && item.due < end);
                assert!(weekday(item.due) < 5);
                let term = if item.quarter < 2 { FALL } else { SPRING };
                assert!(class.terms & term != 0);
            }
        }
    }

    #[test]
    fn scores_stay_within_the_item_range() {
        let plan = Plan::build(500, 9);
        let mut statuses = std::collections::BTreeMap::new();
        for c in 0..plan.classes.len() as u32 {
            for item in items(&plan, c).iter().filter(|i| i.graded(&plan)) {
                for &s in plan.members(c) {
                    let o = outcome(&plan, c, item, s);
                    *statuses.entry(o.status).or_insert(0) += 1;
                    if let Some(h) = o.score_halves {
                        assert!(h >= item.min * 2 && h <= item.max * 2, "{h} {}", item.max);
                    }
                    assert!(o.date < plan.calendar.as_of);
                    assert_eq!(o.text.is_empty(), !item.scaled || o.score_halves.is_none());
                }
            }
        }
        assert!(statuses["fully graded"] > 10 * statuses["not submitted"]);
        assert!(statuses.contains_key("exempt"));
    }

    #[test]
    fn objectives_are_uuids() {
        let plan = Plan::build(500, 9);
        let c = (0..plan.classes.len() as u32)
            .find(|&c| items(&plan, c).iter().any(|i| i.objectives > 0))
            .unwrap();
        let item = items(&plan, c)
            .into_iter()
            .find(|i| i.objectives > 0)
            .unwrap();
        let id = objective(&plan, c, &item, 0);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
    }
}
