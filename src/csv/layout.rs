//! The staging table of each file: which columns it has, in which order, and where each
//! value comes from. The parser writes rows in this order; the DDL, the checks and the merges
//! read the same description.

use crate::model::catalogue::{Entity, Field, Kind, Ty};

use super::schema::{CTy, FileSpec, GRADING_PERIOD_COLUMN, Target, To};

/// SQL type of a staging column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlTy {
    Text,
    BigInt,
    Double,
    Int,
}

/// Where an entity field's staged value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A column of the file (index in the file's header).
    Csv(usize),
    /// The `metadata.*` extension columns.
    Metadata,
    /// The `metadata.gradingPeriodSourcedId` extension column of lineItems.csv.
    GradingPeriod,
    /// Filled by a link file (or kept from the store): staged as NULL.
    Link,
}

/// One stored field of an entity, as staged.
#[derive(Debug)]
pub struct StagedField {
    pub field: &'static Field,
    pub source: Source,
}

impl StagedField {
    pub fn column(&self) -> &'static str {
        self.field.column
    }

    pub fn sql_ty(&self) -> SqlTy {
        match self.field.ty {
            Ty::DateTime => SqlTy::BigInt,
            Ty::Float => SqlTy::Double,
            _ => SqlTy::Text,
        }
    }
}

/// The staged fields of an entity file: every stored field but `status` and
/// `dateLastModified`, in the entity's order.
pub fn entity_fields(spec: &FileSpec, entity: &'static Entity) -> Vec<StagedField> {
    entity
        .stored_fields()
        .filter(|f| f.name != "status" && f.name != "dateLastModified")
        .map(|field| {
            let source = if let Some(i) = spec
                .columns
                .iter()
                .position(|c| c.to == To::Field(field.name))
            {
                Source::Csv(i)
            } else if field.name == "metadata" {
                Source::Metadata
            } else if entity.kind == Kind::LineItem && field.name == "gradingPeriod" {
                Source::GradingPeriod
            } else {
                Source::Link
            };
            StagedField { field, source }
        })
        .collect()
}

/// The leading bookkeeping columns of every staging table.
pub const HEAD: [(&str, SqlTy); 3] = [
    ("line", SqlTy::BigInt),
    ("st", SqlTy::Text),
    ("full_row", SqlTy::Int),
];

/// The fixed columns of a link staging table after [`HEAD`].
pub const LINK_COLUMNS: [&str; 6] = ["sourced_id", "owner_id", "link_key", "repl", "elem", "grp"];

/// A reference column of a link file checked against the store (staged for the check).
#[derive(Debug)]
pub struct CheckCol {
    /// Index in the file's header.
    pub csv: usize,
    /// Staging column name.
    pub name: String,
    pub ty: CTy,
}

/// The reference columns of a link file (other than the owner), staged to be checked.
pub fn link_checks(spec: &FileSpec) -> Vec<CheckCol> {
    spec.columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.to != To::Owner && matches!(c.ty, CTy::Ref(_) | CTy::Profile))
        .map(|(i, c)| CheckCol {
            csv: i,
            name: format!("ck_{}", c.name.to_ascii_lowercase()),
            ty: c.ty,
        })
        .collect()
}

/// The name of a file's staging table.
pub fn stage_table(spec: &FileSpec) -> String {
    format!("csv_stage_{}", spec.name.to_ascii_lowercase())
}

/// The name of the table of computed list values of a link file.
pub fn value_table(spec: &FileSpec) -> String {
    format!("csv_value_{}", spec.name.to_ascii_lowercase())
}

/// The columns of a file's staging table, in the order rows are written.
pub fn stage_columns(spec: &FileSpec) -> Vec<(String, SqlTy)> {
    let mut cols: Vec<(String, SqlTy)> = HEAD.iter().map(|(n, t)| (n.to_string(), *t)).collect();
    match &spec.target {
        Target::Entity(entity) => {
            for f in entity_fields(spec, entity) {
                cols.push((f.column().to_string(), f.sql_ty()));
            }
        }
        Target::Link(_) => {
            for name in LINK_COLUMNS {
                let ty = if name == "repl" {
                    SqlTy::Int
                } else {
                    SqlTy::Text
                };
                cols.push((name.to_string(), ty));
            }
            for ck in link_checks(spec) {
                cols.push((ck.name, SqlTy::Text));
            }
        }
    }
    cols
}

/// Whether `name` is an acceptable extension column of `spec`.
pub fn extension_key(name: &str) -> Option<&str> {
    name.strip_prefix("metadata.").filter(|k| !k.is_empty())
}

/// Whether the extension column `name` is the grading period column of lineItems.csv.
pub fn is_grading_period(spec: &FileSpec, name: &str) -> bool {
    spec.name == "lineItems" && name == GRADING_PERIOD_COLUMN
}

#[cfg(test)]
mod tests {
    use super::super::schema::FILES;
    use super::*;

    #[test]
    fn every_stored_field_has_a_source() {
        for spec in &FILES {
            if let Target::Entity(entity) = &spec.target {
                for f in entity_fields(spec, entity) {
                    if f.source == Source::Link {
                        assert!(
                            super::super::schema::link_files(entity.kind).any(|l| l
                                .link()
                                .unwrap()
                                .field
                                == f.field.name),
                            "{}.{} has no source",
                            spec.name,
                            f.field.name
                        );
                    }
                }
            }
        }
    }
}
