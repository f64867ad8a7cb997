-- Relationship lookups (the students of a class, the classes of a user) match active
-- enrollments by class or user and role; with the status in the index they are answered
-- from the index alone, without reading each enrollment row.
CREATE INDEX enrollments_class_role_status_user_idx ON enrollments (class_id, role, status, user_id);
CREATE INDEX enrollments_user_role_status_class_idx ON enrollments (user_id, role, status, class_id);
DROP INDEX enrollments_class_id_role_user_id_idx;
DROP INDEX enrollments_user_id_role_class_id_idx;
