//! OAuth 2.0 clients. Secrets are stored only as argon2id hashes.

use std::sync::OnceLock;

use anyhow::Context;
use argon2::{Argon2, PasswordHasher};
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

/// A job for the hashing threads.
type HashJob = Box<dyn FnOnce() + Send>;

/// How many threads compute argon2id hashes: one per core.
fn hashing_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The queue of the threads that compute argon2id hashes. Each computation holds about
/// 19 MiB and a core for tens of milliseconds: run on the runtime's blocking threads, a flood
/// of token requests (up to `--max-concurrent-requests`) held gigabytes at once, and even
/// when fewer ran at a time every new blocking thread kept its own allocator arena with such
/// a block in it. A few threads of their own, started once, hold one block each; requests
/// beyond them wait their turn (within their request timeout).
fn hashing_queue() -> &'static std::sync::mpsc::Sender<HashJob> {
    static QUEUE: OnceLock<std::sync::mpsc::Sender<HashJob>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<HashJob>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..hashing_threads() {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    loop {
                        let job = match rx.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a hashing thread");
            }
        }
        tx
    })
}

/// Runs password hashing work on the hashing threads and waits for its result.
async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    hashing_queue()
        .send(Box::new(move || {
            // A panic is reported to the caller as an error; the thread goes on.
            if let Ok(out) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
                let _ = tx.send(out);
            }
        }))
        .map_err(|_| anyhow::anyhow!("the hashing threads have stopped"))?;
    rx.await
        .map_err(|_| anyhow::anyhow!("password hashing failed"))
}

/// Checks `secret` against an argon2 PHC hash the way `PasswordVerifier::verify_password`
/// does (same parameters, salt and constant-time comparison of the output), but in this
/// thread's own hashing memory, allocated once and reused, instead of a new block of `m` KiB
/// per check: the allocator keeps such freed blocks, one set per arena it spreads them over.
fn verify_secret(secret: &str, hash: &str) -> bool {
    use argon2::password_hash::phc::Output;
    use argon2::{Algorithm, Block, Params, PasswordHash, Version};
    thread_local! {
        static MEMORY: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else {
        return false;
    };
    let Ok(version) = parsed.version.map(Version::try_from).transpose() else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
    let mut out = vec![0u8; expected.as_ref().len()];
    let hashed = MEMORY.with_borrow_mut(|memory| {
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        argon2
            .hash_password_into_with_memory(
                secret.as_bytes(),
                salt.as_ref(),
                &mut out,
                &mut memory[..blocks],
            )
            .is_ok()
    });
    hashed && Output::new(&out).is_ok_and(|computed| &computed == expected)
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
        hashing(move || hash_secret(&secret)).await??
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
        Some((h, s)) => (Some(h), s, true),
        None => (None, String::new(), false),
    };
    let ok = hashing(move || {
        // The decoy is hashed here on first use, not on the runtime's thread.
        let hash = hash.as_deref().unwrap_or_else(|| decoy_hash());
        // Every candidate is checked even after a match, to keep the timing uniform.
        candidates
            .iter()
            .fold(false, |ok, c| verify_secret(c, hash) | ok)
    })
    .await?;
    Ok((ok && known).then(|| ScopeSet::parse_lenient(&scopes).0))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn secrets_are_verified_as_the_library_verifies_them() {
        use argon2::PasswordVerifier;
        let hash = hash_secret("s3cret").unwrap();
        for (candidate, expected) in [("s3cret", true), ("s3cres", false), ("", false)] {
            assert_eq!(verify_secret(candidate, &hash), expected, "{candidate:?}");
            assert_eq!(
                Argon2::default()
                    .verify_password(candidate.as_bytes(), hash.as_str())
                    .is_ok(),
                expected
            );
        }
        // Other parameters than the defaults (the memory grows to the largest seen).
        let small = Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"other")
        .unwrap()
        .to_string();
        assert!(verify_secret("other", &small));
        assert!(!verify_secret("s3cret", &small));
        assert!(verify_secret("s3cret", &hash));
        assert!(!verify_secret("s3cret", "not a hash"));
        assert!(verify_secret(
            "decoy secret that no client has",
            decoy_hash()
        ));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hashing_runs_at_most_one_computation_per_core() {
        let limit = hashing_threads();
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..4 * limit + 4)
            .map(|_| {
                let (running, peak) = (running.clone(), peak.clone());
                tokio::spawn(hashing(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for job in jobs {
            job.await.unwrap().unwrap();
        }
        let peak = peak.load(Ordering::SeqCst);
        assert!((1..=limit).contains(&peak), "{peak} at once, limit {limit}");
    }
}
