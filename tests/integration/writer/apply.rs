//! Applying results directly: exactly once, audited, nothing else touched.

use super::{
    audit_of, count, env_with, learner, lq, qualification, result_for, review, row, stored,
};
use domain::refresh::AimProgress;
use domain::results::{CreatedIds, Outcome};
use integration_tests::fixtures;
use writer::Applied;

fn progress(done: i32) -> AimProgress {
    AimProgress {
        total_elements: Some(20),
        elements_done: Some(done),
        ..AimProgress::default()
    }
}

#[tokio::test]
async fn a_result_applies_once_and_its_redelivery_changes_nothing() {
    let env = env_with(&[1]).await;
    qualification(&env.pool, 11, 1, false, &AimProgress::default()).await;
    let result = result_for(1, |r| r.aims = vec![(11, progress(5))]);
    assert_eq!(
        writer::apply(&env.pool, &result).await.unwrap(),
        Applied::Changed { columns: 3 }
    );

    // A user edits the row; the redelivered result must not put its value back.
    sqlx::query("UPDATE picsweb.learner_qualification SET elements_done = 6 WHERE learner_qualification_id = 11")
        .execute(&env.pool)
        .await
        .unwrap();
    let before = learner(&env.pool, 1).await;
    assert_eq!(
        writer::apply(&env.pool, &result).await.unwrap(),
        Applied::Duplicate
    );
    let outcomes = writer::apply_batch(&env.pool, &[result.clone(), result.clone()])
        .await
        .unwrap();
    assert!(
        outcomes.iter().all(|o| matches!(o, Ok(Applied::Duplicate))),
        "{outcomes:?}"
    );

    assert_eq!(lq(&env.pool, 11).await.elements_done, Some(6));
    assert_eq!(learner(&env.pool, 1).await, before);
    assert_eq!(
        audit_of(&env.pool, result.id).await.len(),
        3,
        "no second audit rows"
    );
    assert_eq!(
        count(
            &env.pool,
            "SELECT count(*) FROM onefile_sync.applied_result"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn audit_rows_name_every_changed_column_with_old_and_new_values() {
    let env = env_with(&[1]).await;
    qualification(&env.pool, 11, 1, false, &progress(4)).await;
    sqlx::query(
        "UPDATE picsweb.learner SET onefile_sync_error = 'OneFile was down' WHERE learner_id = 1",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    let result = result_for(1, |r| r.aims = vec![(11, progress(5))]);
    writer::apply(&env.pool, &result).await.unwrap();

    let synced = writer::columns::timestamp_text(result.produced_at);
    let expected = vec![
        row(
            "learner",
            1,
            "onefile_sync_error",
            Some("OneFile was down"),
            None,
        ),
        row("learner", 1, "onefile_synced_at", None, Some(&synced)),
        row(
            "learner_qualification",
            11,
            "elements_done",
            Some("4"),
            Some("5"),
        ),
    ];
    assert_eq!(audit_of(&env.pool, result.id).await, expected);
    let history = writer::audit::history(&env.pool, 1).await.unwrap();
    assert_eq!(history.len(), 3);
    assert!(history.iter().all(|e| e.result_id == result.id));
    let got = learner(&env.pool, 1).await;
    assert_eq!(got.onefile_synced_at, Some(stored(result.produced_at)));
    assert_eq!(got.onefile_sync_error, None);
}

#[tokio::test]
async fn created_onefile_ids_are_stored_once() {
    let env = env_with(&[1]).await;
    sqlx::query("UPDATE picsweb.learner SET onefile_id = NULL WHERE learner_id = 1")
        .execute(&env.pool)
        .await
        .unwrap();
    qualification(&env.pool, 11, 1, false, &AimProgress::default()).await;
    fixtures::review(&env.pool, 41, 1).await.unwrap();
    let created = CreatedIds {
        learner: Some(9001),
        officers: vec![(1, 9101)],
        organisations: vec![(1, 9201)],
        learning_aims: vec![(11, 9301)],
        reviews: vec![(41, 9401)],
    };
    let first = result_for(1, |r| r.created = created.clone());
    writer::apply(&env.pool, &first).await.unwrap();

    assert_eq!(learner(&env.pool, 1).await.onefile_id, Some(9001));
    assert_eq!(
        count(
            &env.pool,
            "SELECT onefile_id FROM picsweb.officer WHERE officer_id = 1"
        )
        .await,
        9101
    );
    assert_eq!(
        count(
            &env.pool,
            "SELECT onefile_id FROM picsweb.organisation WHERE organisation_id = 1"
        )
        .await,
        9201
    );
    assert_eq!(lq(&env.pool, 11).await.onefile_learning_aim_id, Some(9301));
    assert_eq!(review(&env.pool, 41).await.onefile_id, Some(9401));
    let ids: Vec<_> = audit_of(&env.pool, first.id)
        .await
        .into_iter()
        .filter(|a| a.2.starts_with("onefile_id") || a.2 == "onefile_learning_aim_id")
        .collect();
    assert_eq!(ids.len(), 5, "{ids:?}");
    assert!(ids.contains(&row("officer", 1, "onefile_id", None, Some("9101"))));

    // The same IDs again (another result): nothing to change, nothing audited but the sync time.
    let again = result_for(1, |r| r.created = created);
    assert_eq!(
        writer::apply(&env.pool, &again).await.unwrap(),
        Applied::Changed { columns: 1 }
    );
}

#[tokio::test]
async fn a_failed_outcome_sets_the_error_and_keeps_the_sync_time() {
    let env = env_with(&[1]).await;
    let synced = result_for(1, |_| {});
    writer::apply(&env.pool, &synced).await.unwrap();
    let failed = result_for(1, |r| {
        r.outcome = Outcome::Failed("Not sent to OneFile: no email address".into());
    });
    writer::apply(&env.pool, &failed).await.unwrap();

    let got = learner(&env.pool, 1).await;
    assert_eq!(
        got.onefile_sync_error.as_deref(),
        Some("Not sent to OneFile: no email address")
    );
    assert_eq!(got.onefile_synced_at, Some(stored(synced.produced_at)));
    assert_eq!(
        audit_of(&env.pool, failed.id).await,
        vec![row(
            "learner",
            1,
            "onefile_sync_error",
            None,
            Some("Not sent to OneFile: no email address")
        )]
    );
}

#[tokio::test]
async fn other_learners_and_rows_of_other_learners_are_untouched() {
    let env = env_with(&[1, 2]).await;
    qualification(&env.pool, 21, 2, false, &AimProgress::default()).await;
    fixtures::review(&env.pool, 42, 2).await.unwrap();
    let before = (
        learner(&env.pool, 2).await,
        lq(&env.pool, 21).await,
        review(&env.pool, 42).await,
    );
    // Learner 1's result naming learner 2's qualification and review changes neither.
    let result = result_for(1, |r| {
        r.aims = vec![(21, progress(5))];
        r.reviews = vec![(42, chrono::NaiveDate::from_ymd_opt(2026, 3, 2))];
        r.created.reviews = vec![(42, 9402)];
    });
    writer::apply(&env.pool, &result).await.unwrap();
    let after = (
        learner(&env.pool, 2).await,
        lq(&env.pool, 21).await,
        review(&env.pool, 42).await,
    );
    assert_eq!(after, before);
    assert_eq!(
        count(
            &env.pool,
            "SELECT count(*) FROM onefile_sync.audit WHERE learner_id = 2"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn the_writers_changes_queue_no_events_even_where_a_trigger_watches() {
    let env = env_with(&[1]).await;
    qualification(&env.pool, 11, 1, false, &AimProgress::default()).await;
    fixtures::review(&env.pool, 41, 1).await.unwrap();
    // A PICSWeb trigger on the refreshed columns, honouring the integration's flag.
    sqlx::raw_sql(
        "CREATE FUNCTION test_lq_changed() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF NOT onefile_sync.is_internal() THEN
                 PERFORM onefile_sync.enqueue_event('refresh', NEW.learner_id, NULL);
             END IF;
             RETURN NULL;
         END $$;
         CREATE TRIGGER test_lq AFTER UPDATE ON picsweb.learner_qualification
             FOR EACH ROW EXECUTE FUNCTION test_lq_changed();
         DELETE FROM onefile_sync.outbox;",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    let result = result_for(1, |r| {
        r.aims = vec![(11, progress(5))];
        r.created.reviews = vec![(41, 9401)];
        r.reviews = vec![(41, chrono::NaiveDate::from_ymd_opt(2026, 3, 2))];
    });
    writer::apply(&env.pool, &result).await.unwrap();
    assert_eq!(fixtures::outbox_len(&env.pool).await.unwrap(), 0);
    // The trigger works: the same kind of change by a PICSWeb user queues an event.
    sqlx::query("UPDATE picsweb.learner_qualification SET elements_done = 6")
        .execute(&env.pool)
        .await
        .unwrap();
    assert_eq!(fixtures::outbox_len(&env.pool).await.unwrap(), 1);
}

#[tokio::test]
async fn a_late_older_result_never_moves_the_sync_time_backwards() {
    let env = env_with(&[1]).await;
    let newer = result_for(1, |_| {});
    let mut older = result_for(1, |_| {});
    older.produced_at = newer.produced_at - chrono::Duration::hours(1);
    writer::apply(&env.pool, &newer).await.unwrap();
    writer::apply(&env.pool, &older).await.unwrap();
    assert_eq!(
        learner(&env.pool, 1).await.onefile_synced_at,
        Some(stored(newer.produced_at))
    );
    assert!(
        audit_of(&env.pool, older.id).await.is_empty(),
        "the older result changed nothing"
    );
}
