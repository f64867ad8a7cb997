-- Baseline of the full sync of /classes: the same rows and columns in one statement, run by run.py as
-- psql -c "\copy (<this SELECT>) TO '/dev/null'" orbench   (sqlite3: the SELECT with .output /dev/null)
SELECT t.sourced_id, t.status, t.date_last_modified, t.metadata, t.title, t.class_code, t.class_type, t.location, t.grades, t.subjects, t.course_id, t.school_id, t.terms, t.subject_codes, t.periods, t.resources FROM classes t WHERE t.status = 'active' ORDER BY t.sourced_id
