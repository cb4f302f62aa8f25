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

    /// Hash on a blocking thread: argon2 is deliberately slow (and holds `memory_kib` while it runs).
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let argon = self.argon2()?;
        limited(move || {
            let bytes: [u8; 16] = rand::rng().random();
            let salt =
                SaltString::encode_b64(&bytes).map_err(|e| ApiError::Internal(e.to_string()))?;
            argon
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| ApiError::Internal(format!("argon2: {e}")))
        })
        .await?
    }

    /// Hash many passwords, spread over the argon2 slots but for one: a batch runs in the batch
    /// lane (`batch_lane_slots`), so a login or a single registration arriving meanwhile waits
    /// for at most one hash, not behind the whole batch (tokio's semaphore is first come, first
    /// served).
    pub async fn hash_all(&self, passwords: Vec<String>) -> Result<Vec<String>, ApiError> {
        let mut handles = Vec::with_capacity(passwords.len());
        for p in passwords {
            let me = self.clone();
            handles.push(tokio::spawn(async move {
                let _lane = BATCH_LANE
                    .acquire()
                    .await
                    .map_err(|e| ApiError::Internal(e.to_string()))?;
                #[cfg(test)]
                let _count = BatchCount::enter();
                me.hash(p).await
            }));
        }
        let mut out = Vec::with_capacity(handles.len());
        for h in handles {
            out.push(h.await.map_err(|e| ApiError::Internal(e.to_string()))??);
        }
        Ok(out)
    }

    /// True when `password` matches the stored PHC string (the check is constant time).
    pub async fn verify(&self, password: String, phc: String) -> Result<bool, ApiError> {
        limited(move || {
            let Ok(parsed) = PasswordHash::new(&phc) else {
                return false;
            };
            // The parameters come from the PHC string, so older hashes keep verifying.
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .await
    }
}

/// How many argon2 computations may run at once in the process: one per CPU. Each holds its
/// memory cost (19 MiB by default) for its whole run, so an unbounded number (a batch of 1000
/// registrations, a burst of logins) would take the blocking pool's 512 threads times that
/// much memory without finishing any sooner on this many cores.
pub fn argon2_slots() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

static ARGON2_SLOTS: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(argon2_slots()));

/// How many of the argon2 slots batches may hold at once: all but one (one with one CPU).
pub fn batch_lane_slots() -> usize {
    argon2_slots().saturating_sub(1).max(1)
}

static BATCH_LANE: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(batch_lane_slots()));

#[cfg(test)]
static BATCH_RUNNING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
#[cfg(test)]
static BATCH_PEAK: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Counts the batch hashes in flight (tests only).
#[cfg(test)]
struct BatchCount;

#[cfg(test)]
impl BatchCount {
    fn enter() -> Self {
        use std::sync::atomic::Ordering::SeqCst;
        let now = BATCH_RUNNING.fetch_add(1, SeqCst) + 1;
        BATCH_PEAK.fetch_max(now, SeqCst);
        BatchCount
    }
}

#[cfg(test)]
impl Drop for BatchCount {
    fn drop(&mut self) {
        BATCH_RUNNING.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[cfg(test)]
static RUNNING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
#[cfg(test)]
static PEAK: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Run one argon2 computation on a blocking thread once a slot is free.
async fn limited<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let _slot = ARGON2_SLOTS
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        #[cfg(test)]
        {
            use std::sync::atomic::Ordering::SeqCst;
            let now = RUNNING.fetch_add(1, SeqCst) + 1;
            PEAK.fetch_max(now, SeqCst);
        }
        let out = work();
        #[cfg(test)]
        RUNNING.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        out
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn password_round_trip() {
        let p = PasswordParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        };
        let h = p.hash("secret1".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(p.verify("secret1".into(), h.clone()).await.unwrap());
        assert!(!p.verify("secret2".into(), h).await.unwrap());
    }

    /// A batch of hashes (POST /user/register/batch of 1000) runs at most one argon2 per CPU
    /// at a time, so its memory is bounded by the core count, not by the batch size.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn argon2_runs_at_most_one_per_cpu() {
        let p = PasswordParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        };
        let hashes = p
            .hash_all((0..64).map(|i| format!("password{i}")).collect())
            .await
            .unwrap();
        assert_eq!(hashes.len(), 64);
        assert!(
            p.verify("password7".into(), hashes[7].clone())
                .await
                .unwrap()
        );
        let peak = PEAK.load(std::sync::atomic::Ordering::SeqCst);
        assert!(
            peak >= 1 && peak <= argon2_slots(),
            "peak {peak} concurrent argon2 runs, slots {}",
            argon2_slots()
        );
        // and a batch leaves a slot free for single logins (when there are two CPUs or more)
        let batch_peak = BATCH_PEAK.load(std::sync::atomic::Ordering::SeqCst);
        assert!(
            batch_peak >= 1 && batch_peak <= batch_lane_slots(),
            "batch peak {batch_peak}, lane {}",
            batch_lane_slots()
        );
        assert!(batch_lane_slots() < argon2_slots() || argon2_slots() == 1);
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
