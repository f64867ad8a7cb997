//! `oneroster generate`: a synthetic school district written as a OneRoster 1.2 bulk CSV
//! package, for import and API benchmarks.
//!
//! The same number of students and seed always give the same bytes. Rows are streamed
//! straight into the package; what is kept in memory is the district's plan (schools,
//! sections and who sits in them, staff), a few bytes per enrollment.
//!
//! The district, per 1 000 students (see [`DISTRICT`] for the full description):
//! about one school (elementary K-5, middle 6-8, high 9-12; grades weighted equally), 250
//! classes, 12 000 enrollments, 2 500 line items and 17 000 results.

mod catalog;
mod files;
mod gradebook;
mod plan;
mod rng;

use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use crate::csv::schema;
pub use files::WRITE_ORDER;
use plan::Plan;

/// The fewest students a district can have (one school of each level, one class per grade).
pub const MIN_STUDENTS: u32 = 20;

/// What the generated district looks like, for `--help` and the README.
pub const DISTRICT: &str = "\
The district has one district org and elementary (K-5, about 750 students), middle (6-8, \
about 1,150) and high schools (9-12, about 1,700): about one school per 1,000 students. \
The 2025-2026 school year has two terms and four grading periods; the package describes \
the district on 2025-10-17, the last day of the first grading period.

Elementary students stay with their homeroom group (22 students in K-2, 25 above) for \
a homeroom class and three specials (art, music, physical education): 4 classes. Middle \
and high school students have 7 classes in each term (7 periods, no two at the same \
time, classmates changing from period to period): year-long classes and one or two semester periods (a fall class, then a \
spring class), about 25 students each.

Enrollments are written per term, as term-scheduling SISs export them: a year-long class \
has one enrollment per student (and teacher) and per term, dated to the term. So an \
elementary student has 8 enrollments, a secondary student 14, and a class of 25 about 50: \
that is how about 25,000 classes carry about 1.2 million enrollments at 100,000 students.

Secondary teachers teach 5 periods per term, elementary specialists up to 30 homeroom \
groups, homeroom teachers their homeroom: one primary teacher per class, with special-education co-teachers \
in a tenth of English and mathematics sections. Some teachers work at two schools or also \
counsel, some high school students are also aides at an elementary school, guardians \
(1 or 2 per household, some with children at two schools) are linked by agentSourcedIds.

Each class has 8 to 12 line items in district-wide categories; those due before \
2025-10-17 (about 28%) have a result for every student: about 1.7 million results at \
100,000 students. Each school has a score \
scale (standards-based or letter grades) used by its tests; mathematics and English \
tests and quizzes are aligned to CASE learning objectives. Courses have textbooks \
(courseResources), classes have apps (classResources), teachers have teacher editions \
(userResources).";

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    pub students: u32,
    pub seed: u64,
}

/// Rows written per file, and how long it took.
#[derive(Clone, Debug)]
pub struct Summary {
    /// (file name with `.csv`, rows), in the order written.
    pub files: Vec<(String, u64)>,
    pub schools: usize,
    pub classes: usize,
    pub students: usize,
    pub staff: usize,
    /// Size of the package on disk.
    pub bytes: u64,
    pub elapsed: Duration,
}

impl Summary {
    pub fn rows(&self, file: &str) -> u64 {
        self.files
            .iter()
            .find(|(name, _)| name.trim_end_matches(".csv") == file.trim_end_matches(".csv"))
            .map_or(0, |f| f.1)
    }

    pub fn total_rows(&self) -> u64 {
        self.files.iter().map(|f| f.1).sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, rows) in &self.files {
            writeln!(f, "{name:<36} {rows:>12}")?;
        }
        writeln!(f, "{:<36} {:>12}", "total rows", self.total_rows())?;
        writeln!(
            f,
            "{} schools, {} classes, {} students, {} staff; {:.1} MB in {:.1} s",
            self.schools,
            self.classes,
            self.students,
            self.staff,
            self.bytes as f64 / 1e6,
            self.elapsed.as_secs_f64()
        )
    }
}

/// Where the files go: a zip package, or a folder.
enum Sink {
    Zip(Box<ZipWriter<BufWriter<File>>>),
    Dir(PathBuf),
}

/// One file being written.
enum Entry<'a> {
    Zip(&'a mut ZipWriter<BufWriter<File>>),
    File(BufWriter<File>),
}

impl Write for Entry<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Entry::Zip(z) => z.write(buf),
            Entry::File(f) => f.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Entry::Zip(z) => z.write_all(buf),
            Entry::File(f) => f.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Entry::Zip(z) => z.flush(),
            Entry::File(f) => f.flush(),
        }
    }
}

/// Zip entry options: fast deflate, and a fixed timestamp and mode so that the package's
/// bytes depend only on its content.
fn entry_options(large: bool) -> anyhow::Result<SimpleFileOptions> {
    let (y, m, d) = crate::model::datetime::parse_date(catalog::AS_OF)
        .ok_or_else(|| anyhow::anyhow!("bad AS_OF date"))?;
    let stamp = zip::DateTime::from_date_and_time(y as u16, m as u8, d as u8, 0, 0, 0)
        .map_err(|e| anyhow::anyhow!("zip timestamp: {e}"))?;
    Ok(SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .last_modified_time(stamp)
        .unix_permissions(0o644)
        .large_file(large))
}

impl Sink {
    /// A zip package when `out` ends in `.zip`, otherwise a folder (created if needed).
    fn create(out: &Path) -> anyhow::Result<Sink> {
        let is_zip = out
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
        if is_zip {
            let file =
                File::create(out).with_context(|| format!("cannot create {}", out.display()))?;
            Ok(Sink::Zip(Box::new(ZipWriter::new(
                BufWriter::with_capacity(1 << 20, file),
            ))))
        } else {
            fs::create_dir_all(out)
                .with_context(|| format!("cannot create the folder {}", out.display()))?;
            Ok(Sink::Dir(out.to_path_buf()))
        }
    }

    fn entry(&mut self, name: &str, options: SimpleFileOptions) -> anyhow::Result<Entry<'_>> {
        match self {
            Sink::Zip(z) => {
                z.start_file(name, options)?;
                Ok(Entry::Zip(z))
            }
            Sink::Dir(dir) => {
                let path = dir.join(name);
                let file = File::create(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                Ok(Entry::File(BufWriter::with_capacity(1 << 20, file)))
            }
        }
    }

    fn finish(self) -> anyhow::Result<()> {
        match self {
            Sink::Zip(z) => {
                z.finish()?.flush()?;
            }
            Sink::Dir(_) => {}
        }
        Ok(())
    }
}

/// The package's `manifest.csv`.
fn manifest(written: &[&str]) -> String {
    let mut m =
        String::from("propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.2\r\n");
    for name in schema::MANIFEST_ORDER {
        let mode = if written.contains(&name) {
            "bulk"
        } else {
            "absent"
        };
        m.push_str(&format!("file.{name},{mode}\r\n"));
    }
    m.push_str("source.systemName,OneRoster synthetic district generator\r\n");
    m.push_str("source.systemCode,oneroster-generate\r\n");
    m
}

/// Writes the package of `options` to `out` (a `.zip` file, or a folder).
pub fn generate(options: &Options, out: &Path) -> anyhow::Result<Summary> {
    anyhow::ensure!(
        options.students >= MIN_STUDENTS,
        "--students must be at least {MIN_STUDENTS} (got {})",
        options.students
    );
    let started = Instant::now();
    let plan = Plan::build(options.students, options.seed);
    // Past about a million students, results.csv may pass 4 GiB: its entry needs zip64.
    let entry = entry_options(options.students > 1_000_000)?;
    let mut sink = Sink::create(out)?;
    {
        let mut e = sink.entry("manifest.csv", entry)?;
        e.write_all(manifest(&WRITE_ORDER).as_bytes())?;
        e.flush()?;
    }
    let mut written = Vec::with_capacity(WRITE_ORDER.len());
    for name in WRITE_ORDER {
        // The headers are the importer's: one table of the binding serves both.
        let header = schema::file(name)
            .expect("every written file is a binding file")
            .header();
        let file = format!("{name}.csv");
        let mut table = files::Table::new(sink.entry(&file, entry)?, &header)?;
        files::write(name, &plan, &mut table).with_context(|| format!("cannot write {file}"))?;
        let rows = table.rows;
        table.finish()?.flush()?;
        written.push((file, rows));
    }
    sink.finish()?;
    let bytes = if out.is_dir() {
        fs::read_dir(out)?
            .filter_map(|e| e.ok()?.metadata().ok())
            .map(|m| m.len())
            .sum()
    } else {
        fs::metadata(out)?.len()
    };
    Ok(Summary {
        files: written,
        schools: plan.schools.len(),
        classes: plan.classes.len(),
        students: plan.students.len(),
        staff: plan.staff.len(),
        bytes,
        elapsed: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_lists_all_21_files() {
        let m = manifest(&["orgs", "users"]);
        let lines: Vec<&str> = m.lines().collect();
        assert_eq!(lines[0], "propertyName,value");
        assert_eq!(lines[1], "manifest.version,1.0");
        assert_eq!(lines[2], "oneroster.version,1.2");
        assert_eq!(lines.iter().filter(|l| l.starts_with("file.")).count(), 21);
        assert!(lines.contains(&"file.orgs,bulk"));
        assert!(lines.contains(&"file.results,absent"));
    }

    /// The sizes the benchmarks rely on, counted from the plan without writing the files.
    #[test]
    fn a_district_of_100_000_students_has_the_target_size() {
        let plan = Plan::build(100_000, 1);
        let mut enrollments = 0;
        let mut line_items = 0;
        let mut results = 0;
        for (c, class) in plan.classes.iter().enumerate() {
            let teachers = 1 + usize::from(class.co_teacher != plan::NONE);
            let terms = Plan::terms(class.terms).count();
            let members = plan.members(c as u32).len();
            enrollments += (members + teachers) * terms;
            let items = gradebook::items(&plan, c as u32);
            line_items += items.len();
            results += items.iter().filter(|i| i.graded(&plan)).count() * members;
        }
        let schools = plan.schools.len();
        let classes = plan.classes.len();
        assert!((90..=115).contains(&schools), "{schools} schools");
        assert!((23_000..=27_500).contains(&classes), "{classes} classes");
        assert!(
            (1_100_000..=1_300_000).contains(&enrollments),
            "{enrollments} enrollments"
        );
        assert!(
            (230_000..=275_000).contains(&line_items),
            "{line_items} line items"
        );
        assert!(
            (1_000_000..=2_000_000).contains(&results),
            "{results} results"
        );
    }

    #[test]
    fn every_binding_file_is_written_once() {
        let mut order: Vec<&str> = WRITE_ORDER.to_vec();
        order.sort_unstable();
        let mut names: Vec<&str> = schema::MANIFEST_ORDER.to_vec();
        names.sort_unstable();
        assert_eq!(order, names);
    }
}
