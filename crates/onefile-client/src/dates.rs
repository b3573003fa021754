//! Serde helpers for OneFile's date formats.
//!
//! OneFile sends ISO-8601 UTC strings such as `2022-02-23T12:49:33.150Z`; date-only values
//! travel as midnight UTC. Reading is lenient (with or without fraction or zone, or a bare
//! `YYYY-MM-DD`); writing always uses the documented form.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// Formats an instant the way OneFile writes them.
pub fn format_datetime(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Parses any of the accepted forms into an instant (UTC when no zone is given).
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(naive.and_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|naive| naive.and_utc())
}

/// A date-only value: written as midnight UTC, read from any accepted form.
pub mod date {
    use super::{Deserialize, Deserializer, NaiveDate, Serializer, parse_datetime};

    /// Writes `YYYY-MM-DDT00:00:00.000Z`.
    pub fn serialize<S: Serializer>(date: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&date.format("%Y-%m-%dT00:00:00.000Z"))
    }

    /// Reads the date part of any accepted form.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let text = String::deserialize(d)?;
        parse_datetime(&text)
            .map(|at| at.date_naive())
            .ok_or_else(|| serde::de::Error::custom(format!("not a date: {text:?}")))
    }
}

/// An optional date-only value; `null` or an empty string reads as `None`.
pub mod opt_date {
    use super::{Deserialize, Deserializer, NaiveDate, Serializer, parse_datetime};

    /// Writes `Some` as midnight UTC (callers skip `None`).
    pub fn serialize<S: Serializer>(date: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => super::date::serialize(date, s),
            None => s.serialize_none(),
        }
    }

    /// Reads the date part of any accepted form.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) if text.trim().is_empty() => Ok(None),
            Some(text) => parse_datetime(&text)
                .map(|at| Some(at.date_naive()))
                .ok_or_else(|| serde::de::Error::custom(format!("not a date: {text:?}"))),
        }
    }
}

/// An optional instant; `null` or an empty string reads as `None`.
pub mod opt_datetime {
    use super::{
        DateTime, Deserialize, Deserializer, Serializer, Utc, format_datetime, parse_datetime,
    };

    /// Writes `Some` in OneFile's form (callers skip `None`).
    pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => s.collect_str(&format_datetime(at)),
            None => s.serialize_none(),
        }
    }

    /// Reads any accepted form.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) if text.trim().is_empty() => Ok(None),
            Some(text) => parse_datetime(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("not a date-time: {text:?}"))),
        }
    }
}

/// Reads a code that OneFile may send as a string or a number (MISID, L12, ...).
pub fn opt_code<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match value {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_documented_form() {
        let expected = NaiveDate::from_ymd_opt(2022, 2, 23).unwrap();
        for text in [
            "2022-02-23T12:49:33.150Z",
            "2022-02-23T12:49:33Z",
            "2022-02-23T12:49:33.15",
            "2022-02-23",
            " 2022-02-23T00:00:00+00:00 ",
        ] {
            let at = parse_datetime(text).unwrap_or_else(|| panic!("{text} did not parse"));
            assert_eq!(at.date_naive(), expected, "{text}");
        }
        assert!(parse_datetime("23/02/2022").is_none());
        assert!(parse_datetime("").is_none());
    }

    #[test]
    fn writes_milliseconds_and_zulu() {
        let at = parse_datetime("2022-02-23T12:49:33.150Z").unwrap();
        assert_eq!(format_datetime(&at), "2022-02-23T12:49:33.150Z");
    }
}
