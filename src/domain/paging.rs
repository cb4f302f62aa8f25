//! Keyset paging for every list with `cursor` / `limit` / `version`: an opaque cursor carrying
//! the last row key, `limit + 1` rows fetched to know whether a next page exists, and no OFFSET.
//! Ordering by a stable, increasing key (a row id) means that paging through a list while rows
//! come and go never repeats or skips a row that stayed.
use crate::error::{ApiError, ApiResult};

/// Page size when the request gives no limit.
pub const DEFAULT_LIMIT: u64 = 50;
/// Largest page size; larger limits are refused with 10002.
pub const MAX_LIMIT: u64 = 500;

const CURSOR_PREFIX: &str = "k1.";

/// Where a page starts and how long it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// Rows with a key greater than this (None: from the start).
    pub after: Option<i64>,
    pub limit: u64,
}

impl PageRequest {
    /// Parse the `cursor` and `limit` query parameters (10002 naming the one at fault).
    pub fn parse(cursor: Option<&str>, limit: Option<i32>) -> ApiResult<PageRequest> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(l) if l >= 1 && (l as u64) <= MAX_LIMIT => l as u64,
            Some(l) => return Err(ApiError::bad(format!("limit must be 1-{MAX_LIMIT}, got {l}"))),
        };
        let after = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(decode(c).ok_or_else(|| ApiError::bad("cursor is not one this server issued"))?),
        };
        Ok(PageRequest { after, limit })
    }

    /// How many rows to fetch: one more than the page, to see whether another page follows.
    pub fn fetch(&self) -> u64 {
        self.limit + 1
    }

    /// Cut the fetched rows (ordered by key, ascending) to the page and make the next cursor.
    pub fn finish<T>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> i64, total: Option<i64>) -> Page<T> {
        let more = rows.len() as u64 > self.limit;
        rows.truncate(self.limit as usize);
        let cursor = if more { rows.last().map(|r| encode(key(r))) } else { None };
        Page { items: rows, cursor, total, version: None }
    }
}

/// One page of a list.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Where the next page starts; None on the last page.
    pub cursor: Option<String>,
    /// Number of all matching rows.
    pub total: Option<i64>,
    /// Reserved (the seed system's `version`).
    pub version: Option<i64>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), cursor: self.cursor, total: self.total, version: self.version }
    }
}

fn encode(key: i64) -> String {
    format!("{CURSOR_PREFIX}{key:x}")
}

fn decode(cursor: &str) -> Option<i64> {
    let hex = cursor.strip_prefix(CURSOR_PREFIX)?;
    if hex.is_empty() || hex.len() > 16 {
        return None;
    }
    i64::from_str_radix(hex, 16).ok().filter(|k| *k >= 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_limits() {
        let first = PageRequest::parse(None, None).unwrap();
        assert_eq!(first, PageRequest { after: None, limit: DEFAULT_LIMIT });
        let page = PageRequest::parse(None, Some(2)).unwrap().finish(vec![10, 20, 30], |k| *k, Some(3));
        assert_eq!(page.items, vec![10, 20]);
        let next = PageRequest::parse(page.cursor.as_deref(), Some(2)).unwrap();
        assert_eq!(next.after, Some(20));
        let last = next.finish(vec![30], |k| *k, Some(3));
        assert!(last.cursor.is_none());
        assert!(PageRequest::parse(Some("garbage"), None).is_err());
        assert!(PageRequest::parse(Some("k1.zz"), None).is_err());
        assert!(PageRequest::parse(None, Some(0)).is_err());
        assert!(PageRequest::parse(None, Some(MAX_LIMIT as i32 + 1)).is_err());
    }
}
