//! `review-change`: create or update one review of an enrolled learner.

use crate::context::Ctx;
use crate::enrol::{ensure_officer, ensure_review};
use crate::error::StepError;
use crate::job::{Handled, Job};
use crate::ledger::Entity;
use domain::results::{CreatedIds, LearnerResult};
use domain::upload::ReviewUpload;
use onefile_client::model::ReviewUpdate;

/// Creates or updates review `review_id` of learner `learner_id` per the review rules.
pub async fn review_change(
    ctx: &Ctx,
    job: &Job,
    learner_id: i64,
    review_id: i64,
) -> Result<Handled, StepError> {
    let Some(bundle) = picsweb_db::bundle::load(&ctx.pool, learner_id).await? else {
        return Ok(Handled::Skipped(format!(
            "learner {learner_id} no longer exists in PICSWeb"
        )));
    };
    let Some(learner) = ctx
        .known_id(Entity::Learner, learner_id, bundle.learner.onefile_id)
        .await?
    else {
        return Ok(Handled::Skipped(format!(
            "learner {learner_id} is not in OneFile yet; the review goes up with the enrolment"
        )));
    };
    let Some((review, _)) = bundle.review(review_id) else {
        return Ok(Handled::Skipped(format!(
            "review {review_id} no longer exists for learner {learner_id}"
        )));
    };
    let Some(upload) = ReviewUpload::build(review, &bundle.learner, &bundle.settings) else {
        return Ok(Handled::Skipped(format!(
            "review {review_id} does not meet the review rules (it needs a date, a start time and an officer)"
        )));
    };
    let Some(officer) = bundle.officer(upload.assessor_officer_id) else {
        return Ok(Handled::Skipped(format!(
            "the officer of review {review_id} no longer exists"
        )));
    };
    let org = bundle.settings.onefile_organisation_id;
    let assessor = ensure_officer(ctx, job, officer, org).await?;
    let mut created = CreatedIds {
        officers: vec![(officer.officer_id, assessor)],
        ..CreatedIds::default()
    };
    let outcome = match ctx
        .known_id(Entity::Review, review_id, review.onefile_id)
        .await?
    {
        Some(id) => {
            let update = ReviewUpdate {
                assessor_id: Some(assessor),
                scheduled_for: Some(upload.scheduled_for),
                start_time: Some(upload.start_time.clone()),
                end_time: Some(upload.end_time.clone()),
                visit_type_id: Some(i32::from(upload.visit_type_id)),
            };
            created.reviews.push((review_id, id));
            ctx.call(|| ctx.client.update_review(id, &update)).await
        }
        None => ensure_review(ctx, job, review_id, None, learner, assessor, &upload)
            .await
            .map(|id| created.reviews.push((review_id, id))),
    };
    let result = LearnerResult {
        learner_id,
        created,
        ..LearnerResult::default()
    };
    ctx.conclude(job, result, outcome).await
}
