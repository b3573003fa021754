//! `refresh` with scope `all`: the nightly full synchronisation.
//!
//! Planned at once on the refresh lane (so it never holds up a button press):
//! - **fast path** (default): one *sweep* task goes to the bulk lane. It pages
//!   organisation-wide searches filtered by `LastModifiedFrom` (the start of the last
//!   complete full refresh) and publishes results only for learners whose data changed,
//!   then one `RunFinished` that marks every eligible learner synced. A few calls per
//!   hundred learners instead of two per learner.
//! - **per-learner** (fallback, or `--no-fast-path`): one bulk message per eligible
//!   learner. Chosen automatically when OneFile answers an organisation-wide search
//!   with `400` (the contract marks those filters as assumed).

use crate::context::Ctx;
use crate::error::StepError;
use crate::job::{Handled, Job};
use crate::refresh::{details_from_user, last_pushed, progress_of, user_update};
use chrono::{DateTime, Utc};
use domain::events::Envelope;
use domain::model::DemographicsMode;
use domain::refresh::details_of;
use domain::results::{LearnerResult, ResultBody, SyncResult};
use lapin::types::{AMQPValue, FieldTable};
use onefile_client::model::{LearningAimFilter, ReviewFilter, UserFilter, role};
use onefile_client::search::{LEARNING_AIMS, REVIEWS, USERS};
use producer::Outgoing;
use producer::enqueue::{ELIGIBLE_CONDITION, RUN_HEADER, fan_out_refresh};
use producer::topology::{BULK_KEY, WORK_EXCHANGE, sstr};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;

/// The header marking a sweep task on the bulk lane.
pub const TASK_HEADER: &str = "x-onefile-task";

/// Plans the full refresh of event `job` (its id is the run id).
pub async fn plan(ctx: &Ctx, job: &Job) -> Result<Handled, StepError> {
    let run_id = job.id();
    let fast = ctx.config.fast_path && ctx.org_search.load(Ordering::Relaxed);
    let mode = if fast { "fast" } else { "per-learner" };
    sqlx::query("INSERT INTO onefile_sync.refresh_run (run_id, mode) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(run_id)
        .bind(mode)
        .execute(&ctx.pool)
        .await?;
    let (mode, total): (String, Option<i32>) =
        sqlx::query_as("SELECT mode, total FROM onefile_sync.refresh_run WHERE run_id = $1")
            .bind(run_id)
            .fetch_one(&ctx.pool)
            .await?;
    if total.is_some() {
        return Ok(Handled::Skipped(format!(
            "full refresh {run_id} was planned already"
        )));
    }
    if mode == "fast" {
        ctx.publisher
            .publish(&sweep_message(run_id, &job.event.envelope.source))
            .await?;
        tracing::info!(%run_id, "full refresh planned: organisation-wide sweep");
    } else {
        let n = fan_out(ctx, run_id).await?;
        tracing::info!(%run_id, learners = n, "full refresh planned: one task per learner");
    }
    Ok(Handled::Done)
}

fn sweep_message(run_id: uuid::Uuid, source: &str) -> Outgoing {
    let mut headers = FieldTable::default();
    headers.insert(sstr(TASK_HEADER), AMQPValue::LongString("sweep".into()));
    headers.insert(
        sstr(RUN_HEADER),
        AMQPValue::LongString(run_id.to_string().into()),
    );
    Outgoing {
        exchange: WORK_EXCHANGE,
        routing_key: BULK_KEY.to_owned(),
        headers,
        ..Outgoing::event(&Envelope::refresh_all(source))
    }
}

/// Publishes one bulk task per eligible learner and records the total.
async fn fan_out(ctx: &Ctx, run_id: uuid::Uuid) -> Result<u64, StepError> {
    let n = fan_out_refresh(&ctx.pool, &ctx.publisher, run_id, "nightly", 1000)
        .await
        .map_err(|e| StepError::Transient(e.to_string()))?;
    set_total(ctx, run_id, n).await?;
    Ok(n)
}

async fn set_total(ctx: &Ctx, run_id: uuid::Uuid, total: u64) -> Result<(), StepError> {
    sqlx::query(
        "UPDATE onefile_sync.refresh_run SET total = $2,
             finished_at = CASE WHEN done >= $2 THEN now() ELSE finished_at END WHERE run_id = $1",
    )
    .bind(run_id)
    .bind(i32::try_from(total).unwrap_or(i32::MAX))
    .execute(&ctx.pool)
    .await?;
    Ok(())
}

/// An eligible learner and where its OneFile data maps back to PICSWeb.
#[derive(Debug, Default)]
struct Scope {
    learners: BTreeMap<i64, i64>,
    by_user: HashMap<i64, i64>,
    aims: HashMap<i64, (i64, i64)>,
    reviews: HashMap<i64, (i64, i64)>,
}

async fn load_scope(ctx: &Ctx) -> Result<Scope, StepError> {
    let learners: Vec<(i64, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT l.learner_id, coalesce(l.onefile_id, g.onefile_id) FROM picsweb.learner l
         LEFT JOIN onefile_sync.ledger g ON g.entity = 'learner' AND g.local_id = l.learner_id
         WHERE {ELIGIBLE_CONDITION} ORDER BY l.learner_id"
    ))
    .fetch_all(&ctx.pool)
    .await?;
    let mut scope = Scope::default();
    for (learner_id, user) in learners.into_iter().filter_map(|(l, u)| Some((l, u?))) {
        scope.learners.insert(learner_id, user);
        scope.by_user.insert(user, learner_id);
    }
    let ids: Vec<i64> = scope.learners.keys().copied().collect();
    let aims: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT q.learner_qualification_id, q.learner_id, coalesce(q.onefile_learning_aim_id, g.onefile_id)
         FROM picsweb.learner_qualification q
         LEFT JOIN onefile_sync.ledger g ON g.entity = 'learning_aim' AND g.local_id = q.learner_qualification_id
         WHERE q.learner_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&ctx.pool)
    .await?;
    scope.aims = aims
        .into_iter()
        .filter_map(|(lq, l, aim)| Some((aim?, (lq, l))))
        .collect();
    let reviews: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT r.review_id, r.learner_id, coalesce(r.onefile_id, g.onefile_id) FROM picsweb.review r
         LEFT JOIN onefile_sync.ledger g ON g.entity = 'review' AND g.local_id = r.review_id
         WHERE r.learner_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&ctx.pool)
    .await?;
    scope.reviews = reviews
        .into_iter()
        .filter_map(|(r, l, id)| Some((id?, (r, l))))
        .collect();
    Ok(scope)
}

/// The start of the last complete full refresh (minus a margin for clock skew).
async fn changed_since(ctx: &Ctx, run_id: uuid::Uuid) -> Result<Option<DateTime<Utc>>, StepError> {
    let since: Option<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT max(started_at) FROM onefile_sync.refresh_run WHERE finished_at IS NOT NULL AND run_id <> $1",
    )
    .bind(run_id)
    .fetch_one(&ctx.pool)
    .await?;
    Ok(since.map(|at| at - chrono::Duration::minutes(5)))
}

/// Runs a sweep: organisation-wide searches, results for changed learners, run finished.
pub async fn sweep(ctx: &Ctx, job: &Job) -> Result<Handled, StepError> {
    let Some(run_id) = job.run_id else {
        return Ok(Handled::Dead("sweep task without a run id".into()));
    };
    let settings = picsweb_db::bundle::settings(&ctx.pool).await?;
    let org = settings.onefile_organisation_id;
    let since = changed_since(ctx, run_id).await?;
    let scope = load_scope(ctx).await?;
    set_total(ctx, run_id, scope.learners.len() as u64).await?;
    let mut results: BTreeMap<i64, LearnerResult> = BTreeMap::new();
    match collect_changes(ctx, org, since, &scope, &mut results).await {
        Err(StepError::Refused {
            status: 400,
            message,
        }) => {
            tracing::warn!(%run_id, message, "OneFile refused an organisation-wide search; refreshing learner by learner");
            ctx.org_search.store(false, Ordering::Relaxed);
            sqlx::query("UPDATE onefile_sync.refresh_run SET mode = 'per-learner', total = NULL WHERE run_id = $1")
                .bind(run_id)
                .execute(&ctx.pool)
                .await?;
            fan_out(ctx, run_id).await?;
            return Ok(Handled::Done);
        }
        other => other?,
    }
    demographics(ctx, &settings, org, since, &scope, &mut results).await?;
    let changed = results.len();
    let mut messages: Vec<SyncResult> = results
        .into_values()
        .map(|r| SyncResult::learner(job.id(), Some(run_id), r))
        .collect();
    messages.push(SyncResult {
        id: domain::results::derived_id(job.id(), u64::MAX),
        event_id: job.id(),
        run_id: Some(run_id),
        produced_at: Utc::now(),
        body: ResultBody::RunFinished {
            learner_ids: scope.learners.keys().copied().collect(),
        },
    });
    for chunk in messages.chunks(500) {
        ctx.publish_results(chunk).await?;
    }
    tracing::info!(%run_id, eligible = scope.learners.len(), changed, "full refresh sweep done");
    Ok(Handled::Done)
}

async fn collect_changes(
    ctx: &Ctx,
    org: i64,
    since: Option<DateTime<Utc>>,
    scope: &Scope,
    results: &mut BTreeMap<i64, LearnerResult>,
) -> Result<(), StepError> {
    let filter = LearningAimFilter {
        organisation_id: Some(org),
        last_modified_from: since,
        ..LearningAimFilter::default()
    };
    let mut pager = ctx.client.pager(&LEARNING_AIMS, filter, 100);
    while let Some(page) = next_page(ctx, &mut pager).await? {
        for aim in page {
            if let Some(&(lq, learner)) = scope.aims.get(&aim.id) {
                entry(results, learner).aims.push((lq, progress_of(&aim)));
            }
        }
    }
    let filter = ReviewFilter {
        organisation_id: Some(org),
        last_modified_from: since,
        ..ReviewFilter::default()
    };
    let mut pager = ctx.client.pager(&REVIEWS, filter, 100);
    while let Some(page) = next_page(ctx, &mut pager).await? {
        for review in page {
            if let Some(&(review_id, learner)) = scope.reviews.get(&review.id) {
                entry(results, learner)
                    .reviews
                    .push((review_id, review.started_on.map(|at| at.date_naive())));
            }
        }
    }
    Ok(())
}

/// The next page, with the same retry policy as every other call (the pager stays on a
/// page that failed).
async fn next_page<F: serde::Serialize + Sync, T: serde::de::DeserializeOwned>(
    ctx: &Ctx,
    pager: &mut onefile_client::search::Pager<'_, F, T>,
) -> Result<Option<Vec<T>>, StepError> {
    let mut failures = 0;
    loop {
        match pager.next_page().await {
            Ok(page) => return Ok(page),
            Err(e) => ctx.pause_before_retry(&mut failures, e).await?,
        }
    }
}

fn entry(results: &mut BTreeMap<i64, LearnerResult>, learner_id: i64) -> &mut LearnerResult {
    results.entry(learner_id).or_insert_with(|| LearnerResult {
        learner_id,
        ..LearnerResult::default()
    })
}

/// Demographics for the sweep: Pull reads only users OneFile changed; Push sends only
/// learners whose details changed since last sent.
async fn demographics(
    ctx: &Ctx,
    settings: &domain::model::OneFileSettings,
    org: i64,
    since: Option<DateTime<Utc>>,
    scope: &Scope,
    results: &mut BTreeMap<i64, LearnerResult>,
) -> Result<(), StepError> {
    match settings.demographics().unwrap_or(DemographicsMode::Ignore) {
        DemographicsMode::Ignore => Ok(()),
        DemographicsMode::Pull => {
            let filter = UserFilter {
                organisation_id: Some(org),
                role: Some(role::LEARNER),
                last_modified_from: since,
                ..UserFilter::default()
            };
            let users = ctx
                .call(|| ctx.client.search_all(&USERS, filter.clone()))
                .await?;
            for user in users.iter().filter(|u| scope.by_user.contains_key(&u.id)) {
                let details = ctx.call(|| ctx.client.get_user(user.id)).await?;
                entry(results, scope.by_user[&user.id]).pulled_details =
                    Some(details_from_user(&details));
            }
            Ok(())
        }
        DemographicsMode::Push => {
            for (&learner_id, &user) in &scope.learners {
                let Some(bundle) = picsweb_db::bundle::load(&ctx.pool, learner_id).await? else {
                    continue;
                };
                let details = details_of(&bundle.learner);
                let fingerprint = details.fingerprint();
                if last_pushed(ctx, learner_id).await?.as_deref() == Some(fingerprint.as_str()) {
                    continue;
                }
                let update = user_update(&details);
                ctx.call(|| ctx.client.update_user(user, &update)).await?;
                entry(results, learner_id).pushed_fingerprint = Some(fingerprint);
            }
            Ok(())
        }
    }
}
