-- Tombstones (`status = 'tobedeleted'`), for the delta queries that ask for them by status.
-- Partial indexes: they hold only the few deleted rows, and no planner can pick them for the
-- default listings (`status = 'active'`), with or without statistics.
CREATE INDEX orgs_tombstones_idx ON orgs (sourced_id) WHERE status = 'tobedeleted';
CREATE INDEX academic_sessions_tombstones_idx ON academic_sessions (sourced_id) WHERE status = 'tobedeleted';
CREATE INDEX resources_tombstones_idx ON resources (sourced_id) WHERE status = 'tobedeleted';
CREATE INDEX courses_tombstones_idx ON courses (sourced_id) WHERE status = 'tobedeleted';
CREATE INDEX classes_tombstones_idx ON classes (sourced_id) WHERE status = 'tobedeleted';
CREATE INDEX users_tombstones_idx ON users (sourced_id) WHERE status = 'tobedeleted';
CREATE INDEX enrollments_tombstones_idx ON enrollments (sourced_id) WHERE status = 'tobedeleted';
CREATE INDEX demographics_tombstones_idx ON demographics (sourced_id) WHERE status = 'tobedeleted';
CREATE INDEX categories_tombstones_idx ON categories (sourced_id) WHERE status = 'tobedeleted';
CREATE INDEX score_scales_tombstones_idx ON score_scales (sourced_id) WHERE status = 'tobedeleted';
CREATE INDEX line_items_tombstones_idx ON line_items (sourced_id) WHERE status = 'tobedeleted';
CREATE INDEX results_tombstones_idx ON results (sourced_id) WHERE status = 'tobedeleted';
CREATE INDEX assessment_line_items_tombstones_idx ON assessment_line_items (sourced_id) WHERE status = 'tobedeleted';
CREATE INDEX assessment_results_tombstones_idx ON assessment_results (sourced_id) WHERE status = 'tobedeleted';
