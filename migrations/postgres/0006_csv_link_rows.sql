-- Identities of the rows of the CSV link files (roles.csv, userProfiles.csv, the *Resources,
-- *ScoreScales and *LearningObjectiveIds files). The REST model keeps their content inside
-- the owner's lists (a user's roles, a class's resources, ...) where rows have no sourcedId;
-- this table remembers which element each row's sourcedId stood for, so that a later delta
-- row with the same sourcedId replaces or deletes that element, and so that exports keep the
-- ids. Tombstones (status 'tobedeleted') tell delta exports which elements went away.
CREATE TABLE csv_link_rows (
    file TEXT COLLATE "C" NOT NULL,
    sourced_id TEXT COLLATE "C" NOT NULL,
    owner_id TEXT COLLATE "C" NOT NULL,
    link_key TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    date_last_modified BIGINT NOT NULL,
    PRIMARY KEY (file, sourced_id)
);
CREATE INDEX csv_link_rows_owner_idx ON csv_link_rows (file, owner_id, link_key);
CREATE INDEX csv_link_rows_dlm_idx ON csv_link_rows (file, date_last_modified);
