//! OAuth 2.0 clients. Secrets are stored only as argon2id hashes.

use std::sync::OnceLock;

use anyhow::Context;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::scope::ScopeSet;
use crate::model::datetime::now_ms;
use crate::store::{Sql, Store};

/// A registered client, without its secret.
#[derive(Clone, Debug)]
pub struct Client {
    pub client_id: String,
    pub name: String,
    pub scopes: ScopeSet,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

fn random_token(bytes: usize) -> anyhow::Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// An argon2id hash (PHC string) with a random salt and the recommended parameters.
fn hash_secret(secret: &str) -> anyhow::Result<String> {
    Ok(Argon2::default()
        .hash_password(secret.as_bytes())
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?
        .to_string())
}

fn verify_secret(secret: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(secret.as_bytes(), hash)
        .is_ok()
}

/// A hash of nothing in particular, verified against when the client is unknown so that an
/// unknown client and a wrong secret cost the same time.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        hash_secret("decoy secret that no client has").unwrap_or_else(|_| {
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$kVYuBCT/7wA8vw4hNNLlQ5n+ep58/1ODEGZ2uEdn3Xo".into()
        })
    })
}

/// Registers a client; returns it with its secret (shown once, never stored in clear).
pub async fn create(
    store: &Store,
    name: &str,
    scopes: ScopeSet,
    client_id: Option<&str>,
    secret: Option<&str>,
) -> anyhow::Result<(Client, String)> {
    let client_id = match client_id {
        Some(id) => id.to_string(),
        // Hex: safe in URLs, forms, shells and command lines (never starts with '-').
        None => {
            let mut b = [0u8; 12];
            getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            b.iter().map(|x| format!("{x:02x}")).collect()
        }
    };
    if client_id.is_empty() || client_id.contains(':') || client_id.chars().any(char::is_control) {
        anyhow::bail!("a client id must be non-empty, without ':' or control characters");
    }
    let secret = match secret {
        Some(s) => s.to_string(),
        None => random_token(32)?,
    };
    let hash = {
        let secret = secret.clone();
        tokio::task::spawn_blocking(move || hash_secret(&secret)).await??
    };
    let now = now_ms();
    let mut sql = Sql::new(
        "INSERT INTO oauth_clients (client_id, name, secret_hash, scopes, created_at) VALUES (",
    );
    sql.bind(client_id.as_str())
        .push(", ")
        .bind(name)
        .push(", ")
        .bind(hash)
        .push(", ")
        .bind(scopes.to_uris())
        .push(", ")
        .bind(now)
        .push(")");
    store.execute(&sql).await.with_context(|| {
        format!("cannot register client '{client_id}' (does it exist already?)")
    })?;
    Ok((
        Client {
            client_id,
            name: name.to_string(),
            scopes,
            created_at: now,
            revoked_at: None,
        },
        secret,
    ))
}

/// Every registered client.
pub async fn list(store: &Store) -> anyhow::Result<Vec<Client>> {
    let sql = Sql::new(
        "SELECT client_id, name, scopes, created_at, revoked_at FROM oauth_clients ORDER BY created_at, client_id",
    );
    store
        .fetch_map(&sql, |row| {
            Ok(Client {
                client_id: row.text(0)?.unwrap_or_default().to_string(),
                name: row.text(1)?.unwrap_or_default().to_string(),
                scopes: ScopeSet::parse_lenient(row.text(2)?.unwrap_or_default()).0,
                created_at: row.int(3)?.unwrap_or_default(),
                revoked_at: row.int(4)?,
            })
        })
        .await
}

/// Revokes a client: it can no longer obtain tokens. Returns whether it was active.
pub async fn revoke(store: &Store, client_id: &str) -> anyhow::Result<bool> {
    let mut sql = Sql::new("UPDATE oauth_clients SET revoked_at = ");
    sql.bind(now_ms())
        .push(" WHERE client_id = ")
        .bind(client_id)
        .push(" AND revoked_at IS NULL");
    Ok(store.execute(&sql).await? > 0)
}

/// Checks a client's credentials. Each candidate secret is tried (for Basic credentials,
/// the form-decoded and the raw reading). Unknown clients cost the same as wrong secrets.
pub async fn authenticate(
    store: &Store,
    client_id: &str,
    candidates: Vec<String>,
) -> anyhow::Result<Option<ScopeSet>> {
    let mut sql = Sql::new(
        "SELECT secret_hash, scopes FROM oauth_clients WHERE revoked_at IS NULL AND client_id = ",
    );
    sql.bind(client_id);
    let found = store
        .fetch_map(&sql, |row| {
            Ok((
                row.text(0)?.unwrap_or_default().to_string(),
                row.text(1)?.unwrap_or_default().to_string(),
            ))
        })
        .await?
        .into_iter()
        .next();
    let (hash, scopes, known) = match found {
        Some((h, s)) => (h, s, true),
        None => (decoy_hash().to_string(), String::new(), false),
    };
    let ok = tokio::task::spawn_blocking(move || {
        // Every candidate is checked even after a match, to keep the timing uniform.
        candidates
            .iter()
            .fold(false, |ok, c| verify_secret(c, &hash) | ok)
    })
    .await?;
    Ok((ok && known).then(|| ScopeSet::parse_lenient(&scopes).0))
}
