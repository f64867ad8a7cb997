//! Problems found in a package, each naming its file, line and column.

use std::fmt;

use serde::Serialize;

/// One problem with a package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CsvError {
    /// The file (`users.csv`), or the package itself when empty.
    pub file: String,
    /// The physical line the row starts on (1 is the header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The column name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub message: String,
}

impl CsvError {
    pub fn package(message: impl Into<String>) -> CsvError {
        CsvError {
            file: String::new(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn file(file: &str, message: impl Into<String>) -> CsvError {
        CsvError {
            file: file.to_string(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn at(file: &str, line: u64, column: Option<&str>, message: impl Into<String>) -> CsvError {
        CsvError {
            file: file.to_string(),
            line: Some(line),
            column: column.map(str::to_string),
            message: message.into(),
        }
    }
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.file.is_empty() {
            f.write_str("package")?;
        } else {
            f.write_str(&self.file)?;
        }
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(col) = &self.column {
            write!(f, " column {col}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The errors of a refused package, up to a cap.
#[derive(Debug, Default)]
pub struct Errors {
    pub list: Vec<CsvError>,
    /// How many were found in all (more than `list.len()` when capped).
    pub total: usize,
    pub cap: usize,
}

impl Errors {
    pub fn new(cap: usize) -> Errors {
        Errors {
            list: Vec::new(),
            total: 0,
            cap: cap.max(1),
        }
    }

    pub fn push(&mut self, e: CsvError) {
        self.total += 1;
        if self.list.len() < self.cap {
            self.list.push(e);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Room left before the cap.
    pub fn room(&self) -> usize {
        self.cap.saturating_sub(self.list.len())
    }

    pub fn full(&self) -> bool {
        self.list.len() >= self.cap
    }
}

/// Why an import did not happen.
#[derive(Debug)]
pub enum ImportError {
    /// The package is invalid (or would delete too much): nothing was written.
    Refused(Errors),
    /// Something went wrong on our side (database, I/O): nothing was written.
    Internal(anyhow::Error),
}

impl ImportError {
    /// A one-line-per-error description.
    pub fn describe(&self) -> String {
        match self {
            ImportError::Refused(errors) => {
                let mut s = format!(
                    "The package was refused and nothing was written: {} error{}",
                    errors.total,
                    if errors.total == 1 { "" } else { "s" }
                );
                if errors.full() {
                    s.push_str(&format!(
                        " (only the first {} are listed; there may be more)",
                        errors.list.len()
                    ));
                }
                s.push(':');
                for e in &errors.list {
                    s.push('\n');
                    s.push_str(&e.to_string());
                }
                s
            }
            ImportError::Internal(e) => format!("The import failed and nothing was written: {e:#}"),
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl std::error::Error for ImportError {}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        ImportError::Internal(e.into())
    }
}

impl From<anyhow::Error> for ImportError {
    fn from(e: anyhow::Error) -> Self {
        ImportError::Internal(e)
    }
}

impl ImportError {
    pub fn refused(e: CsvError) -> ImportError {
        let mut errors = Errors::new(1);
        errors.push(e);
        ImportError::Refused(errors)
    }
}
