//! Lists of ids in requests: their bound and their repeats, one rule for every capability.
use std::collections::HashSet;

use crate::error::{ApiError, ApiResult};

/// Most ids one request may list (group members, friends, blacklists, ...).
pub const MAX_ID_LIST: usize = 500;

/// The ids in their first order, repeats left out.
pub fn unique_ids(ids: &[i64]) -> Vec<i64> {
    let mut seen = HashSet::new();
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

/// At most MAX_ID_LIST ids in the list named `field` (10002 otherwise).
pub fn check_list(field: &str, ids: &[i64]) -> ApiResult<()> {
    if ids.len() > MAX_ID_LIST {
        return Err(ApiError::bad(format!(
            "{field} may hold at most {MAX_ID_LIST} ids"
        )));
    }
    Ok(())
}
