-- pgbench baseline of PUT /results/{id}: the statements the server runs for one PUT, in one
-- transaction (lock the referenced class, student and line item against deletion, read the
-- line item's class, upsert the row), for a random result of bench_aux.results (filled by run.py).
-- pgbench -n -M prepared -c 32 -j 2 -T 10 -D n=<rows> -f bench/sql/put_result.sql orbench
\set r random(1, :n)
BEGIN;
SELECT sourced_id FROM classes WHERE status = 'active' AND sourced_id IN (SELECT a.class_id FROM bench_aux.results a WHERE a.n = :r) FOR SHARE OF classes;
SELECT sourced_id FROM users WHERE status = 'active' AND sourced_id IN (SELECT a.student_id FROM bench_aux.results a WHERE a.n = :r) FOR SHARE OF users;
SELECT sourced_id FROM line_items WHERE status = 'active' AND sourced_id IN (SELECT a.line_item_id FROM bench_aux.results a WHERE a.n = :r) FOR SHARE OF line_items;
SELECT class_id FROM line_items WHERE sourced_id = (SELECT a.line_item_id FROM bench_aux.results a WHERE a.n = :r) AND class_id IS NOT NULL;
INSERT INTO results (sourced_id, status, date_last_modified, metadata, line_item_id, student_id, class_id, score_scale_id, score_status, score, text_score, score_date, comment, learning_objective_set, in_progress, incomplete, late, missing) SELECT a.id, 'active', (extract(epoch FROM clock_timestamp()) * 1000)::bigint, NULL, a.line_item_id, a.student_id, NULLIF(a.class_id, ''), NULL, 'fully graded', floor(random() * 101), NULL, '2025-10-17', 'bench', NULL, NULL, NULL, NULL, NULL FROM bench_aux.results a WHERE a.n = :r ON CONFLICT (sourced_id) DO UPDATE SET status = excluded.status, date_last_modified = excluded.date_last_modified, metadata = excluded.metadata, line_item_id = excluded.line_item_id, student_id = excluded.student_id, class_id = excluded.class_id, score_scale_id = excluded.score_scale_id, score_status = excluded.score_status, score = excluded.score, text_score = excluded.text_score, score_date = excluded.score_date, comment = excluded.comment, learning_objective_set = excluded.learning_objective_set, in_progress = excluded.in_progress, incomplete = excluded.incomplete, late = excluded.late, missing = excluded.missing;
END;
