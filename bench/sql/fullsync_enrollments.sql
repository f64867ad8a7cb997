-- Baseline of the full sync of /enrollments: the same rows and columns in one statement, run by run.py as
-- psql -c "\copy (<this SELECT>) TO '/dev/null'" orbench   (sqlite3: the SELECT with .output /dev/null)
SELECT t.sourced_id, t.status, t.date_last_modified, t.metadata, t.user_id, t.class_id, t.school_id, t.role, t.is_primary, t.begin_date, t.end_date FROM enrollments t WHERE t.status = 'active' ORDER BY t.sourced_id
