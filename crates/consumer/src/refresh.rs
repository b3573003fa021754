//! `refresh` of one learner: the button, and each learner of a per-learner full refresh.
//!
//! Learning aims and reviews come from OneFile; demographics follow `demographics_mode`
//! (Pull: read, Push: sent only when changed since last sent); reviews that meet the
//! rules but were never uploaded are uploaded. The writer applies the merge rule.

use crate::context::Ctx;
use crate::enrol::{ensure_officer, ensure_review};
use crate::error::StepError;
use crate::job::{Handled, Job};
use crate::ledger::Entity;
use domain::model::{DemographicsMode, LearnerBundle};
use domain::refresh::{AimProgress, LearnerDetails, details_of};
use domain::results::LearnerResult;
use domain::upload::uploadable_reviews;
use onefile_client::model::{
    LearningAim, LearningAimFilter, ReviewFilter, User, UserDetails, UserUpdate,
};
use onefile_client::search::{LEARNING_AIMS, REVIEWS};
use std::collections::HashMap;

/// Refreshes learner `learner_id` and publishes the result.
pub async fn refresh_learner(ctx: &Ctx, job: &Job, learner_id: i64) -> Result<Handled, StepError> {
    let Some(bundle) = picsweb_db::bundle::load(&ctx.pool, learner_id).await? else {
        return Ok(Handled::Skipped(format!(
            "learner {learner_id} no longer exists in PICSWeb"
        )));
    };
    let Some(user) = ctx
        .known_id(Entity::Learner, learner_id, bundle.learner.onefile_id)
        .await?
    else {
        let reason = "Not in OneFile yet: enrol the learner with OneFile first".to_owned();
        return ctx.refuse(job, learner_id, reason).await;
    };
    let mut result = LearnerResult {
        learner_id,
        ..LearnerResult::default()
    };
    let work = gather(ctx, job, &bundle, user, &mut result).await;
    ctx.conclude(job, result, work).await
}

async fn gather(
    ctx: &Ctx,
    job: &Job,
    b: &LearnerBundle,
    user: i64,
    result: &mut LearnerResult,
) -> Result<(), StepError> {
    let filter = LearningAimFilter {
        user_id: Some(user),
        ..LearningAimFilter::default()
    };
    let aims: HashMap<i64, LearningAim> = ctx
        .call(|| ctx.client.search_all(&LEARNING_AIMS, filter.clone()))
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    for (lq, ..) in &b.qualifications {
        let known = ctx
            .known_id(
                Entity::LearningAim,
                lq.learner_qualification_id,
                lq.onefile_learning_aim_id,
            )
            .await?;
        if let Some(aim) = known.and_then(|id| aims.get(&id)) {
            result
                .aims
                .push((lq.learner_qualification_id, progress_of(aim)));
        }
    }
    let filter = ReviewFilter {
        learner_id: Some(user),
        ..ReviewFilter::default()
    };
    let started: HashMap<i64, Option<chrono::NaiveDate>> = ctx
        .call(|| ctx.client.search_all(&REVIEWS, filter.clone()))
        .await?
        .into_iter()
        .map(|r| (r.id, r.started_on.map(|at| at.date_naive())))
        .collect();
    for (review, _) in &b.reviews {
        let known = ctx
            .known_id(Entity::Review, review.review_id, review.onefile_id)
            .await?;
        if let Some(started_on) = known.and_then(|id| started.get(&id)) {
            result.reviews.push((review.review_id, *started_on));
        }
    }
    demographics(ctx, b, user, result).await?;
    upload_new_reviews(ctx, job, b, user, result).await
}

/// A learning aim's progress fields.
pub fn progress_of(aim: &LearningAim) -> AimProgress {
    AimProgress {
        total_elements: aim.total_elements,
        elements_done: aim.elements_done,
        registration_number: aim.registration_number.clone(),
        registration_date: aim.registration_date,
        certificate_applied_date: aim.certificate_applied_date,
        certificate_received_date: aim.certificate_received_date,
    }
}

/// Pull: OneFile's details for the merge. Push: PICSWeb's details, sent when changed.
async fn demographics(
    ctx: &Ctx,
    b: &LearnerBundle,
    user: i64,
    result: &mut LearnerResult,
) -> Result<(), StepError> {
    match b
        .settings
        .demographics()
        .unwrap_or(DemographicsMode::Ignore)
    {
        DemographicsMode::Ignore => Ok(()),
        DemographicsMode::Pull => {
            let details = ctx.call(|| ctx.client.get_user(user)).await?;
            result.pulled_details = Some(details_from_user(&details));
            Ok(())
        }
        DemographicsMode::Push => {
            let details = details_of(&b.learner);
            let fingerprint = details.fingerprint();
            if last_pushed(ctx, b.learner.learner_id).await?.as_deref()
                == Some(fingerprint.as_str())
            {
                return Ok(());
            }
            let update = user_update(&details);
            ctx.call(|| ctx.client.update_user(user, &update)).await?;
            result.pushed_fingerprint = Some(fingerprint);
            Ok(())
        }
    }
}

/// The fingerprint of the details last sent to OneFile for `learner_id`.
pub async fn last_pushed(ctx: &Ctx, learner_id: i64) -> Result<Option<String>, StepError> {
    Ok(sqlx::query_scalar(
        "SELECT fingerprint FROM onefile_sync.learner_push WHERE learner_id = $1",
    )
    .bind(learner_id)
    .fetch_optional(&ctx.pool)
    .await?)
}

/// OneFile's user as demographics.
pub fn details_from_user(u: &User) -> LearnerDetails {
    LearnerDetails {
        first_name: u.first_name.clone(),
        surname: u.last_name.clone(),
        email: u.email.clone(),
        telephone: u.telephone.clone(),
        mobile: u.mobile_number.clone(),
        dob: u.dob,
        uln: u.uln.clone(),
        nino: u.nino.clone(),
        ethnicity: u.l12.as_deref().and_then(|c| c.trim().parse().ok()),
        sex: u.l13.clone(),
        disability: u.l14.as_deref().and_then(|c| c.trim().parse().ok()),
    }
}

/// PICSWeb's details as a OneFile update.
pub fn user_update(d: &LearnerDetails) -> UserUpdate {
    UserUpdate {
        first_name: d.first_name.clone(),
        last_name: d.surname.clone(),
        email: d.email.clone(),
        details: UserDetails {
            telephone: d.telephone.clone(),
            mobile_number: d.mobile.clone(),
            dob: d.dob,
            uln: d.uln.clone(),
            nino: d.nino.clone(),
            l12: d.ethnicity.map(|c| c.to_string()),
            l13: d.sex.clone(),
            l14: d.disability.map(|c| c.to_string()),
            ..UserDetails::default()
        },
    }
}

/// Uploads reviews that meet the rules but were never uploaded.
async fn upload_new_reviews(
    ctx: &Ctx,
    job: &Job,
    b: &LearnerBundle,
    user: i64,
    result: &mut LearnerResult,
) -> Result<(), StepError> {
    let org = b.settings.onefile_organisation_id;
    for (review, upload) in uploadable_reviews(b) {
        if ctx
            .known_id(Entity::Review, review.review_id, review.onefile_id)
            .await?
            .is_some()
        {
            continue;
        }
        let Some(officer) = b.officer(upload.assessor_officer_id) else {
            continue;
        };
        let assessor = ensure_officer(ctx, job, officer, org).await?;
        result.created.officers.push((officer.officer_id, assessor));
        let id = ensure_review(ctx, job, review.review_id, None, user, assessor, &upload).await?;
        result.created.reviews.push((review.review_id, id));
    }
    Ok(())
}
