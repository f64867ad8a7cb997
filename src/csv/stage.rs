//! Staging tables: one temporary table per file of the package, loaded with `COPY` on
//! PostgreSQL and multi-row `INSERT`s on SQLite, inside the import transaction.

use tokio::sync::mpsc;

use crate::model::catalogue::Kind;
use crate::store::{Dialect, Sql, Tx};

use super::db;
use super::layout::{self, SqlTy};
use super::package::Mode;
use super::parse::{Chunk, Msg};
use super::schema::{FILES, FileSpec, Target};

/// The files of the package and their modes.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// (index into [`FILES`], mode), in reading order.
    pub files: Vec<(usize, Mode)>,
}

impl Plan {
    pub fn mode(&self, spec: &FileSpec) -> Option<Mode> {
        self.files
            .iter()
            .find(|(i, _)| FILES[*i].name == spec.name)
            .map(|(_, m)| *m)
    }

    /// The mode of the entity file of `kind`, if the package has it.
    pub fn entity_mode(&self, kind: Kind) -> Option<Mode> {
        self.files
            .iter()
            .find(|(i, _)| FILES[*i].entity().is_some_and(|e| e.kind == kind))
            .map(|(_, m)| *m)
    }

    pub fn specs(&self) -> impl Iterator<Item = (&'static FileSpec, Mode)> + '_ {
        self.files.iter().map(|(i, m)| (&FILES[*i], *m))
    }
}

fn sql_type(d: Dialect, ty: SqlTy) -> &'static str {
    match ty {
        SqlTy::Text => db::text_type(d),
        SqlTy::BigInt => "BIGINT",
        SqlTy::Double => "DOUBLE PRECISION",
        SqlTy::Int => "INTEGER",
    }
}

/// Creates the staging table of a file.
async fn create(tx: &mut Tx, spec: &FileSpec) -> anyhow::Result<()> {
    let d = db::dialect(tx);
    if d == Dialect::Sqlite {
        // SQLite keeps temporary tables with the pooled connection: never trust that an
        // earlier import left none behind.
        for table in [layout::stage_table(spec), layout::value_table(spec)] {
            tx.execute(&Sql::new(&format!("DROP TABLE IF EXISTS temp.{table}")))
                .await?;
        }
    }
    let mut cols: Vec<String> = layout::stage_columns(spec)
        .into_iter()
        .map(|(name, ty)| format!("{name} {}", sql_type(d, ty)))
        .collect();
    if matches!(spec.target, Target::Link(_)) {
        cols.push("keep INTEGER NOT NULL DEFAULT 0".into());
    }
    tx.execute(&db::create_temp(
        d,
        &layout::stage_table(spec),
        &cols.join(", "),
    ))
    .await?;
    Ok(())
}

/// Indexes a loaded staging table and gives PostgreSQL's planner its statistics (temporary
/// tables are never analysed automatically).
async fn finish(tx: &mut Tx, spec: &FileSpec) -> anyhow::Result<()> {
    let table = layout::stage_table(spec);
    let mut indexes = vec![("sourced_id", "sourced_id")];
    if matches!(spec.target, Target::Link(_)) {
        indexes.push(("owner", "owner_id, link_key"));
    }
    for (suffix, cols) in indexes {
        let mut sql = Sql::new("CREATE INDEX ");
        sql.push(&format!("{table}_{suffix}_idx ON {table} ({cols})"));
        tx.execute(&sql).await?;
    }
    if db::dialect(tx) == Dialect::Postgres {
        // A small sample is enough to plan the import's joins over a staging table (its
        // rows are counted exactly either way); the default one costs a random read of most
        // of its pages.
        tx.execute(&Sql::new("SET LOCAL default_statistics_target = 10"))
            .await?;
        tx.execute(&Sql::new(&format!("ANALYZE {table}"))).await?;
        tx.execute(&Sql::new("SET LOCAL default_statistics_target TO DEFAULT"))
            .await?;
    }
    Ok(())
}

async fn insert_rows(
    tx: &mut Tx,
    spec: &FileSpec,
    values: Vec<crate::store::Arg>,
    rows: usize,
) -> anyhow::Result<()> {
    let cols = layout::stage_columns(spec);
    let per_row = cols.len();
    let mut sql = Sql::new("INSERT INTO ");
    sql.push(&layout::stage_table(spec)).push(" (");
    sql.join(cols.iter(), ", ", |s, (name, _)| {
        s.push(name);
    });
    sql.push(") VALUES ");
    let mut it = values.into_iter();
    for r in 0..rows {
        if r > 0 {
            sql.push(", ");
        }
        sql.push("(");
        for c in 0..per_row {
            if c > 0 {
                sql.push(", ");
            }
            sql.bind(it.next().unwrap_or(crate::store::Arg::Text(None)));
        }
        sql.push(")");
    }
    tx.execute(&sql).await?;
    Ok(())
}

fn copy_statement(spec: &FileSpec) -> String {
    let cols: Vec<String> = layout::stage_columns(spec)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    format!(
        "COPY {} ({}) FROM STDIN",
        layout::stage_table(spec),
        cols.join(", ")
    )
}

/// Creates the staging tables of the files of the package.
pub async fn create_all(tx: &mut Tx, plan: &Plan) -> anyhow::Result<()> {
    for (spec, _) in plan.specs() {
        create(tx, spec).await?;
    }
    Ok(())
}

/// Drops the temporary tables of an import before it commits. PostgreSQL drops them at
/// commit by itself; SQLite keeps them as long as the pooled connection lives.
pub async fn drop_all(tx: &mut Tx, plan: &Plan) -> anyhow::Result<()> {
    if db::dialect(tx) != Dialect::Sqlite {
        return Ok(());
    }
    for (spec, _) in plan.specs() {
        tx.execute(&Sql::new(&format!(
            "DROP TABLE temp.{}",
            layout::stage_table(spec)
        )))
        .await?;
        if spec.link().is_some() {
            tx.execute(&Sql::new(&format!(
                "DROP TABLE temp.{}",
                layout::value_table(spec)
            )))
            .await?;
        }
    }
    Ok(())
}

/// Loads what the parser sends until it is done.
pub async fn load(tx: &mut Tx, rx: &mut mpsc::Receiver<Msg>) -> anyhow::Result<()> {
    while let Some(msg) = rx.recv().await {
        match msg {
            Msg::Plan(_) => anyhow::bail!("a second plan"),
            Msg::FileDone(i) => finish(tx, &FILES[i]).await?,
            Msg::Rows(i, Chunk::Binds { values, rows }) => {
                insert_rows(tx, &FILES[i], values, rows).await?
            }
            Msg::Rows(i, Chunk::Copy(bytes)) => {
                let Tx::Postgres(conn) = tx else {
                    anyhow::bail!("COPY data for a SQLite store");
                };
                // One COPY per file, fed until the parser says the file is done.
                let mut copy = conn.copy_in_raw(&copy_statement(&FILES[i])).await?;
                copy.send(bytes).await?;
                let mut done = None;
                let mut ended = false;
                loop {
                    match rx.recv().await {
                        Some(Msg::Rows(j, Chunk::Copy(b))) if j == i => {
                            copy.send(b).await?;
                        }
                        Some(Msg::FileDone(j)) => {
                            done = Some(j);
                            break;
                        }
                        Some(_) => anyhow::bail!("unexpected message during COPY"),
                        None => {
                            ended = true;
                            break;
                        }
                    }
                }
                if ended {
                    // The parser stopped (the package is refused): the transaction is
                    // rolled back, the partial COPY with it.
                    let _ = copy.abort("package refused").await;
                    return Ok(());
                }
                copy.finish().await?;
                if let Some(j) = done {
                    finish(tx, &FILES[j]).await?;
                }
            }
        }
    }
    Ok(())
}
