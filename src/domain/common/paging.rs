//! Paging for every list, its bounds declared once (the api layer emits them in the spec):
//!
//! - **Keyset** (`cursor` / `limit` / `version`: the group lists): an opaque cursor carrying the
//!   last row key, `limit + 1` rows fetched to know whether a next page exists, and no OFFSET.
//!   Ordering by a stable, increasing key (a row id) means that paging through a list while rows
//!   come and go never repeats or skips a row that stayed.
//! - **Numbered** (`page_num` / `page_size`: `/user/list`, as the user document has it): pages
//!   from 1 by OFFSET; the answered `cursor` is the next page number.
//!
//! Both answer a [`Page`]; both page sizes run from 1 to [`MAX_LIMIT`].
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use crate::error::ApiResult;

/// Largest page of any list; larger `limit` / `page_size` values are refused with 10002.
pub const MAX_LIMIT: u64 = 1000;
/// Page sizes when the request gives no `limit`, as the original service has them (its web SDK
/// sends no limit and reads no cursor: it expects the whole list in one answer).
pub const MEMBER_LIST_DEFAULT: u64 = 1000;
/// Default `limit` of banned_list and blocked_list.
pub const MODERATION_LIST_DEFAULT: u64 = 1000;
/// Default `limit` of invitation_list and application_list.
pub const REQUEST_LIST_DEFAULT: u64 = 100;
/// Default `limit` of GET /roster/list (the original SDK reads no cursor: the whole roster).
pub const ROSTER_LIST_DEFAULT: u64 = 1000;
/// Page size of `/user/list` when the request gives no `page_size`.
pub const DEFAULT_PAGE_SIZE: u64 = 50;

const CURSOR_PREFIX: &str = "k1.";

/// Where a keyset page starts and how long it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// Rows with a key greater than this (None: from the start).
    pub after: Option<i64>,
    pub limit: u64,
}

impl PageRequest {
    /// How many rows to fetch: one more than the page, to see whether another page follows.
    pub fn fetch(&self) -> u64 {
        self.limit + 1
    }

    /// Cut the fetched rows (ordered by key, ascending) to the page and make the next cursor.
    pub fn finish<T>(
        &self,
        mut rows: Vec<T>,
        key: impl Fn(&T) -> i64,
        total: Option<i64>,
    ) -> Page<T> {
        let more = rows.len() as u64 > self.limit;
        rows.truncate(self.limit as usize);
        let cursor = if more {
            rows.last().map(|r| encode(key(r)))
        } else {
            None
        };
        Page {
            items: rows,
            cursor,
            total,
            version: None,
        }
    }

    /// The rows of `query` after the cursor, by `key` ascending: `fetch()` of them (one query).
    pub async fn rows<E: EntityTrait, C: ConnectionTrait>(
        &self,
        db: &C,
        query: Select<E>,
        key: E::Column,
    ) -> ApiResult<Vec<E::Model>> {
        let query = match self.after {
            Some(after) => query.filter(key.gt(after)),
            None => query,
        };
        Ok(query.order_by_asc(key).limit(self.fetch()).all(db).await?)
    }

    /// The page of `query` by `key`, its `total` counted over all rows of `query` (two queries).
    pub async fn counted<E, C>(
        &self,
        db: &C,
        query: Select<E>,
        key: E::Column,
        key_of: impl Fn(&E::Model) -> i64,
    ) -> ApiResult<Page<E::Model>>
    where
        E: EntityTrait,
        E::Model: Sync,
        C: ConnectionTrait,
    {
        let total = query.clone().count(db).await? as i64;
        let rows = self.rows(db, query, key).await?;
        Ok(self.finish(rows, key_of, Some(total)))
    }

    /// The row key a cursor of this server carries; None for anything else.
    pub fn decode_cursor(cursor: &str) -> Option<i64> {
        let hex = cursor.strip_prefix(CURSOR_PREFIX)?;
        if hex.is_empty() || hex.len() > 16 {
            return None;
        }
        i64::from_str_radix(hex, 16).ok().filter(|k| *k >= 0)
    }
}

/// A numbered page: `number` from 1, `size` rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberedPage {
    pub number: u64,
    pub size: u64,
}

impl NumberedPage {
    /// Rows to skip before this page.
    pub fn offset(&self) -> u64 {
        (self.number - 1).saturating_mul(self.size)
    }

    /// The page of `rows` out of `total`; its cursor names the next page, if any.
    pub fn finish<T>(&self, rows: Vec<T>, total: u64) -> Page<T> {
        let more = self.number.saturating_mul(self.size) < total;
        let cursor = more.then(|| (self.number + 1).to_string());
        Page {
            items: rows,
            cursor,
            total: Some(total as i64),
            version: None,
        }
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
        Page {
            items: self.items.into_iter().map(f).collect(),
            cursor: self.cursor,
            total: self.total,
            version: self.version,
        }
    }
}

fn encode(key: i64) -> String {
    format!("{CURSOR_PREFIX}{key:x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyset_cursor_round_trip() {
        let page = PageRequest {
            after: None,
            limit: 2,
        }
        .finish(vec![10, 20, 30], |k| *k, Some(3));
        assert_eq!(page.items, vec![10, 20]);
        let after = PageRequest::decode_cursor(page.cursor.as_deref().unwrap());
        assert_eq!(after, Some(20));
        let last = PageRequest { after, limit: 2 }.finish(vec![30], |k| *k, Some(3));
        assert!(last.cursor.is_none());
        assert_eq!(PageRequest::decode_cursor("garbage"), None);
        assert_eq!(PageRequest::decode_cursor("k1.zz"), None);
        assert_eq!(PageRequest::decode_cursor("k1.-1"), None);
    }

    #[test]
    fn numbered_pages() {
        let second = NumberedPage { number: 2, size: 2 };
        assert_eq!(second.offset(), 2);
        assert_eq!(second.finish(vec![3, 4], 5).cursor.as_deref(), Some("3"));
        assert_eq!(
            NumberedPage { number: 3, size: 2 }
                .finish(vec![5], 5)
                .cursor,
            None
        );
    }
}
