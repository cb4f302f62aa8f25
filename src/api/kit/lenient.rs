//! The forms in which the original service's clients send values that the documents put in
//! the query: its web SDK sends single values in a JSON body (`{"value": true}`,
//! `{"device_sn": 4}`). The server takes either form; the spec keeps the documented query
//! parameter (required where the documents say so) and shows the JSON body beside it, optional.
//! Both given and different is 10002.
use std::borrow::Cow;

use poem_openapi::Object;
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::{ParseError, ParseFromParameter, ParseResult, Type};

use crate::error::{ApiError, ApiResult};

/// A query parameter that the documents make required, which the original clients may send in
/// the JSON body instead: the spec shows it required; absent from the query, it is `None`.
pub struct QueryOr<T>(pub Option<T>);

impl<T: Type> Type for QueryOr<T> {
    const IS_REQUIRED: bool = true;
    type RawValueType = T::RawValueType;
    type RawElementValueType = T::RawElementValueType;

    fn name() -> Cow<'static, str> {
        T::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        self.0.as_ref().and_then(T::as_raw_value)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        match &self.0 {
            Some(v) => v.raw_element_iter(),
            None => Box::new(std::iter::empty()),
        }
    }
}

impl<T: ParseFromParameter> ParseFromParameter for QueryOr<T> {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        T::parse_from_parameter(value)
            .map(|v| QueryOr(Some(v)))
            .map_err(ParseError::propagate)
    }

    fn parse_from_parameters<I: IntoIterator<Item = A>, A: AsRef<str>>(
        iter: I,
    ) -> ParseResult<Self> {
        let mut iter = iter.into_iter().peekable();
        if iter.peek().is_none() {
            return Ok(QueryOr(None));
        }
        T::parse_from_parameters(iter)
            .map(|v| QueryOr(Some(v)))
            .map_err(ParseError::propagate)
    }
}

/// The one value of `name` from the query or the body: either; both only when equal.
pub fn either<T: PartialEq + std::fmt::Debug>(
    name: &str,
    query: Option<T>,
    body: Option<T>,
) -> ApiResult<Option<T>> {
    match (query, body) {
        (Some(q), Some(b)) if q != b => Err(ApiError::bad(format!(
            "parameter `{name}` is {q:?} in the query and {b:?} in the body: give one, or the same in both"
        ))),
        (Some(q), _) => Ok(Some(q)),
        (None, b) => Ok(b),
    }
}

/// [`either`] for a value the operation needs.
pub fn required<T: PartialEq + std::fmt::Debug>(
    name: &str,
    query: Option<T>,
    body: Option<T>,
) -> ApiResult<T> {
    either(name, query, body)?.ok_or_else(|| {
        ApiError::bad(format!(
            "parameter `{name}` is required (in the query, or as a field of a JSON body)"
        ))
    })
}

/// `{"value": true}`: an on/off value in a JSON body instead of the query.
#[derive(Object, Default)]
pub struct SwitchBody {
    /// The value, when it is not given in the query
    pub value: Option<bool>,
}
