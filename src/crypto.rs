//! Secrets: random tokens stored as SHA-256 digests, argon2id password hashes, HMAC signatures.
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use hmac::{Hmac, Mac};
use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::ApiError;

/// A fresh 256-bit random token, hex encoded, behind a short kind prefix.
pub fn new_token(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::rng().random();
    format!("{prefix}{}", hex::encode(bytes))
}

/// Lowercase alphanumeric identifier of `len` characters (app ids).
pub fn new_id(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(|c| (c as char).to_ascii_lowercase())
        .collect()
}

pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// Constant-time equality of two strings (digests, signatures).
pub fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// argon2id parameters; configurable so that tests hash fast.
#[derive(Clone, Debug)]
pub struct PasswordParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl PasswordParams {
    fn argon2(&self) -> Result<Argon2<'static>, ApiError> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|e| ApiError::Internal(format!("argon2 parameters: {e}")))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Hash on a blocking thread: argon2 is deliberately slow.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let argon = self.argon2()?;
        tokio::task::spawn_blocking(move || {
            let bytes: [u8; 16] = rand::rng().random();
            let salt = SaltString::encode_b64(&bytes).map_err(|e| ApiError::Internal(e.to_string()))?;
            argon
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| ApiError::Internal(format!("argon2: {e}")))
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
    }

    /// Hash many passwords, spread over the blocking pool.
    pub async fn hash_all(&self, passwords: Vec<String>) -> Result<Vec<String>, ApiError> {
        let mut handles = Vec::with_capacity(passwords.len());
        for p in passwords {
            let me = self.clone();
            handles.push(tokio::spawn(async move { me.hash(p).await }));
        }
        let mut out = Vec::with_capacity(handles.len());
        for h in handles {
            out.push(h.await.map_err(|e| ApiError::Internal(e.to_string()))??);
        }
        Ok(out)
    }

    /// True when `password` matches the stored PHC string (the check is constant time).
    pub async fn verify(&self, password: String, phc: String) -> Result<bool, ApiError> {
        tokio::task::spawn_blocking(move || {
            let Ok(parsed) = PasswordHash::new(&phc) else {
                return false;
            };
            // The parameters come from the PHC string, so older hashes keep verifying.
            Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn password_round_trip() {
        let p = PasswordParams { memory_kib: 64, iterations: 1, parallelism: 1 };
        let h = p.hash("secret1".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(p.verify("secret1".into(), h.clone()).await.unwrap());
        assert!(!p.verify("secret2".into(), h).await.unwrap());
    }

    #[test]
    fn tokens_are_256_bit_and_distinct() {
        let a = new_token("u_");
        assert_eq!(a.len(), 2 + 64);
        assert_ne!(a, new_token("u_"));
        assert!(ct_eq(&sha256_hex(&a), &sha256_hex(&a)));
        assert!(!ct_eq(&sha256_hex(&a), &sha256_hex("x")));
    }
}
