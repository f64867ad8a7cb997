-- Exact counts of active records per table, maintained in the same transaction as the rows,
-- so that unfiltered collection pages get X-Total-Count without counting millions of rows.
-- (SQLite has one writer at a time: one counter row per table is enough.)
CREATE TABLE entity_counts (
    entity TEXT NOT NULL,
    shard INTEGER NOT NULL,
    active INTEGER NOT NULL,
    PRIMARY KEY (entity, shard)
);

INSERT INTO entity_counts (entity, shard, active) SELECT 'orgs', 0, count(*) FROM orgs WHERE status = 'active';
CREATE TRIGGER orgs_count_ins AFTER INSERT ON orgs WHEN NEW.status = 'active'
BEGIN UPDATE entity_counts SET active = active + 1 WHERE entity = 'orgs' AND shard = 0; END;
CREATE TRIGGER orgs_count_del AFTER DELETE ON orgs WHEN OLD.status = 'active'
BEGIN UPDATE entity_counts SET active = active - 1 WHERE entity = 'orgs' AND shard = 0; END;
CREATE TRIGGER orgs_count_upd AFTER UPDATE OF status ON orgs WHEN (OLD.status = 'active') <> (NEW.status = 'active')
BEGIN UPDATE entity_counts SET active = active + (CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END) WHERE entity = 'orgs' AND shard = 0; END;

INSERT INTO entity_counts (entity, shard, active) SELECT 'academic_sessions', 0, count(*) FROM academic_sessions WHERE status = 'active';
CREATE TRIGGER academic_sessions_count_ins AFTER INSERT ON academic_sessions WHEN NEW.status = 'active'
BEGIN UPDATE entity_counts SET active = active + 1 WHERE entity = 'academic_sessions' AND shard = 0; END;
CREATE TRIGGER academic_sessions_count_del AFTER DELETE ON academic_sessions WHEN OLD.status = 'active'
BEGIN UPDATE entity_counts SET active = active - 1 WHERE entity = 'academic_sessions' AND shard = 0; END;
CREATE TRIGGER academic_sessions_count_upd AFTER UPDATE OF status ON academic_sessions WHEN (OLD.status = 'active') <> (NEW.status = 'active')
BEGIN UPDATE entity_counts SET active = active + (CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END) WHERE entity = 'academic_sessions' AND shard = 0; END;

INSERT INTO entity_counts (entity, shard, active) SELECT 'resources', 0, count(*) FROM resources WHERE status = 'active';
CREATE TRIGGER resources_count_ins AFTER INSERT ON resources WHEN NEW.status = 'active'
BEGIN UPDATE entity_counts SET active = active + 1 WHERE entity = 'resources' AND shard = 0; END;
CREATE TRIGGER resources_count_del AFTER DELETE ON resources WHEN OLD.status = 'active'
BEGIN UPDATE entity_counts SET active = active - 1 WHERE entity = 'resources' AND shard = 0; END;
CREATE TRIGGER resources_count_upd AFTER UPDATE OF status ON resources WHEN (OLD.status = 'active') <> (NEW.status = 'active')
BEGIN UPDATE entity_counts SET active = active + (CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END) WHERE entity = 'resources' AND shard = 0; END;

INSERT INTO entity_counts (entity, shard, active) SELECT 'courses', 0, count(*) FROM courses WHERE status = 'active';
CREATE TRIGGER courses_count_ins AFTER INSERT ON courses WHEN NEW.status = 'active'
BEGIN UPDATE entity_counts SET active = active + 1 WHERE entity = 'courses' AND shard = 0; END;
CREATE TRIGGER courses_count_del AFTER DELETE ON courses WHEN OLD.status = 'active'
BEGIN UPDATE entity_counts SET active = active - 1 WHERE entity = 'courses' AND shard = 0; END;
CREATE TRIGGER courses_count_upd AFTER UPDATE OF status ON courses WHEN (OLD.status = 'active') <> (NEW.status = 'active')
BEGIN UPDATE entity_counts SET active = active + (CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END) WHERE entity = 'courses' AND shard = 0; END;

INSERT INTO entity_counts (entity, shard, active) SELECT 'classes', 0, count(*) FROM classes WHERE status = 'active';
CREATE TRIGGER classes_count_ins AFTER INSERT ON classes WHEN NEW.status = 'active'
BEGIN UPDATE entity_counts SET active = active + 1 WHERE entity = 'classes' AND shard = 0; END;
CREATE TRIGGER classes_count_del AFTER DELETE ON classes WHEN OLD.status = 'active'
BEGIN UPDATE entity_counts SET active = active - 1 WHERE entity = 'classes' AND shard = 0; END;
CREATE TRIGGER classes_count_upd AFTER UPDATE OF status ON classes WHEN (OLD.status = 'active') <> (NEW.status = 'active')
BEGIN UPDATE entity_counts SET active = active + (CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END) WHERE entity = 'classes' AND shard = 0; END;

INSERT INTO entity_counts (entity, shard, active) SELECT 'users', 0, count(*) FROM users WHERE status = 'active';
CREATE TRIGGER users_count_ins AFTER INSERT ON users WHEN NEW.status = 'active'
BEGIN UPDATE entity_counts SET active = active + 1 WHERE entity = 'users' AND shard = 0; END;
CREATE TRIGGER users_count_del AFTER DELETE ON users WHEN OLD.status = 'active'
BEGIN UPDATE entity_counts SET active = active - 1 WHERE entity = 'users' AND shard = 0; END;
CREATE TRIGGER users_count_upd AFTER UPDATE OF status ON users WHEN (OLD.status = 'active') <> (NEW.status = 'active')
BEGIN UPDATE entity_counts SET active = active + (CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END) WHERE entity = 'users' AND shard = 0; END;

INSERT INTO entity_counts (entity, shard, active) SELECT 'enrollments', 0, count(*) FROM enrollments WHERE status = 'active';
CREATE TRIGGER enrollments_count_ins AFTER INSERT ON enrollments WHEN NEW.status = 'active'
BEGIN UPDATE entity_counts SET active = active + 1 WHERE entity = 'enrollments' AND shard = 0; END;
CREATE TRIGGER enrollments_count_del AFTER DELETE ON enrollments WHEN OLD.status = 'active'
BEGIN UPDATE entity_counts SET active = active - 1 WHERE entity = 'enrollments' AND shard = 0; END;
CREATE TRIGGER enrollments_count_upd AFTER UPDATE OF status ON enrollments WHEN (OLD.status = 'active') <> (NEW.status = 'active')
BEGIN UPDATE entity_counts SET active = active + (CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END) WHERE entity = 'enrollments' AND shard = 0; END;

INSERT INTO entity_counts (entity, shard, active) SELECT 'demographics', 0, count(*) FROM demographics WHERE status = 'active';
CREATE TRIGGER demographics_count_ins AFTER INSERT ON demographics WHEN NEW.status = 'active'
BEGIN UPDATE entity_counts SET active = active + 1 WHERE entity = 'demographics' AND shard = 0; END;
CREATE TRIGGER demographics_count_del AFTER DELETE ON demographics WHEN OLD.status = 'active'
BEGIN UPDATE entity_counts SET active = active - 1 WHERE entity = 'demographics' AND shard = 0; END;
CREATE TRIGGER demographics_count_upd AFTER UPDATE OF status ON demographics WHEN (OLD.status = 'active') <> (NEW.status = 'active')
BEGIN UPDATE entity_counts SET active = active + (CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END) WHERE entity = 'demographics' AND shard = 0; END;

INSERT INTO entity_counts (entity, shard, active) SELECT 'categories', 0, count(*) FROM categories WHERE status = 'active';
CREATE TRIGGER categories_count_ins AFTER INSERT ON categories WHEN NEW.status = 'active'
BEGIN UPDATE entity_counts SET active = active + 1 WHERE entity = 'categories' AND shard = 0; END;
CREATE TRIGGER categories_count_del AFTER DELETE ON categories WHEN OLD.status = 'active'
BEGIN UPDATE entity_counts SET active = active - 1 WHERE entity = 'categories' AND shard = 0; END;
CREATE TRIGGER categories_count_upd AFTER UPDATE OF status ON categories WHEN (OLD.status = 'active') <> (NEW.status = 'active')
BEGIN UPDATE entity_counts SET active = active + (CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END) WHERE entity = 'categories' AND shard = 0; END;

INSERT INTO entity_counts (entity, shard, active) SELECT 'score_scales', 0, count(*) FROM score_scales WHERE status = 'active';
CREATE TRIGGER score_scales_count_ins AFTER INSERT ON score_scales WHEN NEW.status = 'active'
BEGIN UPDATE entity_counts SET active = active + 1 WHERE entity = 'score_scales' AND shard = 0; END;
CREATE TRIGGER score_scales_count_del AFTER DELETE ON score_scales WHEN OLD.status = 'active'
BEGIN UPDATE entity_counts SET active = active - 1 WHERE entity = 'score_scales' AND shard = 0; END;
CREATE TRIGGER score_scales_count_upd AFTER UPDATE OF status ON score_scales WHEN (OLD.status = 'active') <> (NEW.status = 'active')
BEGIN UPDATE entity_counts SET active = active + (CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END) WHERE entity = 'score_scales' AND shard = 0; END;

INSERT INTO entity_counts (entity, shard, active) SELECT 'line_items', 0, count(*) FROM line_items WHERE status = 'active';
CREATE TRIGGER line_items_count_ins AFTER INSERT ON line_items WHEN NEW.status = 'active'
BEGIN UPDATE entity_counts SET active = active + 1 WHERE entity = 'line_items' AND shard = 0; END;
CREATE TRIGGER line_items_count_del AFTER DELETE ON line_items WHEN OLD.status = 'active'
BEGIN UPDATE entity_counts SET active = active - 1 WHERE entity = 'line_items' AND shard = 0; END;
CREATE TRIGGER line_items_count_upd AFTER UPDATE OF status ON line_items WHEN (OLD.status = 'active') <> (NEW.status = 'active')
BEGIN UPDATE entity_counts SET active = active + (CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END) WHERE entity = 'line_items' AND shard = 0; END;

INSERT INTO entity_counts (entity, shard, active) SELECT 'results', 0, count(*) FROM results WHERE status = 'active';
CREATE TRIGGER results_count_ins AFTER INSERT ON results WHEN NEW.status = 'active'
BEGIN UPDATE entity_counts SET active = active + 1 WHERE entity = 'results' AND shard = 0; END;
CREATE TRIGGER results_count_del AFTER DELETE ON results WHEN OLD.status = 'active'
BEGIN UPDATE entity_counts SET active = active - 1 WHERE entity = 'results' AND shard = 0; END;
CREATE TRIGGER results_count_upd AFTER UPDATE OF status ON results WHEN (OLD.status = 'active') <> (NEW.status = 'active')
BEGIN UPDATE entity_counts SET active = active + (CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END) WHERE entity = 'results' AND shard = 0; END;

INSERT INTO entity_counts (entity, shard, active) SELECT 'assessment_line_items', 0, count(*) FROM assessment_line_items WHERE status = 'active';
CREATE TRIGGER assessment_line_items_count_ins AFTER INSERT ON assessment_line_items WHEN NEW.status = 'active'
BEGIN UPDATE entity_counts SET active = active + 1 WHERE entity = 'assessment_line_items' AND shard = 0; END;
CREATE TRIGGER assessment_line_items_count_del AFTER DELETE ON assessment_line_items WHEN OLD.status = 'active'
BEGIN UPDATE entity_counts SET active = active - 1 WHERE entity = 'assessment_line_items' AND shard = 0; END;
CREATE TRIGGER assessment_line_items_count_upd AFTER UPDATE OF status ON assessment_line_items WHEN (OLD.status = 'active') <> (NEW.status = 'active')
BEGIN UPDATE entity_counts SET active = active + (CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END) WHERE entity = 'assessment_line_items' AND shard = 0; END;

INSERT INTO entity_counts (entity, shard, active) SELECT 'assessment_results', 0, count(*) FROM assessment_results WHERE status = 'active';
CREATE TRIGGER assessment_results_count_ins AFTER INSERT ON assessment_results WHEN NEW.status = 'active'
BEGIN UPDATE entity_counts SET active = active + 1 WHERE entity = 'assessment_results' AND shard = 0; END;
CREATE TRIGGER assessment_results_count_del AFTER DELETE ON assessment_results WHEN OLD.status = 'active'
BEGIN UPDATE entity_counts SET active = active - 1 WHERE entity = 'assessment_results' AND shard = 0; END;
CREATE TRIGGER assessment_results_count_upd AFTER UPDATE OF status ON assessment_results WHEN (OLD.status = 'active') <> (NEW.status = 'active')
BEGIN UPDATE entity_counts SET active = active + (CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END) WHERE entity = 'assessment_results' AND shard = 0; END;
