//! `enrol`: DESIGN.md's upload rules, in their order: officers, employer, learner,
//! qualifications, reviews. Nothing already in OneFile (an ID in PICSWeb or the ledger) is
//! created again.

use crate::context::Ctx;
use crate::error::StepError;
use crate::job::{Handled, Job};
use crate::ledger::Entity;
use domain::model::{LearnerBundle, Officer, Organisation};
use domain::results::{CreatedIds, LearnerResult};
use domain::upload::{
    LearnerUpload, ReviewUpload, check_required, choose_classroom, employer, officers_needed,
    standards_to_assign, uploadable_reviews,
};
use onefile_client::OneFileError;
use onefile_client::model::{
    Created, LearningAimFilter, NewPlacement, NewReview, NewUser, PlacementFilter, ReviewFilter,
    UserDetails, UserFilter, role,
};
use onefile_client::search::{LEARNING_AIMS, PLACEMENTS, REVIEWS, USERS};
use std::collections::HashMap;
use std::future::Future;

/// Uploads learner `learner_id` and everything the upload rules name.
pub async fn enrol(ctx: &Ctx, job: &Job, learner_id: i64) -> Result<Handled, StepError> {
    let Some(bundle) = picsweb_db::bundle::load(&ctx.pool, learner_id).await? else {
        return Ok(Handled::Dead(format!(
            "learner {learner_id} does not exist in PICSWeb"
        )));
    };
    if let Err(refusal) = check_required(&bundle) {
        tracing::info!(learner_id, event_id = %job.id(), missing = refusal.missing.len(), "learner not sent to OneFile: required data missing");
        return ctx.refuse(job, learner_id, refusal.to_string()).await;
    }
    let mut created = CreatedIds::default();
    let work = upload(ctx, job, &bundle, &mut created).await;
    let result = LearnerResult {
        learner_id,
        created,
        ..LearnerResult::default()
    };
    ctx.conclude(job, result, work).await
}

async fn upload(
    ctx: &Ctx,
    job: &Job,
    b: &LearnerBundle,
    ids: &mut CreatedIds,
) -> Result<(), StepError> {
    let org = b.settings.onefile_organisation_id;
    let mut officers = HashMap::new();
    for officer in officers_needed(b) {
        let id = ensure_officer(ctx, job, officer, org).await?;
        officers.insert(officer.officer_id, id);
        ids.officers.push((officer.officer_id, id));
    }
    let Some(employer) = employer(&b.placements) else {
        return Err(StepError::Refused {
            status: 0,
            message: "no placement".into(),
        });
    };
    let placement_id = ensure_organisation(ctx, job, employer, org).await?;
    ids.organisations
        .push((employer.organisation_id, placement_id));

    let classrooms = ctx.catalog.classrooms(ctx, org).await?;
    let main_officer = b
        .learner
        .main_officer_id
        .and_then(|id| officers.get(&id).copied());
    let user = learner_user(
        b,
        org,
        main_officer,
        placement_id,
        choose_classroom(&b.learner, &b.settings, &classrooms),
    );
    let mis_id = b.learner.learner_id.to_string();
    let learner = ctx
        .ensure(
            Entity::Learner,
            b.learner.learner_id,
            b.learner.onefile_id,
            job.redelivered,
            || find_user(ctx, org, role::LEARNER, &mis_id),
            || created(ctx.client.create_user(&user)),
        )
        .await?;
    ids.learner = Some(learner);

    let standards = ctx.catalog.standards(ctx, org).await?;
    for assignment in standards_to_assign(b, &standards) {
        let standard = assignment.standard_id;
        let aim = ctx
            .ensure(
                Entity::LearningAim,
                assignment.learner_qualification_id,
                None,
                job.redelivered,
                || find_aim(ctx, learner, standard),
                || created(ctx.client.assign_standard(standard, learner)),
            )
            .await?;
        ids.learning_aims
            .push((assignment.learner_qualification_id, aim));
    }
    for (review, upload) in uploadable_reviews(b) {
        let Some(&assessor) = officers.get(&upload.assessor_officer_id) else {
            continue;
        };
        let id = ensure_review(
            ctx,
            job,
            review.review_id,
            review.onefile_id,
            learner,
            assessor,
            &upload,
        )
        .await?;
        ids.reviews.push((review.review_id, id));
    }
    Ok(())
}

fn learner_user(
    b: &LearnerBundle,
    org: i64,
    assessor: Option<i64>,
    placement: i64,
    classroom: i64,
) -> NewUser {
    let up = LearnerUpload::from_learner(&b.learner);
    NewUser {
        organisation_id: org,
        first_name: up.first_name,
        last_name: up.last_name,
        role: role::LEARNER,
        mis_id: Some(up.mis_id),
        email: up.email,
        default_assessor_id: assessor,
        classroom_id: Some(classroom),
        placement_id: Some(placement),
        details: UserDetails {
            telephone: up.telephone,
            mobile_number: up.mobile,
            dob: up.dob,
            uln: up.uln,
            nino: up.nino,
            start_on: up.start_on,
            planned_end_date: up.planned_end_date,
            l12: up.l12,
            l13: up.l13,
            l14: up.l14,
        },
    }
}

/// The OneFile assessor for `officer`, created (name and MISID only) if needed.
pub async fn ensure_officer(
    ctx: &Ctx,
    job: &Job,
    officer: &Officer,
    org: i64,
) -> Result<i64, StepError> {
    let mis_id = officer.officer_id.to_string();
    let user = NewUser {
        organisation_id: org,
        first_name: officer.first_name.clone(),
        last_name: officer.surname.clone(),
        role: role::ASSESSOR,
        mis_id: Some(mis_id.clone()),
        ..NewUser::default()
    };
    ctx.ensure(
        Entity::Officer,
        officer.officer_id,
        officer.onefile_id,
        job.redelivered,
        || find_user(ctx, org, role::ASSESSOR, &mis_id),
        || created(ctx.client.create_user(&user)),
    )
    .await
}

async fn ensure_organisation(
    ctx: &Ctx,
    job: &Job,
    organisation: &Organisation,
    org: i64,
) -> Result<i64, StepError> {
    let mis_id = organisation.organisation_id.to_string();
    let placement = NewPlacement {
        organisation_id: org,
        name: organisation.name.clone(),
        mis_id: mis_id.clone(),
    };
    ctx.ensure(
        Entity::Organisation,
        organisation.organisation_id,
        organisation.onefile_id,
        job.redelivered,
        || find_placement(ctx, org, &mis_id),
        || created(ctx.client.create_placement(&placement)),
    )
    .await
}

/// Creates review `review_id` in OneFile unless it is there already.
pub async fn ensure_review(
    ctx: &Ctx,
    job: &Job,
    review_id: i64,
    known: Option<i64>,
    learner: i64,
    assessor: i64,
    upload: &ReviewUpload,
) -> Result<i64, StepError> {
    let review = new_review(learner, assessor, upload);
    ctx.ensure(
        Entity::Review,
        review_id,
        known,
        job.redelivered,
        || find_review(ctx, learner, assessor, review.scheduled_for),
        || created(ctx.client.create_review(&review)),
    )
    .await
}

/// The OneFile review for `upload` of learner `learner` with assessor `assessor`.
pub fn new_review(learner: i64, assessor: i64, upload: &ReviewUpload) -> NewReview {
    NewReview {
        learner_id: learner,
        assessor_id: assessor,
        scheduled_for: upload.scheduled_for,
        start_time: upload.start_time.clone(),
        end_time: upload.end_time.clone(),
        visit_type_id: i32::from(upload.visit_type_id),
        status: 1,
    }
}

/// The ID a create call answered.
async fn created(
    call: impl Future<Output = Result<Created, OneFileError>>,
) -> Result<i64, OneFileError> {
    call.await.map(|c| c.id)
}

async fn find_placement(ctx: &Ctx, org: i64, mis_id: &str) -> Result<Option<i64>, OneFileError> {
    let filter = PlacementFilter {
        organisation_id: org,
        mis_id: Some(mis_id.to_owned()),
        name: None,
    };
    Ok(ctx
        .client
        .search(&PLACEMENTS, &filter, 1, 10)
        .await?
        .first()
        .map(|p| p.id))
}

async fn find_review(
    ctx: &Ctx,
    learner: i64,
    assessor: i64,
    date: chrono::NaiveDate,
) -> Result<Option<i64>, OneFileError> {
    let filter = ReviewFilter {
        learner_id: Some(learner),
        ..ReviewFilter::default()
    };
    let rows = ctx.client.search_all(&REVIEWS, filter).await?;
    Ok(rows
        .iter()
        .find(|r| r.scheduled_for == Some(date) && r.assessor_id == Some(assessor))
        .map(|r| r.id))
}

async fn find_user(
    ctx: &Ctx,
    org: i64,
    role: i32,
    mis_id: &str,
) -> Result<Option<i64>, OneFileError> {
    let filter = UserFilter {
        organisation_id: Some(org),
        role: Some(role),
        mis_id: Some(mis_id.to_owned()),
        ..UserFilter::default()
    };
    Ok(ctx
        .client
        .search(&USERS, &filter, 1, 10)
        .await?
        .first()
        .map(|u| u.id))
}

async fn find_aim(ctx: &Ctx, learner: i64, standard: i64) -> Result<Option<i64>, OneFileError> {
    let filter = LearningAimFilter {
        user_id: Some(learner),
        ..LearningAimFilter::default()
    };
    let aims = ctx.client.search_all(&LEARNING_AIMS, filter).await?;
    Ok(aims
        .iter()
        .find(|a| a.standard_id == Some(standard))
        .map(|a| a.id))
}
