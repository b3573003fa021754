//! Debug helpers that keep personal data out of logs.
//!
//! DESIGN.md forbids names, dates of birth, ULNs, NINOs and e-mail addresses in logs, and
//! `{:?}` is the easiest way for them to get there. Types holding such data implement
//! `Debug` by hand and print these placeholders instead, keeping only whether an optional
//! value is present, which is what a person debugging needs.

use std::fmt;

/// The text printed in place of personal data.
pub const REDACTED: &str = "<redacted>";

/// Prints [`REDACTED`] whatever it stands for.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Prints `None` for an absent value and [`REDACTED`] for a present one.
pub(crate) struct RedactedOption(bool);

impl fmt::Debug for RedactedOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0 { REDACTED } else { "None" })
    }
}

/// Redacts an optional value, keeping only whether it is present.
pub(crate) fn opt<T>(value: Option<&T>) -> RedactedOption
where
    T: ?Sized,
{
    RedactedOption(value.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        assert_eq!(format!("{Redacted:?}"), "<redacted>");
        assert_eq!(format!("{:?}", opt(Some("x"))), "<redacted>");
        assert_eq!(format!("{:?}", opt::<str>(None)), "None");
    }
}
