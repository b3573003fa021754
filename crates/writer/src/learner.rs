//! What one learner's result changes, decided against the locked rows: the OneFile IDs
//! an upload created, the refreshed qualifications and reviews (the domain's merge
//! rules), Pull mode details, and the outcome users see (`onefile_synced_at`,
//! `onefile_sync_error`).
//!
//! Planning is pure: nothing is written until every result of the round is planned, so a
//! result that cannot apply (its learner deleted) leaves nothing behind. A row of the
//! learner that no longer exists (a review deleted since) is skipped.

use chrono::{DateTime, Utc};
use domain::model::Learner;
use domain::refresh::{learner_changes, qualification_changes, review_changes};
use domain::results::{LearnerResult, Outcome};

use crate::ApplyError;
use crate::columns::{Change, Table};
use crate::locked::{HeldId, Locked, aim_ids, review_ids};
use crate::updates::RowWrite;

/// The row writes that apply `result`; `Err` when it can never apply.
pub(crate) fn plan(
    locked: &Locked,
    result: &LearnerResult,
    produced_at: DateTime<Utc>,
) -> Result<Vec<RowWrite>, ApplyError> {
    let learner_id = result.learner_id;
    let learner = locked.learner(learner_id).ok_or_else(|| {
        ApplyError::permanent(format!("learner {learner_id} no longer exists in PICSWeb"))
    })?;
    let mut writes = vec![RowWrite::new(
        Table::Learner,
        learner_id,
        learner_row_changes(learner, result, produced_at),
    )?];
    let officers = first_per_row(&result.created.officers)
        .map(|(id, onefile_id)| (Table::Officer, id, locked.officer(id), onefile_id));
    let organisations = first_per_row(&result.created.organisations)
        .map(|(id, onefile_id)| (Table::Organisation, id, locked.organisation(id), onefile_id));
    for (table, row_id, held, onefile_id) in officers.chain(organisations) {
        writes.push(id_write(learner_id, table, row_id, held, onefile_id)?);
    }
    for id in aim_ids(result) {
        writes.push(aim_write(locked, result, id)?);
    }
    for id in review_ids(result) {
        writes.push(review_write(locked, result, id)?);
    }
    Ok(writes.into_iter().flatten().collect())
}

/// The `learner` columns to change: its OneFile ID, Pull mode details, the outcome.
fn learner_row_changes(
    learner: &Learner,
    result: &LearnerResult,
    produced_at: DateTime<Utc>,
) -> Vec<Change> {
    let id = result
        .created
        .learner
        .and_then(|created| Change::id("onefile_id", learner.onefile_id, created));
    let details = result
        .pulled_details
        .iter()
        .flat_map(|details| learner_changes(learner, details))
        .map(|change| Change::from(&change));
    let error = learner.onefile_sync_error.as_deref();
    // A late redelivery of an older result never moves the sync time backwards.
    let synced_at = learner
        .onefile_synced_at
        .map_or(produced_at, |at| at.max(produced_at));
    let outcome = match &result.outcome {
        Outcome::Synced => [
            Change::timestamp("onefile_synced_at", learner.onefile_synced_at, synced_at),
            Change::text("onefile_sync_error", error, None),
        ],
        Outcome::Failed(reason) => [
            Change::text("onefile_sync_error", error, Some(reason)),
            None,
        ],
    };
    id.into_iter()
        .chain(details)
        .chain(outcome.into_iter().flatten())
        .collect()
}

/// The OneFile ID of an officer or organisation (`held`: `None` when the row is gone).
fn id_write(
    learner_id: i64,
    table: Table,
    row_id: i64,
    held: Option<HeldId>,
    onefile_id: i64,
) -> Result<Option<RowWrite>, ApplyError> {
    let Some(HeldId(held)) = held else {
        tracing::debug!(
            learner_id,
            table = table.name(),
            row_id,
            "row no longer in PICSWeb; its OneFile ID is not stored"
        );
        return Ok(None);
    };
    let change = Change::id("onefile_id", held, onefile_id);
    RowWrite::new(table, row_id, change.into_iter().collect())
}

/// A qualification's learning aim ID and refreshed progress.
fn aim_write(
    locked: &Locked,
    result: &LearnerResult,
    id: i64,
) -> Result<Option<RowWrite>, ApplyError> {
    let Some(lq) = locked.aim(result.learner_id, id) else {
        tracing::debug!(
            learner_id = result.learner_id,
            learner_qualification_id = id,
            "qualification no longer in PICSWeb; skipped"
        );
        return Ok(None);
    };
    let aim_id = find(&result.created.learning_aims, id)
        .and_then(|aim| Change::id("onefile_learning_aim_id", lq.onefile_learning_aim_id, *aim));
    let progress = find(&result.aims, id)
        .map(|aim| qualification_changes(lq, aim))
        .unwrap_or_default();
    let changes = aim_id
        .into_iter()
        .chain(progress.iter().map(Change::from))
        .collect();
    RowWrite::new(Table::LearnerQualification, id, changes)
}

/// A review's OneFile ID and whether (and when) the learner attended.
fn review_write(
    locked: &Locked,
    result: &LearnerResult,
    id: i64,
) -> Result<Option<RowWrite>, ApplyError> {
    let Some(review) = locked.review(result.learner_id, id) else {
        tracing::debug!(
            learner_id = result.learner_id,
            review_id = id,
            "review no longer in PICSWeb; skipped"
        );
        return Ok(None);
    };
    let onefile_id = find(&result.created.reviews, id)
        .and_then(|created| Change::id("onefile_id", review.onefile_id, *created));
    let attended = find(&result.reviews, id)
        .map(|started_on| review_changes(review, *started_on))
        .unwrap_or_default();
    let changes = onefile_id
        .into_iter()
        .chain(attended.iter().map(Change::from))
        .collect();
    RowWrite::new(Table::Review, id, changes)
}

/// `(row id, OneFile ID)` pairs, the first for each row should a list name one twice.
fn first_per_row(pairs: &[(i64, i64)]) -> impl Iterator<Item = (i64, i64)> + '_ {
    pairs
        .iter()
        .enumerate()
        .filter(|(index, (id, _))| !pairs[..*index].iter().any(|(seen, _)| seen == id))
        .map(|(_, pair)| *pair)
}

/// The value paired with `id` (the first, should a list name a row twice).
fn find<T>(pairs: &[(i64, T)], id: i64) -> Option<&T> {
    pairs
        .iter()
        .find(|(key, _)| *key == id)
        .map(|(_, value)| value)
}
