//! The query parameters of paged lists, declared once: `cursor` and `limit` (keyset lists),
//! `page_num` and `page_size` (`/user/list`). Their bounds and defaults come from
//! `domain::common::paging` and are emitted in the spec; a value out of bounds is 10002 in words
//! ("parameter `limit` must be an integer from 1 to 1000"; see `envelope::param_message`).
use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromParameter, ParseResult, Type};

use crate::domain::common::paging::{MAX_LIMIT, NumberedPage, PageRequest};

/// A page size from 1 to [`MAX_LIMIT`]; `DEFAULT` when the parameter is absent.
#[derive(Clone, Copy, Debug)]
pub struct Limit<const DEFAULT: u64>(pub u64);

/// A page number of `/user/list`, from 1 (the default).
#[derive(Clone, Copy, Debug)]
pub struct PageNumber(pub u64);

/// A cursor this server answered (empty or `null`: the first page).
#[derive(Clone, Debug)]
pub struct Cursor(pub Option<i64>);

/// The keyset page a request asks for.
pub fn keyset<const DEFAULT: u64>(
    cursor: Option<Cursor>,
    limit: Option<Limit<DEFAULT>>,
) -> PageRequest {
    PageRequest {
        after: cursor.and_then(|c| c.0),
        limit: limit.map_or(DEFAULT, |l| l.0),
    }
}

/// The numbered page a request asks for.
pub fn numbered<const DEFAULT: u64>(
    number: Option<PageNumber>,
    size: Option<Limit<DEFAULT>>,
) -> NumberedPage {
    NumberedPage {
        number: number.map_or(1, |n| n.0),
        size: size.map_or(DEFAULT, |l| l.0),
    }
}

/// An int32 parameter schema with bounds and a default.
fn integer(minimum: u64, maximum: Option<u64>, default: u64) -> MetaSchemaRef {
    let mut schema = MetaSchema::new_with_format("integer", "int32");
    schema.minimum = Some(minimum as f64);
    schema.maximum = maximum.map(|m| m as f64);
    schema.default = Some(default.into());
    MetaSchemaRef::Inline(Box::new(schema))
}

/// An integer within `low..=high`, or the error in words.
fn bounded(value: &str, low: u64, high: u64) -> Result<u64, String> {
    let words = || {
        if high == i32::MAX as u64 {
            format!("must be an integer from {low}")
        } else {
            format!("must be an integer from {low} to {high}")
        }
    };
    let n: i64 = value.trim().parse().map_err(|_| words())?;
    u64::try_from(n)
        .ok()
        .filter(|n| (low..=high).contains(n))
        .ok_or_else(words)
}

/// The names [`envelope`](crate::api::kit::envelope) recognises: their parse errors are already in words.
pub const PARAMETER_TYPES: [&str; 3] = ["limit", "page_number", "cursor"];

/// `Type` for a parameter-only value type: no JSON, one value, never empty.
macro_rules! parameter_type {
    ([$($generics:tt)*] $ty:ty, $name:literal, $schema:expr) => {
        impl<$($generics)*> Type for $ty {
            const IS_REQUIRED: bool = true;
            type RawValueType = Self;
            type RawElementValueType = Self;

            fn name() -> Cow<'static, str> {
                $name.into()
            }

            fn schema_ref() -> MetaSchemaRef {
                $schema
            }

            fn as_raw_value(&self) -> Option<&Self> {
                Some(self)
            }

            fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
                Box::new(std::iter::once(self))
            }
        }
    };
}

parameter_type!([const DEFAULT: u64] Limit<DEFAULT>, "limit", integer(1, Some(MAX_LIMIT), DEFAULT));
parameter_type!([] PageNumber, "page_number", integer(1, None, 1));
parameter_type!([] Cursor, "cursor", {
    let mut cursor = MetaSchema::new("string");
    cursor.nullable = true;
    MetaSchemaRef::Inline(Box::new(cursor))
});

impl<const DEFAULT: u64> ParseFromParameter for Limit<DEFAULT> {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        bounded(value, 1, MAX_LIMIT)
            .map(Limit)
            .map_err(ParseError::custom)
    }
}

impl ParseFromParameter for PageNumber {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        bounded(value, 1, i32::MAX as u64)
            .map(PageNumber)
            .map_err(ParseError::custom)
    }
}

impl ParseFromParameter for Cursor {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        let value = value.trim();
        // the answered cursor is null on the last page; a client may send that back as "null"
        if value.is_empty() || value == "null" {
            return Ok(Cursor(None));
        }
        PageRequest::decode_cursor(value)
            .map(|after| Cursor(Some(after)))
            .ok_or_else(|| ParseError::custom("is not a cursor this server answered"))
    }
}

/// The `limit` of member_list.
pub type MemberLimit = Limit<{ crate::domain::common::paging::MEMBER_LIST_DEFAULT }>;
/// The `limit` of banned_list and blocked_list.
pub type ModerationLimit = Limit<{ crate::domain::common::paging::MODERATION_LIST_DEFAULT }>;
/// The `limit` of invitation_list and application_list.
pub type RequestLimit = Limit<{ crate::domain::common::paging::REQUEST_LIST_DEFAULT }>;
/// The `limit` of GET /roster/list.
pub type RosterLimit = Limit<{ crate::domain::common::paging::ROSTER_LIST_DEFAULT }>;
/// The `page_size` of `/user/list`.
pub type PageSize = Limit<{ crate::domain::common::paging::DEFAULT_PAGE_SIZE }>;
