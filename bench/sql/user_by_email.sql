-- pgbench baseline of GET /users?filter=email='…' (first page, limit 100); emails from
-- bench_aux.emails (filled by run.py).
-- pgbench -n -M prepared -c 64 -j 2 -T 10 -D n=<rows> -f bench/sql/user_by_email.sql orbench
\set r random(1, :n)
SELECT t.sourced_id, t.status, t.date_last_modified, t.metadata, t.user_master_identifier, t.username, t.user_ids, t.enabled_user, t.given_name, t.family_name, t.middle_name, t.preferred_first_name, t.preferred_middle_name, t.preferred_last_name, t.pronouns, t.roles, t.user_profiles, t.primary_org_id, t.identifier, t.email, t.sms, t.phone, t.agents, t.grades, t.resources, t.sourced_id FROM users t WHERE t.status = 'active' AND ((t.email = (SELECT a.email FROM bench_aux.emails a WHERE a.n = :r))) ORDER BY t.sourced_id ASC LIMIT 100 OFFSET 0;
