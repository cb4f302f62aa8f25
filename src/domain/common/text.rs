//! The length rule of text fields, written once. Lengths count characters (Unicode scalar
//! values), as the spec's `minLength` / `maxLength` do, not bytes.
use crate::error::{ApiError, ApiResult};

/// `value` holds `min` to `max` characters (10002 naming `field` otherwise).
pub fn check_chars(field: &str, value: &str, min: usize, max: usize) -> ApiResult<()> {
    let n = value.chars().count();
    if n < min || n > max {
        return Err(ApiError::bad(if min == 0 {
            format!("{field} must be at most {max} characters")
        } else {
            format!("{field} must be {min} to {max} characters")
        }));
    }
    Ok(())
}

/// [`check_chars`] for a value that may be absent.
pub fn check_optional(field: &str, value: Option<&str>, min: usize, max: usize) -> ApiResult<()> {
    value.map_or(Ok(()), |v| check_chars(field, v, min, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_not_bytes() {
        assert!(check_chars("alias", &"é".repeat(128), 1, 128).is_ok());
        assert!(check_chars("alias", &"é".repeat(129), 1, 128).is_err());
        assert_eq!(
            check_chars("alias", "", 1, 128).unwrap_err().to_string(),
            "alias must be 1 to 128 characters"
        );
        assert_eq!(
            check_chars("reason", "abc", 0, 2).unwrap_err().to_string(),
            "reason must be at most 2 characters"
        );
        assert!(check_optional("reason", None, 1, 2).is_ok());
    }
}
