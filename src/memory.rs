//! Giving memory back to the system (glibc malloc on Linux; elsewhere nothing to do).
use std::sync::atomic::{AtomicUsize, Ordering};

/// Allocations of 1 MiB and more (argon2's 19 MiB working memory above all) are mapped on their
/// own and given back to the system when freed. glibc would otherwise raise its mmap threshold
/// past them after the first free and keep the freed blocks in per-thread arenas: one
/// /user/register/batch of 1,000 took the server to ~760 MB resident instead of ~73 MB.
pub fn return_large_blocks_to_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a malloc tunable (glibc serialises it with its arena locks).
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// Open connections at their highest since the last trim.
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// A wave: this many connections open at once (and most of them closed since) is worth a trim.
const WAVE: usize = 256;

pub fn connection_opened(open: usize) {
    PEAK.fetch_max(open, Ordering::Relaxed);
}

/// After a wave of connections has closed (open connections fell to an eighth of their peak),
/// the small blocks they freed (request buffers, tasks) lie scattered in malloc's per-thread
/// arenas, which glibc keeps resident: `malloc_trim` hands their free pages back. Once per wave.
pub fn connection_closed(open: usize) {
    let peak = PEAK.load(Ordering::Relaxed);
    if peak < WAVE || open > peak / 8 {
        return;
    }
    if PEAK
        .compare_exchange(peak, open, Ordering::Relaxed, Ordering::Relaxed)
        .is_err()
    {
        return; // another connection's close started the trim
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        // Walks every arena (a few milliseconds): off the async workers.
        // SAFETY: malloc_trim only releases free memory; glibc locks each arena it walks.
        rt.spawn_blocking(|| unsafe { libc::malloc_trim(0) });
    }
}
