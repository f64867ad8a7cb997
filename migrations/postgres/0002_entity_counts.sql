-- Exact counts of active records per table, maintained in the same transaction as the rows,
-- so that unfiltered collection pages get X-Total-Count without counting millions of rows.
-- Counts are spread over shards chosen by backend process, so concurrent writers do not
-- queue on one counter row; the count is the sum over shards.
CREATE TABLE entity_counts (
    entity TEXT COLLATE "C" NOT NULL,
    shard INTEGER NOT NULL,
    active BIGINT NOT NULL,
    PRIMARY KEY (entity, shard)
);

CREATE FUNCTION entity_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta BIGINT := 0;
BEGIN
    IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' THEN
        SELECT delta + count(*) INTO delta FROM new_rows WHERE status = 'active';
    END IF;
    IF TG_OP = 'DELETE' OR TG_OP = 'UPDATE' THEN
        SELECT delta - count(*) INTO delta FROM old_rows WHERE status = 'active';
    END IF;
    IF delta <> 0 THEN
        INSERT INTO entity_counts (entity, shard, active)
        VALUES (TG_TABLE_NAME, pg_backend_pid() % 16, delta)
        ON CONFLICT (entity, shard) DO UPDATE SET active = entity_counts.active + EXCLUDED.active;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER orgs_count_ins AFTER INSERT ON orgs REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER orgs_count_upd AFTER UPDATE ON orgs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER orgs_count_del AFTER DELETE ON orgs REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
INSERT INTO entity_counts (entity, shard, active) SELECT 'orgs', 0, count(*) FROM orgs WHERE status = 'active';

CREATE TRIGGER academic_sessions_count_ins AFTER INSERT ON academic_sessions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER academic_sessions_count_upd AFTER UPDATE ON academic_sessions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER academic_sessions_count_del AFTER DELETE ON academic_sessions REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
INSERT INTO entity_counts (entity, shard, active) SELECT 'academic_sessions', 0, count(*) FROM academic_sessions WHERE status = 'active';

CREATE TRIGGER resources_count_ins AFTER INSERT ON resources REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER resources_count_upd AFTER UPDATE ON resources REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER resources_count_del AFTER DELETE ON resources REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
INSERT INTO entity_counts (entity, shard, active) SELECT 'resources', 0, count(*) FROM resources WHERE status = 'active';

CREATE TRIGGER courses_count_ins AFTER INSERT ON courses REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER courses_count_upd AFTER UPDATE ON courses REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER courses_count_del AFTER DELETE ON courses REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
INSERT INTO entity_counts (entity, shard, active) SELECT 'courses', 0, count(*) FROM courses WHERE status = 'active';

CREATE TRIGGER classes_count_ins AFTER INSERT ON classes REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER classes_count_upd AFTER UPDATE ON classes REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER classes_count_del AFTER DELETE ON classes REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
INSERT INTO entity_counts (entity, shard, active) SELECT 'classes', 0, count(*) FROM classes WHERE status = 'active';

CREATE TRIGGER users_count_ins AFTER INSERT ON users REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER users_count_upd AFTER UPDATE ON users REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER users_count_del AFTER DELETE ON users REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
INSERT INTO entity_counts (entity, shard, active) SELECT 'users', 0, count(*) FROM users WHERE status = 'active';

CREATE TRIGGER enrollments_count_ins AFTER INSERT ON enrollments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER enrollments_count_upd AFTER UPDATE ON enrollments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER enrollments_count_del AFTER DELETE ON enrollments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
INSERT INTO entity_counts (entity, shard, active) SELECT 'enrollments', 0, count(*) FROM enrollments WHERE status = 'active';

CREATE TRIGGER demographics_count_ins AFTER INSERT ON demographics REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER demographics_count_upd AFTER UPDATE ON demographics REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER demographics_count_del AFTER DELETE ON demographics REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
INSERT INTO entity_counts (entity, shard, active) SELECT 'demographics', 0, count(*) FROM demographics WHERE status = 'active';

CREATE TRIGGER categories_count_ins AFTER INSERT ON categories REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER categories_count_upd AFTER UPDATE ON categories REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER categories_count_del AFTER DELETE ON categories REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
INSERT INTO entity_counts (entity, shard, active) SELECT 'categories', 0, count(*) FROM categories WHERE status = 'active';

CREATE TRIGGER score_scales_count_ins AFTER INSERT ON score_scales REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER score_scales_count_upd AFTER UPDATE ON score_scales REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER score_scales_count_del AFTER DELETE ON score_scales REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
INSERT INTO entity_counts (entity, shard, active) SELECT 'score_scales', 0, count(*) FROM score_scales WHERE status = 'active';

CREATE TRIGGER line_items_count_ins AFTER INSERT ON line_items REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER line_items_count_upd AFTER UPDATE ON line_items REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER line_items_count_del AFTER DELETE ON line_items REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
INSERT INTO entity_counts (entity, shard, active) SELECT 'line_items', 0, count(*) FROM line_items WHERE status = 'active';

CREATE TRIGGER results_count_ins AFTER INSERT ON results REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER results_count_upd AFTER UPDATE ON results REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER results_count_del AFTER DELETE ON results REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
INSERT INTO entity_counts (entity, shard, active) SELECT 'results', 0, count(*) FROM results WHERE status = 'active';

CREATE TRIGGER assessment_line_items_count_ins AFTER INSERT ON assessment_line_items REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER assessment_line_items_count_upd AFTER UPDATE ON assessment_line_items REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER assessment_line_items_count_del AFTER DELETE ON assessment_line_items REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
INSERT INTO entity_counts (entity, shard, active) SELECT 'assessment_line_items', 0, count(*) FROM assessment_line_items WHERE status = 'active';

CREATE TRIGGER assessment_results_count_ins AFTER INSERT ON assessment_results REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER assessment_results_count_upd AFTER UPDATE ON assessment_results REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
CREATE TRIGGER assessment_results_count_del AFTER DELETE ON assessment_results REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entity_counts_apply();
INSERT INTO entity_counts (entity, shard, active) SELECT 'assessment_results', 0, count(*) FROM assessment_results WHERE status = 'active';
