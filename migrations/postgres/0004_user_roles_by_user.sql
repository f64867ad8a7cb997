-- Whether a user holds a role (the students and teachers collections check it user by user)
-- is one probe of this index. With only (user_id) and (role, org_id, user_id), SQLite without
-- statistics chose the latter and read every holder of the role for each user (seconds to count
-- the students of a 20 000-user district). It also serves every lookup by user_id alone.
CREATE INDEX user_roles_user_id_role_idx ON user_roles (user_id, role);
DROP INDEX user_roles_user_id_idx;
