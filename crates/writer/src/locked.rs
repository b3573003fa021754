//! The PICSWeb rows a round of results may change, read `FOR UPDATE` in one query per
//! table, so the merge rules decide against values nobody can change underneath them.
//!
//! Tables are locked in one order (learners, officers, organisations, qualifications,
//! reviews) and rows in key order, so two writers locking the same rows wait for each
//! other instead of deadlocking; a deadlock with a PICSWeb user is retried.

use std::collections::HashMap;

use domain::model::{Learner, LearnerQualification, Review};
use domain::results::LearnerResult;
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgConnection};

/// The OneFile ID an officer or organisation holds (`None`: not uploaded yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HeldId(pub(crate) Option<i64>);

/// The rows of one round, locked.
#[derive(Default)]
pub(crate) struct Locked {
    learners: HashMap<i64, Learner>,
    officers: HashMap<i64, HeldId>,
    organisations: HashMap<i64, HeldId>,
    aims: HashMap<i64, LearnerQualification>,
    reviews: HashMap<i64, Review>,
}

/// Locks learners.
const LEARNERS: &str =
    "SELECT * FROM picsweb.learner WHERE learner_id = ANY($1) ORDER BY learner_id FOR UPDATE";
/// Locks officers, reading their OneFile IDs.
const OFFICERS: &str = "SELECT officer_id, onefile_id FROM picsweb.officer
     WHERE officer_id = ANY($1) ORDER BY officer_id FOR UPDATE";
/// Locks organisations, reading their OneFile IDs.
const ORGANISATIONS: &str = "SELECT organisation_id, onefile_id FROM picsweb.organisation
     WHERE organisation_id = ANY($1) ORDER BY organisation_id FOR UPDATE";
/// Locks learner qualifications.
const AIMS: &str = "SELECT * FROM picsweb.learner_qualification
     WHERE learner_qualification_id = ANY($1) ORDER BY learner_qualification_id FOR UPDATE";
/// Locks reviews.
const REVIEWS: &str =
    "SELECT * FROM picsweb.review WHERE review_id = ANY($1) ORDER BY review_id FOR UPDATE";

impl Locked {
    /// Locks and reads every row that `results` name.
    pub(crate) async fn read(
        conn: &mut PgConnection,
        results: &[&LearnerResult],
    ) -> sqlx::Result<Self> {
        let ids =
            |pick: fn(&LearnerResult) -> Vec<i64>| sorted(results.iter().flat_map(|r| pick(r)));
        let learners: Vec<Learner> = lock(conn, LEARNERS, &ids(|r| vec![r.learner_id])).await?;
        let officers: Vec<(i64, Option<i64>)> =
            lock(conn, OFFICERS, &ids(|r| keys(&r.created.officers))).await?;
        let organisations: Vec<(i64, Option<i64>)> = lock(
            conn,
            ORGANISATIONS,
            &ids(|r| keys(&r.created.organisations)),
        )
        .await?;
        let aims: Vec<LearnerQualification> = lock(conn, AIMS, &ids(aim_ids)).await?;
        let reviews: Vec<Review> = lock(conn, REVIEWS, &ids(review_ids)).await?;
        let held = |rows: Vec<(i64, Option<i64>)>| {
            rows.into_iter()
                .map(|(id, onefile_id)| (id, HeldId(onefile_id)))
                .collect()
        };
        Ok(Self {
            learners: learners.into_iter().map(|l| (l.learner_id, l)).collect(),
            officers: held(officers),
            organisations: held(organisations),
            aims: aims
                .into_iter()
                .map(|a| (a.learner_qualification_id, a))
                .collect(),
            reviews: reviews.into_iter().map(|r| (r.review_id, r)).collect(),
        })
    }

    /// The learner, if it still exists.
    pub(crate) fn learner(&self, learner_id: i64) -> Option<&Learner> {
        self.learners.get(&learner_id)
    }

    /// The OneFile ID an officer holds; `None` when the officer no longer exists.
    pub(crate) fn officer(&self, officer_id: i64) -> Option<HeldId> {
        self.officers.get(&officer_id).copied()
    }

    /// The OneFile ID an organisation holds; `None` when it no longer exists.
    pub(crate) fn organisation(&self, organisation_id: i64) -> Option<HeldId> {
        self.organisations.get(&organisation_id).copied()
    }

    /// A qualification of this learner (another learner's counts as missing).
    pub(crate) fn aim(&self, learner_id: i64, id: i64) -> Option<&LearnerQualification> {
        self.aims
            .get(&id)
            .filter(|aim| aim.learner_id == learner_id)
    }

    /// A review of this learner (another learner's counts as missing).
    pub(crate) fn review(&self, learner_id: i64, id: i64) -> Option<&Review> {
        self.reviews
            .get(&id)
            .filter(|review| review.learner_id == learner_id)
    }
}

/// The qualifications a result touches: learning aims created, progress refreshed.
pub(crate) fn aim_ids(result: &LearnerResult) -> Vec<i64> {
    sorted(
        keys(&result.created.learning_aims)
            .into_iter()
            .chain(keys(&result.aims)),
    )
}

/// The reviews a result touches: reviews created, attendance refreshed.
pub(crate) fn review_ids(result: &LearnerResult) -> Vec<i64> {
    sorted(
        keys(&result.created.reviews)
            .into_iter()
            .chain(keys(&result.reviews)),
    )
}

fn keys<T>(pairs: &[(i64, T)]) -> Vec<i64> {
    pairs.iter().map(|(id, _)| *id).collect()
}

/// Distinct ids in ascending order (the order rows are locked in).
fn sorted(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Runs one locking read, or none when there is nothing to lock.
async fn lock<T>(conn: &mut PgConnection, sql: &'static str, ids: &[i64]) -> sqlx::Result<Vec<T>>
where
    T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(sql).bind(ids).fetch_all(conn).await
}
