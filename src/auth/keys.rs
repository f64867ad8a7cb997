//! Token signing keys (Ed25519), access token issue and verification, and the JWKS document.

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::scope::ScopeSet;
use crate::model::datetime::now_ms;
use crate::store::{Sql, Store};

/// The fixed PKCS#8 v1 prefix of an Ed25519 private key (RFC 8410); the 32-byte seed follows.
const PKCS8_ED25519_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// One Ed25519 key.
struct Key {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    public: [u8; 32],
}

impl Key {
    fn from_seed(seed: [u8; 32]) -> Key {
        let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
        let public = signing.verifying_key().to_bytes();
        let mut der = PKCS8_ED25519_PREFIX.to_vec();
        der.extend_from_slice(&seed);
        // A short, stable key id derived from the public key.
        let kid = URL_SAFE_NO_PAD.encode(&public[..12]);
        Key {
            kid,
            encoding: EncodingKey::from_ed_der(&der),
            decoding: DecodingKey::from_ed_components(&URL_SAFE_NO_PAD.encode(public))
                .expect("a 32-byte public key is a valid component"),
            public,
        }
    }
}

/// Extracts the seed of an Ed25519 key from PKCS#8 DER.
fn seed_from_der(der: &[u8]) -> anyhow::Result<[u8; 32]> {
    // OpenSSL writes the 48-byte v1 form; a v2 form appends the public key.
    if der.len() >= 48 && der[2..16] == PKCS8_ED25519_PREFIX[2..] {
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&der[16..48]);
        Ok(seed)
    } else {
        bail!("not an Ed25519 private key in PKCS#8 form")
    }
}

/// Reads an Ed25519 private key in PKCS#8 PEM (`openssl genpkey -algorithm ed25519`).
pub fn seed_from_pem(pem: &str) -> anyhow::Result<[u8; 32]> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .collect();
    let der = STANDARD
        .decode(body)
        .context("the signing key is not valid PEM")?;
    seed_from_der(&der).context(
        "the signing key must be an Ed25519 private key in PKCS#8 PEM \
         (create one with: openssl genpkey -algorithm ed25519)",
    )
}

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    pub scope: String,
}

/// What a valid token says.
#[derive(Clone, Debug)]
pub struct Verified {
    pub client_id: String,
    pub scopes: ScopeSet,
    pub exp: i64,
}

/// Tokens already verified, remembered until they expire: a token's validity depends only on
/// its bytes, the keys and the clock, so this saves a signature check per request without
/// ever accepting what a fresh check would refuse.
const MAX_VERIFIED: usize = 10_000;

/// Why a token was refused (never shown in detail to clients beyond a short reason).
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    Expired,
    Invalid,
}

/// The signing key and every key whose tokens are accepted.
pub struct KeyRing {
    current: Key,
    others: Vec<Key>,
    verified: std::sync::Mutex<std::collections::HashMap<Box<str>, Verified>>,
    issuer: String,
    audience: String,
    pub lifetime_secs: u64,
}

impl KeyRing {
    /// Uses the configured key, or the newest key persisted in the database (creating one
    /// the first time). Persisted keys stay valid for verification, so tokens survive a
    /// restart and every instance sharing the database accepts them.
    pub async fn load(
        store: &Store,
        configured: Option<[u8; 32]>,
        issuer: String,
        audience: String,
        lifetime_secs: u64,
    ) -> anyhow::Result<KeyRing> {
        let (current, others) = match configured {
            Some(seed) => (Key::from_seed(seed), Vec::new()),
            None => {
                let mut keys = load_persisted(store).await?;
                if keys.is_empty() {
                    let mut seed = [0u8; 32];
                    getrandom::fill(&mut seed)
                        .map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
                    let key = Key::from_seed(seed);
                    let mut der = PKCS8_ED25519_PREFIX.to_vec();
                    der.extend_from_slice(&seed);
                    let mut sql = Sql::new(
                        "INSERT INTO signing_keys (kid, private_key, created_at) VALUES (",
                    );
                    sql.bind(key.kid.as_str())
                        .push(", ")
                        .bind(STANDARD.encode(&der))
                        .push(", ")
                        .bind(now_ms())
                        .push(") ON CONFLICT (kid) DO NOTHING");
                    store.execute(&sql).await?;
                    // Another instance may have created one at the same moment: re-read.
                    keys = load_persisted(store).await?;
                }
                let current = keys.remove(0);
                (current, keys)
            }
        };
        Ok(KeyRing {
            current,
            others,
            verified: Default::default(),
            issuer,
            audience,
            lifetime_secs,
        })
    }

    /// Issues an access token for `client_id` with `scopes`.
    pub fn issue(&self, client_id: &str, scopes: ScopeSet) -> anyhow::Result<String> {
        let now = now_ms() / 1000;
        let mut jti = [0u8; 16];
        getrandom::fill(&mut jti).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: client_id.to_string(),
            iat: now,
            exp: now + self.lifetime_secs as i64,
            jti: URL_SAFE_NO_PAD.encode(jti),
            scope: scopes.to_uris(),
        };
        self.sign(&claims)
    }

    /// Signs `claims` with the current key.
    pub fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.current.kid.clone());
        header.typ = Some("at+jwt".into());
        Ok(jsonwebtoken::encode(
            &header,
            claims,
            &self.current.encoding,
        )?)
    }

    fn key(&self, kid: &str) -> Option<&Key> {
        std::iter::once(&self.current)
            .chain(&self.others)
            .find(|k| k.kid == kid)
    }

    /// Verifies a token: EdDSA only, a known `kid`, our issuer and audience, not expired.
    pub fn verify(&self, token: &str) -> Result<Verified, TokenError> {
        let now = now_ms() / 1000;
        if let Ok(cache) = self.verified.lock()
            && let Some(v) = cache.get(token)
        {
            return if now <= v.exp {
                Ok(v.clone())
            } else {
                Err(TokenError::Expired)
            };
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Invalid);
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.key(kid))
            .ok_or(TokenError::Invalid)?;
        let mut v = Validation::new(Algorithm::EdDSA);
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[&self.audience]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // No leeway: the tokens are this server's own (or its siblings', sharing the database
        // and, by NTP, the clock), so an expired token is refused at its `exp`.
        v.leeway = 0;
        let data = jsonwebtoken::decode::<Claims>(token, &key.decoding, &v).map_err(|e| match e
            .kind()
        {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
            _ => TokenError::Invalid,
        })?;
        let (scopes, _) = ScopeSet::parse_lenient(&data.claims.scope);
        let verified = Verified {
            client_id: data.claims.sub,
            scopes,
            exp: data.claims.exp,
        };
        if let Ok(mut cache) = self.verified.lock() {
            if cache.len() >= MAX_VERIFIED {
                cache.retain(|_, v| now <= v.exp);
                if cache.len() >= MAX_VERIFIED {
                    cache.clear();
                }
            }
            cache.insert(token.into(), verified.clone());
        }
        Ok(verified)
    }

    /// The JWKS document with every key whose tokens are accepted.
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<_> = std::iter::once(&self.current)
            .chain(&self.others)
            .map(|k| {
                serde_json::json!({
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "x": URL_SAFE_NO_PAD.encode(k.public),
                    "kid": k.kid,
                    "alg": "EdDSA",
                    "use": "sig"
                })
            })
            .collect();
        serde_json::json!({ "keys": keys })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }
}

async fn load_persisted(store: &Store) -> anyhow::Result<Vec<Key>> {
    let sql = Sql::new("SELECT private_key FROM signing_keys ORDER BY created_at DESC, kid");
    let encoded = store
        .fetch_map(&sql, |row| Ok(row.text(0)?.unwrap_or_default().to_string()))
        .await?;
    encoded
        .iter()
        .map(|b64| {
            let der = STANDARD.decode(b64).context("stored signing key")?;
            Ok(Key::from_seed(seed_from_der(&der)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_openssl_pem() {
        // openssl genpkey -algorithm ed25519
        let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAr3MSxTNgeNExy9Nfzs/7cGeAqgqtkZD9IANMZLsLJP\n-----END PRIVATE KEY-----\n";
        let seed = seed_from_pem(pem).unwrap();
        assert_eq!(seed[0], 0x0a);
        assert!(
            seed_from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----").is_err()
        );
    }
}
