-- pgbench baseline of POST /lineItems/{id}/results with 1000 results: lock the 1000 students
-- and the line item, look up the supplied ids, insert the 1000 rows, in one transaction.
-- Students are bench_aux.post_students (filled by run.py); new ids each transaction.
-- pgbench -n -M prepared -c 1 -j 1 -t 5 -D li=<lineItem id> -D cls=<its class> -f bench/sql/post_results.sql orbench
\set r random(1, 2000000000)
BEGIN;
SELECT sourced_id FROM classes WHERE status = 'active' AND sourced_id = :cls FOR SHARE;
SELECT sourced_id FROM users WHERE status = 'active' AND sourced_id IN (SELECT a.id FROM bench_aux.post_students a) FOR SHARE OF users;
SELECT sourced_id FROM line_items WHERE status = 'active' AND sourced_id = :li FOR SHARE;
SELECT sourced_id FROM results WHERE sourced_id IN (SELECT 'pgb-' || :r || '-' || a.n FROM bench_aux.post_students a);
INSERT INTO results (sourced_id, status, date_last_modified, metadata, line_item_id, student_id, class_id, score_scale_id, score_status, score, text_score, score_date, comment, learning_objective_set, in_progress, incomplete, late, missing) SELECT 'pgb-' || :r || '-' || a.n, 'active', (extract(epoch FROM clock_timestamp()) * 1000)::bigint, NULL, :li, a.id, :cls, NULL, 'fully graded', a.n % 101, NULL, '2025-10-17', 'bench', NULL, NULL, NULL, NULL, NULL FROM bench_aux.post_students a ON CONFLICT (sourced_id) DO NOTHING;
END;
