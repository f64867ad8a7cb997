-- pgbench baseline of one /enrollments page by plain LIMIT/OFFSET (what a deep page costs
-- the database without keyset continuation).
-- pgbench -n -M prepared -c 1 -j 1 -T 5 -D lim=100 -D off=<offset> -f bench/sql/enrollments_page.sql orbench
SELECT t.sourced_id, t.status, t.date_last_modified, t.metadata, t.user_id, t.class_id, t.school_id, t.role, t.is_primary, t.begin_date, t.end_date, t.sourced_id FROM enrollments t WHERE t.status = 'active' ORDER BY t.sourced_id ASC LIMIT :lim OFFSET :off;
