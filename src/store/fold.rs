//! `or_fold(text)`: Unicode lower-casing for SQLite, registered on every SQLite connection.
//!
//! SQLite's own `lower()` folds only ASCII letters, so `givenName~'émile'` would not find
//! `ÉMILE`. The `~` filter folds both sides with this function instead (PostgreSQL folds
//! both with `lower(… COLLATE "default")`, see [`super::Dialect::fold`]).

use std::borrow::Cow;
use std::ffi::{c_char, c_int};

use libsqlite3_sys as ffi;
use sqlx::sqlite::SqliteConnection;

/// The function's SQL name.
pub const NAME: &str = "or_fold";

/// Registers [`NAME`] on one connection (a pool's `after_connect`).
pub async fn register(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is the open connection the lock holds for the call; the name is a
    // NUL-terminated constant; `fold` matches the scalar callback signature and reads only
    // the one argument it is registered with; no user data pointer or destructor is passed.
    let rc = unsafe {
        ffi::sqlite3_create_function_v2(
            db,
            c"or_fold".as_ptr(),
            1,
            ffi::SQLITE_UTF8 | ffi::SQLITE_DETERMINISTIC | ffi::SQLITE_INNOCUOUS,
            std::ptr::null_mut(),
            Some(fold),
            None,
            None,
            None,
        )
    };
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(sqlx::Error::Protocol(format!(
            "cannot register the SQLite function {NAME} (code {rc})"
        )))
    }
}

/// The lower-case form of a text (`NULL` stays `NULL`). Invalid UTF-8, which SQLite can
/// hold, is folded lossily rather than failing the statement.
pub fn lower(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) if s.is_ascii() => {
            if s.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(s.to_ascii_lowercase())
            } else {
                Cow::Borrowed(s)
            }
        }
        Ok(s) => Cow::Owned(lower_chars(s)),
        Err(_) => Cow::Owned(lower_chars(&String::from_utf8_lossy(bytes))),
    }
}

/// Character by character, as PostgreSQL's `lower()` does (no final-sigma rule: a needle's
/// `Σ` must fold as the same letter inside the text does), and one letter for one letter:
/// `İ` (U+0130), the one letter whose full lower case is two characters (`i̇`), folds to `i`
/// as the C library's `towlower` folds it.
fn lower_chars(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\u{130}' {
            out.push('i');
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The scalar callback of [`NAME`].
unsafe extern "C" fn fold(
    ctx: *mut ffi::sqlite3_context,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY (whole body): SQLite passes `argc` (registered as 1) valid values in `argv`;
    // `sqlite3_value_text` returns a buffer of `sqlite3_value_bytes` bytes that stays valid
    // until the value is next converted, which happens only after this call returns; the
    // result is copied by SQLite (`SQLITE_TRANSIENT`) before `folded` is dropped.
    unsafe {
        if argc != 1 {
            ffi::sqlite3_result_null(ctx);
            return;
        }
        let value = *argv;
        if ffi::sqlite3_value_type(value) == ffi::SQLITE_NULL {
            ffi::sqlite3_result_null(ctx);
            return;
        }
        let text = ffi::sqlite3_value_text(value);
        let len = ffi::sqlite3_value_bytes(value);
        let bytes: &[u8] = if len <= 0 {
            &[]
        } else if text.is_null() {
            ffi::sqlite3_result_error_nomem(ctx);
            return;
        } else {
            std::slice::from_raw_parts(text.cast::<u8>(), len as usize)
        };
        let folded = lower(bytes);
        ffi::sqlite3_result_text64(
            ctx,
            folded.as_ptr().cast::<c_char>(),
            folded.len() as u64,
            ffi::SQLITE_TRANSIENT(),
            ffi::SQLITE_UTF8 as u8,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::lower;

    #[test]
    fn folds_every_letter_and_keeps_the_rest() {
        assert_eq!(lower(b"MIXED case 42"), "mixed case 42");
        assert_eq!(lower("ÉMILE Öztürk ΣΑΣ".as_bytes()), "émile öztürk σασ");
        assert_eq!(lower("İstanbul".as_bytes()), "istanbul");
        assert_eq!(lower(b"already lower"), "already lower");
        assert_eq!(lower(b"\xffAB"), "\u{fffd}ab");
    }
}
