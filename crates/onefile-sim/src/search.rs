//! Paged searches: page arguments, typed access to filter bodies, and the page cut.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::input::{self, Obj};
use crate::state::{ApiResult, Rejection};

/// Largest page size accepted.
pub const MAX_PAGE_SIZE: usize = 100;

/// A validated `{page}/{size}` pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// 1-based page number.
    pub number: usize,
    /// Items per page, 1 to [`MAX_PAGE_SIZE`].
    pub size: usize,
}

impl Page {
    /// Parses the path segments; `400` when out of range.
    pub fn parse(number: &str, size: &str) -> ApiResult<Self> {
        let number: usize = number
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| bad(format!("pageNumber must be 1 or more, got {number:?}")))?;
        let size: usize = size
            .parse()
            .ok()
            .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
            .ok_or_else(|| {
                bad(format!(
                    "pageSize must be between 1 and {MAX_PAGE_SIZE}, got {size:?}"
                ))
            })?;
        Ok(Self { number, size })
    }

    /// This page of `items` (already in ID order).
    pub fn cut(self, items: impl Iterator<Item = Value>) -> Vec<Value> {
        items
            .skip((self.number - 1).saturating_mul(self.size))
            .take(self.size)
            .collect()
    }
}

fn bad(message: String) -> Rejection {
    Rejection::BadRequest(message)
}

/// Typed access to a search filter body; unknown keys are ignored.
#[derive(Debug)]
pub struct Filter<'a>(pub &'a Obj);

impl Filter<'_> {
    /// An integer filter.
    pub fn int(&self, key: &str) -> ApiResult<Option<i64>> {
        Ok(self
            .0
            .get(key)
            .map(|v| input::int(v, key))
            .transpose()?
            .flatten())
    }

    /// A text filter.
    pub fn text(&self, key: &str) -> ApiResult<Option<String>> {
        Ok(self
            .0
            .get(key)
            .map(|v| input::text(v, key))
            .transpose()?
            .flatten())
    }

    /// A date filter.
    pub fn date(&self, key: &str) -> ApiResult<Option<DateTime<Utc>>> {
        Ok(self
            .0
            .get(key)
            .map(|v| input::date(v, key))
            .transpose()?
            .flatten())
    }
}

/// Whether `value` passes an optional equality filter.
pub fn matches<T: PartialEq>(filter: Option<&T>, value: Option<&T>) -> bool {
    filter.is_none_or(|f| value == Some(f))
}

/// Whether `value` passes an optional case-insensitive text filter.
pub fn matches_text(filter: Option<&String>, value: Option<&String>) -> bool {
    filter.is_none_or(|f| value.is_some_and(|v| v.eq_ignore_ascii_case(f)))
}

/// Whether `value` is at or after an optional lower bound.
pub fn at_or_after(bound: Option<DateTime<Utc>>, value: Option<DateTime<Utc>>) -> bool {
    bound.is_none_or(|b| value.is_some_and(|v| v >= b))
}

/// Whether `value` is at or before an optional upper bound.
pub fn at_or_before(bound: Option<DateTime<Utc>>, value: Option<DateTime<Utc>>) -> bool {
    bound.is_none_or(|b| value.is_some_and(|v| v <= b))
}
