//! Why a result did not apply, sorted by what to do next: dead-letter it (permanent), or
//! keep it and try again later (PostgreSQL down, restarting, or a lock conflict).

use std::borrow::Cow;

/// Why a result (or a batch) did not apply.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The result can never apply, for this reason (e.g. its learner was deleted):
    /// dead-letter it with the reason. Nothing of it was written.
    #[error("{0}")]
    Permanent(String),
    /// PostgreSQL failed or could not be reached: nothing was written; try again later.
    #[error("PostgreSQL failed; nothing was applied, retry later: {0}")]
    Database(#[source] sqlx::Error),
}

impl ApplyError {
    /// A permanent error with this reason.
    pub fn permanent(reason: impl Into<String>) -> Self {
        Self::Permanent(reason.into())
    }

    /// Whether the result can never apply (dead-letter it).
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Permanent(_))
    }

    /// A serialization failure (40001) or deadlock (40P01): the transaction lost a race
    /// and applies if simply run again.
    pub fn is_conflict(&self) -> bool {
        matches!(sqlstate(self).as_deref(), Some("40001" | "40P01"))
    }
}

impl From<sqlx::Error> for ApplyError {
    /// PICSWeb refusing this result's data (a data exception, class 22; a constraint such
    /// as a OneFile ID already held by another row, class 23; or an exception raised by
    /// one of PICSWeb's own triggers, class P0) is permanent for that result. Everything
    /// else, including a missing migration (class 42), is retried, so a deployment
    /// mistake delays results instead of dead-lettering all of them.
    fn from(error: sqlx::Error) -> Self {
        let refused = match &error {
            sqlx::Error::Database(db) => db
                .code()
                .filter(|code| {
                    ["22", "23", "P0"]
                        .iter()
                        .any(|class| code.starts_with(class))
                })
                .map(|code| {
                    format!(
                        "PICSWeb refused the change (SQLSTATE {code}): {}",
                        db.message()
                    )
                }),
            _ => None,
        };
        refused.map_or(Self::Database(error), Self::Permanent)
    }
}

/// The SQLSTATE of a database error, if that is what it is.
fn sqlstate(error: &ApplyError) -> Option<Cow<'_, str>> {
    match error {
        ApplyError::Database(sqlx::Error::Database(db)) => db.code(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_database_errors_are_retried() {
        let permanent = ApplyError::permanent("learner 3 no longer exists in PICSWeb");
        assert!(permanent.is_permanent());
        assert!(!permanent.is_conflict());
        assert_eq!(
            permanent.to_string(),
            "learner 3 no longer exists in PICSWeb"
        );
        let down = ApplyError::from(sqlx::Error::PoolTimedOut);
        assert!(!down.is_permanent());
        assert!(!down.is_conflict());
        assert!(down.to_string().contains("retry later"), "{down}");
    }
}
