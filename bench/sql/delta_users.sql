-- pgbench baseline of GET /users?filter=dateLastModified>'T'&limit=5000 (T as epoch ms).
-- A filter naming dateLastModified also returns tombstones, hence no status predicate.
-- pgbench -n -M prepared -c 1 -j 1 -T 5 -D since=<epoch ms> -f bench/sql/delta_users.sql orbench
SELECT t.sourced_id, t.status, t.date_last_modified, t.metadata, t.user_master_identifier, t.username, t.user_ids, t.enabled_user, t.given_name, t.family_name, t.middle_name, t.preferred_first_name, t.preferred_middle_name, t.preferred_last_name, t.pronouns, t.roles, t.user_profiles, t.primary_org_id, t.identifier, t.email, t.sms, t.phone, t.agents, t.grades, t.resources, t.sourced_id FROM users t WHERE ((t.date_last_modified > :since)) ORDER BY t.sourced_id ASC LIMIT 5000 OFFSET 0;
