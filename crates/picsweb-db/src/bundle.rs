//! Reading what the upload or refresh of one learner needs, in one go.

use domain::model::{
    Learner, LearnerBundle, LearnerQualification, Officer, OneFileSettings, Organisation,
    Placement, Qualification, Review,
};
use sqlx::PgPool;
use std::collections::HashMap;

/// Why a bundle could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The settings row (`picsweb.onefile_settings`) is missing.
    #[error(
        "picsweb.onefile_settings has no row: set the OneFile organisation and classroom first"
    )]
    NoSettings,
    /// The database failed.
    #[error("PICSWeb database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// The integration settings (one row).
pub async fn settings(pool: &PgPool) -> Result<OneFileSettings, BundleError> {
    sqlx::query_as("SELECT * FROM picsweb.onefile_settings WHERE id = 1")
        .fetch_optional(pool)
        .await?
        .ok_or(BundleError::NoSettings)
}

/// Everything about learner `learner_id`, or `None` when there is no such learner.
pub async fn load(pool: &PgPool, learner_id: i64) -> Result<Option<LearnerBundle>, BundleError> {
    let Some(learner) =
        sqlx::query_as::<_, Learner>("SELECT * FROM picsweb.learner WHERE learner_id = $1")
            .bind(learner_id)
            .fetch_optional(pool)
            .await?
    else {
        return Ok(None);
    };
    let settings = settings(pool).await?;
    let placements: Vec<Placement> = sqlx::query_as(
        "SELECT * FROM picsweb.placement WHERE learner_id = $1 ORDER BY placement_id",
    )
    .bind(learner_id)
    .fetch_all(pool)
    .await?;
    let lqs: Vec<LearnerQualification> = sqlx::query_as(
        "SELECT * FROM picsweb.learner_qualification WHERE learner_id = $1 ORDER BY learner_qualification_id",
    )
    .bind(learner_id)
    .fetch_all(pool)
    .await?;
    let reviews: Vec<Review> =
        sqlx::query_as("SELECT * FROM picsweb.review WHERE learner_id = $1 ORDER BY review_id")
            .bind(learner_id)
            .fetch_all(pool)
            .await?;

    let org_ids: Vec<i64> = placements.iter().map(|p| p.organisation_id).collect();
    let orgs: HashMap<i64, Organisation> = by_id(
        sqlx::query_as("SELECT * FROM picsweb.organisation WHERE organisation_id = ANY($1)")
            .bind(&org_ids)
            .fetch_all(pool)
            .await?,
        |o: &Organisation| o.organisation_id,
    );
    let qual_ids: Vec<i64> = lqs.iter().map(|q| q.qualification_id).collect();
    let quals: HashMap<i64, Qualification> = by_id(
        sqlx::query_as("SELECT * FROM picsweb.qualification WHERE qualification_id = ANY($1)")
            .bind(&qual_ids)
            .fetch_all(pool)
            .await?,
        |q: &Qualification| q.qualification_id,
    );
    let officer_ids: Vec<i64> = learner
        .main_officer_id
        .into_iter()
        .chain(lqs.iter().filter_map(|q| q.assessor_officer_id))
        .chain(reviews.iter().filter_map(|r| r.officer_id))
        .collect();
    let officers: HashMap<i64, Officer> = by_id(
        sqlx::query_as("SELECT * FROM picsweb.officer WHERE officer_id = ANY($1)")
            .bind(&officer_ids)
            .fetch_all(pool)
            .await?,
        |o: &Officer| o.officer_id,
    );
    let officer = |id: Option<i64>| id.and_then(|id| officers.get(&id).cloned());
    Ok(Some(LearnerBundle {
        main_officer: officer(learner.main_officer_id),
        placements: placements
            .into_iter()
            .filter_map(|p| orgs.get(&p.organisation_id).cloned().map(|o| (p, o)))
            .collect(),
        qualifications: lqs
            .into_iter()
            .filter_map(|lq| {
                let qual = quals.get(&lq.qualification_id).cloned()?;
                let assessor = officer(lq.assessor_officer_id);
                Some((lq, qual, assessor))
            })
            .collect(),
        reviews: reviews
            .into_iter()
            .map(|r| {
                let o = officer(r.officer_id);
                (r, o)
            })
            .collect(),
        learner,
        settings,
    }))
}

fn by_id<T>(rows: Vec<T>, key: impl Fn(&T) -> i64) -> HashMap<i64, T> {
    rows.into_iter().map(|row| (key(&row), row)).collect()
}
