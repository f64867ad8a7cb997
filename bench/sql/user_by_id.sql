-- pgbench baseline of GET /users/{id}: the statement the server runs (PostgreSQL log), with
-- the id drawn from the same sample as the wrk run (bench_aux.users, filled by run.py).
-- pgbench -n -M prepared -c 64 -j 2 -T 10 -D n=<rows> -f bench/sql/user_by_id.sql orbench
\set r random(1, :n)
SELECT t.sourced_id, t.status, t.date_last_modified, t.metadata, t.user_master_identifier, t.username, t.user_ids, t.enabled_user, t.given_name, t.family_name, t.middle_name, t.preferred_first_name, t.preferred_middle_name, t.preferred_last_name, t.pronouns, t.roles, t.user_profiles, t.primary_org_id, t.identifier, t.email, t.sms, t.phone, t.agents, t.grades, t.resources FROM users t WHERE t.sourced_id = (SELECT a.id FROM bench_aux.users a WHERE a.n = :r) AND t.status = 'active';
