//! Results that can never apply, batches, full-refresh runs and Push fingerprints.

use super::{audit_of, count, env_with, learner, lq, qualification, result_for, row, stored};
use domain::refresh::AimProgress;
use domain::results::{ResultBody, SyncResult};
use uuid::Uuid;
use writer::{Applied, ApplyError};

fn progress(done: i32) -> AimProgress {
    AimProgress {
        total_elements: Some(20),
        elements_done: Some(done),
        ..AimProgress::default()
    }
}

#[tokio::test]
async fn a_deleted_learner_is_permanent_and_leaves_nothing() {
    let env = env_with(&[1]).await;
    let result = result_for(99, |r| r.aims = vec![(11, progress(5))]);
    let err = writer::apply(&env.pool, &result).await.unwrap_err();
    assert!(
        matches!(&err, ApplyError::Permanent(reason) if reason == "learner 99 no longer exists in PICSWeb"),
        "{err}"
    );
    assert_eq!(
        count(
            &env.pool,
            "SELECT count(*) FROM onefile_sync.applied_result"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn in_a_batch_each_result_stands_or_falls_alone() {
    let env = env_with(&[1, 2, 3]).await;
    let ok_1 = result_for(1, |_| {});
    let gone = result_for(99, |_| {});
    // Learner 2 already holds OneFile ID 5002: PICSWeb's unique constraint refuses it for 3.
    let refused = result_for(3, |r| r.created.learner = Some(5002));
    let ok_2 = result_for(2, |_| {});
    let batch = [ok_1.clone(), gone, refused.clone(), ok_2.clone()];
    let outcomes = writer::apply_batch(&env.pool, &batch).await.unwrap();

    assert!(
        matches!(outcomes[0], Ok(Applied::Changed { columns: 1 })),
        "{outcomes:?}"
    );
    assert!(
        matches!(&outcomes[1], Err(ApplyError::Permanent(r)) if r.contains("learner 99")),
        "{outcomes:?}"
    );
    assert!(
        matches!(&outcomes[2], Err(ApplyError::Permanent(r)) if r.contains("23505")),
        "{outcomes:?}"
    );
    assert!(
        matches!(outcomes[3], Ok(Applied::Changed { columns: 1 })),
        "{outcomes:?}"
    );
    assert!(
        learner(&env.pool, 3).await.onefile_synced_at.is_none(),
        "nothing of the refused result"
    );
    assert!(audit_of(&env.pool, refused.id).await.is_empty());
    let applied: Vec<Uuid> =
        sqlx::query_scalar("SELECT result_id FROM onefile_sync.applied_result ORDER BY applied_at")
            .fetch_all(&env.pool)
            .await
            .unwrap();
    assert_eq!(applied.len(), 2);
    assert!(applied.contains(&ok_1.id) && applied.contains(&ok_2.id));
}

#[tokio::test]
async fn two_results_of_one_learner_in_a_batch_apply_in_order() {
    let env = env_with(&[1]).await;
    qualification(&env.pool, 11, 1, false, &AimProgress::default()).await;
    let first = result_for(1, |r| r.aims = vec![(11, progress(5))]);
    let second = result_for(1, |r| r.aims = vec![(11, progress(7))]);
    writer::apply_batch(&env.pool, &[first, second.clone()])
        .await
        .unwrap();
    assert_eq!(lq(&env.pool, 11).await.elements_done, Some(7));
    let done = audit_of(&env.pool, second.id)
        .await
        .into_iter()
        .find(|a| a.2 == "elements_done");
    assert_eq!(
        done,
        Some(row(
            "learner_qualification",
            11,
            "elements_done",
            Some("5"),
            Some("7")
        ))
    );
}

#[tokio::test]
async fn runs_count_each_learner_once_and_finish_at_their_total() {
    let env = env_with(&[1, 2, 3]).await;
    let run_id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO onefile_sync.refresh_run (run_id, mode, total) VALUES ($1, 'per-learner', 2)",
    )
    .bind(run_id)
    .execute(&env.pool)
    .await
    .unwrap();
    let run = |sql: &str| sql.replace("$run", &format!("'{run_id}'"));
    let in_run = |id| SyncResult {
        run_id: Some(run_id),
        ..result_for(id, |_| {})
    };
    let first = in_run(1);
    writer::apply_batch(&env.pool, &[first.clone(), first.clone()])
        .await
        .unwrap();
    assert_eq!(
        count(
            &env.pool,
            &run("SELECT done::bigint FROM onefile_sync.refresh_run WHERE run_id = $run")
        )
        .await,
        1
    );
    let unfinished = run(
        "SELECT count(*) FROM onefile_sync.refresh_run WHERE run_id = $run AND finished_at IS NULL",
    );
    assert_eq!(count(&env.pool, &unfinished).await, 1);
    writer::apply(&env.pool, &in_run(2)).await.unwrap();
    assert_eq!(
        count(
            &env.pool,
            &run("SELECT done::bigint FROM onefile_sync.refresh_run WHERE run_id = $run")
        )
        .await,
        2
    );
    assert_eq!(count(&env.pool, &unfinished).await, 0);
}

#[tokio::test]
async fn a_finished_fast_run_marks_its_learners_synced_and_no_others() {
    let env = env_with(&[1, 2, 3]).await;
    sqlx::query("UPDATE picsweb.learner SET onefile_sync_error = 'timeout' WHERE learner_id = 2")
        .execute(&env.pool)
        .await
        .unwrap();
    let run_id = Uuid::new_v4();
    sqlx::query("INSERT INTO onefile_sync.refresh_run (run_id, mode) VALUES ($1, 'fast')")
        .bind(run_id)
        .execute(&env.pool)
        .await
        .unwrap();
    let untouched = learner(&env.pool, 3).await;
    let finished = SyncResult {
        run_id: Some(run_id),
        body: ResultBody::RunFinished {
            learner_ids: vec![1, 2, 77],
        },
        ..result_for(1, |_| {})
    };
    assert_eq!(
        writer::apply(&env.pool, &finished).await.unwrap(),
        Applied::Changed { columns: 3 }
    );
    assert_eq!(
        writer::apply(&env.pool, &finished).await.unwrap(),
        Applied::Duplicate
    );

    for id in [1, 2] {
        let got = learner(&env.pool, id).await;
        assert_eq!(
            got.onefile_synced_at,
            Some(stored(finished.produced_at)),
            "learner {id}"
        );
        assert_eq!(got.onefile_sync_error, None);
    }
    assert_eq!(learner(&env.pool, 3).await, untouched);
    assert!(audit_of(&env.pool, finished.id).await.contains(&row(
        "learner",
        2,
        "onefile_sync_error",
        Some("timeout"),
        None
    )));
    let (done, finished_at): (i32, Option<chrono::DateTime<chrono::Utc>>) =
        sqlx::query_as("SELECT done, finished_at FROM onefile_sync.refresh_run WHERE run_id = $1")
            .bind(run_id)
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert_eq!(done, 3);
    assert!(finished_at.is_some());
}

#[tokio::test]
async fn a_push_fingerprint_is_kept_for_the_consumer() {
    let env = env_with(&[1]).await;
    for fingerprint in ["00000000000000aa", "00000000000000bb"] {
        let result = result_for(1, |r| r.pushed_fingerprint = Some(fingerprint.to_owned()));
        writer::apply(&env.pool, &result).await.unwrap();
    }
    let kept: String = sqlx::query_scalar(
        "SELECT fingerprint FROM onefile_sync.learner_push WHERE learner_id = 1",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(kept, "00000000000000bb");
}
