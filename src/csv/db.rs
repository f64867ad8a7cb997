//! Running statements inside the import transaction, and the few SQL spellings that differ
//! between the backends for the CSV work (string aggregation, null-safe comparison, temporary
//! tables).

use futures_util::TryStreamExt;
use sqlx::Row;

use crate::model::render::RowAccess;
use crate::store::{Dialect, Sql, Tx};

use crate::store::builder;

/// Runs a query in the transaction and maps each row.
pub async fn fetch<T>(
    tx: &mut Tx,
    sql: &Sql,
    mut f: impl FnMut(&dyn RowAccess) -> anyhow::Result<T>,
) -> anyhow::Result<Vec<T>> {
    let mut out = Vec::new();
    match tx {
        Tx::Postgres(conn) => {
            let mut qb = builder::<sqlx::Postgres>(sql);
            let mut rows = qb.build().fetch(&mut **conn);
            while let Some(row) = rows.try_next().await? {
                out.push(f(&row)?);
            }
        }
        Tx::Sqlite(conn, _) => {
            let mut qb = builder::<sqlx::Sqlite>(sql);
            let mut rows = qb.build().fetch(&mut **conn);
            while let Some(row) = rows.try_next().await? {
                out.push(f(&row)?);
            }
        }
    }
    Ok(out)
}

/// Runs a query in the transaction, handing each row to `f` as it arrives (memory stays flat
/// whatever the size of the result).
pub async fn for_each(
    tx: &mut Tx,
    sql: &Sql,
    mut f: impl FnMut(&dyn RowAccess) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    match tx {
        Tx::Postgres(conn) => {
            let mut qb = builder::<sqlx::Postgres>(sql);
            let mut rows = qb.build().fetch(&mut **conn);
            while let Some(row) = rows.try_next().await? {
                f(&row)?;
            }
        }
        Tx::Sqlite(conn, _) => {
            let mut qb = builder::<sqlx::Sqlite>(sql);
            let mut rows = qb.build().fetch(&mut **conn);
            while let Some(row) = rows.try_next().await? {
                f(&row)?;
            }
        }
    }
    Ok(())
}

/// Runs a query returning one integer.
pub async fn fetch_i64(tx: &mut Tx, sql: &Sql) -> anyhow::Result<i64> {
    Ok(match tx {
        Tx::Postgres(conn) => {
            let mut qb = builder::<sqlx::Postgres>(sql);
            let row = qb.build().fetch_one(&mut **conn).await?;
            row.try_get::<Option<i64>, _>(0)?.unwrap_or(0)
        }
        Tx::Sqlite(conn, _) => {
            let mut qb = builder::<sqlx::Sqlite>(sql);
            let row = qb.build().fetch_one(&mut **conn).await?;
            row.try_get::<Option<i64>, _>(0)?.unwrap_or(0)
        }
    })
}

/// The dialect of a transaction.
pub fn dialect(tx: &Tx) -> Dialect {
    match tx {
        Tx::Postgres(_) => Dialect::Postgres,
        Tx::Sqlite(..) => Dialect::Sqlite,
    }
}

/// `a` and `b` differ, NULLs included.
pub fn differs(d: Dialect, a: &str, b: &str) -> String {
    match d {
        Dialect::Postgres => format!("{a} IS DISTINCT FROM {b}"),
        Dialect::Sqlite => format!("{a} IS NOT {b}"),
    }
}

/// The concatenation of `expr` over a group, separated by commas, in `order`.
pub fn string_agg(d: Dialect, expr: &str, order: &str) -> String {
    match d {
        Dialect::Postgres => format!("string_agg({expr}, ',' ORDER BY {order})"),
        Dialect::Sqlite => format!("group_concat({expr}, ',' ORDER BY {order})"),
    }
}

/// The concatenation of `expr` over a group, separated by the ASCII record separator (which
/// no identifier contains), in no particular order.
pub fn concat_records(d: Dialect, expr: &str) -> String {
    match d {
        Dialect::Postgres => format!("string_agg({expr}, chr(30))"),
        Dialect::Sqlite => format!("group_concat({expr}, char(30))"),
    }
}

/// The ASCII unit separator as a SQL expression.
pub fn unit_sep(d: Dialect) -> &'static str {
    match d {
        Dialect::Postgres => "chr(31)",
        Dialect::Sqlite => "char(31)",
    }
}

/// The text type with the binary ordering the store uses.
pub fn text_type(d: Dialect) -> &'static str {
    match d {
        Dialect::Postgres => "TEXT COLLATE \"C\"",
        Dialect::Sqlite => "TEXT",
    }
}

/// `CREATE TEMP TABLE name (` with the backend's lifetime clause to follow the columns.
pub fn create_temp(d: Dialect, name: &str, columns: &str) -> Sql {
    let mut sql = Sql::new("CREATE TEMP TABLE ");
    sql.push(name).push(" (").push(columns).push(")");
    if d == Dialect::Postgres {
        sql.push(" ON COMMIT DROP");
    }
    sql
}

/// Fewest incoming rows for which rebuilding a table's indexes beats maintaining them (the
/// default of [`super::ImportOptions::bulk_load_rows`]).
pub const BULK_LOAD_ROWS: i64 = 20_000;

/// Prepares `table` for `incoming` new rows. When they are many (at least `bulk_rows`,
/// normally [`BULK_LOAD_ROWS`], and at least half the rows already there), the table's secondary
/// indexes are dropped — inside the import transaction, so no other session ever sees the
/// table without them — and the statements to rebuild them are returned: building an index
/// once is several times faster than updating it row by row. Returns nothing otherwise.
pub async fn drop_indexes_for_load(
    tx: &mut Tx,
    table: &str,
    incoming: i64,
    bulk_rows: i64,
) -> anyhow::Result<Vec<String>> {
    if incoming < bulk_rows.max(1) {
        return Ok(Vec::new());
    }
    let d = dialect(tx);
    let (existing, list) = match d {
        Dialect::Postgres => (
            {
                let mut sql = Sql::new(
                    "SELECT CAST(GREATEST(reltuples, 0) AS BIGINT) FROM pg_class WHERE oid = to_regclass(",
                );
                sql.bind(table).push(")");
                sql
            },
            {
                let mut sql = Sql::new(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() \
                     AND i.tablename = ",
                );
                sql.bind(table).push(
                    " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname \
                     AND c.conrelid = to_regclass(i.tablename))",
                );
                sql
            },
        ),
        Dialect::Sqlite => (Sql::new(&format!("SELECT count(*) FROM {table}")), {
            let mut sql = Sql::new(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name = ",
            );
            sql.bind(table);
            sql
        }),
    };
    let existing = fetch_i64(tx, &existing).await?;
    if incoming * 2 < existing {
        return Ok(Vec::new());
    }
    let indexes = fetch(tx, &list, |r| {
        Ok((
            r.text(0)?.unwrap_or_default().to_string(),
            r.text(1)?.unwrap_or_default().to_string(),
        ))
    })
    .await?;
    let mut rebuild = Vec::new();
    if d == Dialect::Postgres {
        // An empty table that no foreign key references loads without its primary key too
        // (built once after the load instead of entry by entry). The load's statements never
        // rely on it: they insert rows the checks proved unique, and find existing rows by
        // joins, not by conflicts.
        let mut sql = Sql::new(
            "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c \
             WHERE c.contype = 'p' AND c.conrelid = to_regclass(",
        );
        sql.bind(table).push(
            ") AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' \
             AND f.confrelid = c.conrelid)",
        );
        sql.push(&format!(" AND NOT EXISTS (SELECT 1 FROM {table})"));
        rebuild.extend(drop_constraints(tx, table, &sql).await?);
    }
    for (name, definition) in indexes {
        // Names and definitions come from the database's own catalogue.
        tx.execute(&Sql::new(&format!("DROP INDEX {}", quote_ident(&name))))
            .await?;
        rebuild.push(definition);
    }
    if d == Dialect::Postgres {
        // Foreign keys (the side tables' owner references) are checked row by row, each
        // check locking the referenced row; validating the whole table once when the
        // constraint is added back is a single join. Dropping one locks the referenced table
        // exclusively, so only those whose referenced table this transaction already holds
        // so (its indexes were dropped for the same load) are dropped: readers never wait
        // on them longer than they already do.
        let mut sql = Sql::new(
            "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c WHERE c.contype = 'f' \
             AND c.conrelid = to_regclass(",
        );
        sql.bind(table).push(
            ") AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = pg_backend_pid() \
             AND l.locktype = 'relation' AND l.relation = c.confrelid AND l.mode = 'AccessExclusiveLock' \
             AND l.granted) ORDER BY c.conname",
        );
        rebuild.extend(drop_constraints(tx, table, &sql).await?);
    }
    Ok(rebuild)
}

/// Drops the constraints of `table` that `query` selects (name, definition) and returns the
/// statements adding them back.
async fn drop_constraints(tx: &mut Tx, table: &str, query: &Sql) -> anyhow::Result<Vec<String>> {
    let constraints = fetch(tx, query, |r| {
        Ok((
            r.text(0)?.unwrap_or_default().to_string(),
            r.text(1)?.unwrap_or_default().to_string(),
        ))
    })
    .await?;
    let mut add = Vec::new();
    for (name, definition) in constraints {
        // Names and definitions come from the database's own catalogue.
        let name = quote_ident(&name);
        tx.execute(&Sql::new(&format!(
            "ALTER TABLE {table} DROP CONSTRAINT {name}"
        )))
        .await?;
        add.push(format!(
            "ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
        ));
    }
    Ok(add)
}

/// A catalogue name as a quoted SQL identifier.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Rebuilds the indexes (and constraints) [`drop_indexes_for_load`] dropped.
pub async fn rebuild_indexes(tx: &mut Tx, definitions: Vec<String>) -> anyhow::Result<()> {
    for definition in definitions {
        tx.execute(&Sql::new(&definition)).await?;
    }
    Ok(())
}
