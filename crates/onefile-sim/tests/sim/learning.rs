//! Learning aims and reviews over HTTP: assignment, validation, date filters, the
//! org-wide search switch and duplicate counts.

use onefile_sim::{Faults, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::common::{Env, id, roomy};

#[tokio::test]
async fn assigning_a_standard_creates_a_learning_aim() {
    let env = Env::new(roomy()).await;
    let (learner, assessor) = env.learner("L1").await;
    let standard = env.sim.snapshot().standards[2].clone();
    let path = format!("/Standard/{}/Assign/{learner}", standard.id);
    let aim = id(&env.post_ok(&path, &json!({})).await);
    assert_eq!(
        env.post(&format!("/Standard/1/Assign/{learner}"), &json!({}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        env.post(&format!("/Standard/{}/Assign/77", standard.id), &json!({}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let not_learner = env
        .post_400(
            &format!("/Standard/{}/Assign/{assessor}", standard.id),
            &json!({}),
        )
        .await;
    assert!(not_learner.contains("not a learner"), "{not_learner}");
    let rows = env
        .search("/LearningAim/Search/1/100", &json!({ "UserID": learner }))
        .await;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row["ID"], aim);
    assert_eq!(row["StandardID"], standard.id);
    assert_eq!(row["TotalElements"], standard.total_elements);
    assert_eq!(
        (
            row["ElementsDone"].as_i64(),
            row["Progress"].as_i64(),
            row["Status"].as_i64()
        ),
        (Some(0), Some(0), Some(1))
    );
    assert_eq!(row["RegistrationNumber"], Value::Null);
    assert_eq!(row["CertificateAppliedDate"], Value::Null);
    let org_wide = env
        .search("/LearningAim/Search/1/100", &json!({ "OrganisationID": 1 }))
        .await;
    assert_eq!(org_wide.len(), 1);
}

#[tokio::test]
async fn reviews_validate_update_and_filter_by_date() {
    let env = Env::new(roomy()).await;
    let (learner, assessor) = env.learner("L1").await;
    let valid = Env::review_body(learner, assessor, "2025-03-10");
    let with = |key: &str, value: Value| {
        let mut body = valid.clone();
        body[key] = value;
        body
    };
    let cases = [
        (with("LearnerID", json!(assessor)), "LearnerID"),
        (with("AssessorID", json!(learner)), "AssessorID"),
        (
            with("ScheduledFor", Value::Null),
            "ScheduledFor is required",
        ),
        (
            with("StartTime", json!("25:00")),
            "StartTime must be a time of day HH:MM",
        ),
        (with("EndTime", Value::Null), "EndTime is required"),
        (with("VisitTypeID", json!(3)), "VisitTypeID 3"),
        (with("Status", json!(2)), "Status must be 1"),
    ];
    for (body, expected) in cases {
        let got = env.post_400("/Review", &body).await;
        assert!(got.contains(expected), "expected {expected:?}, got {got:?}");
    }
    let march = id(&env.post_ok("/Review", &valid).await);
    let april = id(&env
        .post_ok(
            "/Review",
            &Env::review_body(learner, assessor, "2025-04-14T00:00:00Z"),
        )
        .await);
    let update = env
        .post(
            &format!("/Review/{april}"),
            &json!({ "StartedOn": "2025-04-14T10:05:00Z" }),
        )
        .await;
    assert_eq!(update.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        env.post("/Review/1", &json!({})).await.status(),
        StatusCode::NOT_FOUND
    );

    let in_april = env
        .search(
            "/Review/Search/1/100",
            &json!({ "LearnerID": learner, "DateFrom": "2025-04-01", "DateTo": "2025-04-30" }),
        )
        .await;
    assert_eq!(in_april.len(), 1);
    let row = &in_april[0];
    assert_eq!(row["ID"], april);
    assert_eq!(row["ScheduledFor"], "2025-04-14T00:00:00.000Z");
    assert_eq!(row["StartedOn"], "2025-04-14T10:05:00.000Z");
    assert_eq!(row["AssessorID"], assessor);
    let all = env
        .search("/Review/Search/1/100", &json!({ "OrganisationID": 1 }))
        .await;
    assert_eq!(all.iter().map(id).collect::<Vec<_>>(), vec![march, april]);
}

#[tokio::test]
async fn without_org_search_aims_and_reviews_need_their_learner() {
    let env = Env::new(SimConfig {
        org_search: false,
        ..roomy()
    })
    .await;
    let (learner, assessor) = env.learner("L1").await;
    env.post_ok(
        "/Review",
        &Env::review_body(learner, assessor, "2025-03-10"),
    )
    .await;
    let filter = json!({ "OrganisationID": 1, "LastModifiedFrom": "2999-01-01" });
    assert_eq!(
        env.post_400("/LearningAim/Search/1/100", &filter).await,
        "UserID is required"
    );
    assert_eq!(
        env.post_400("/Review/Search/1/100", &filter).await,
        "LearnerID is required"
    );
    // LastModifiedFrom is ignored, as an API without the filter would.
    let rows = env
        .search(
            "/Review/Search/1/100",
            &json!({ "LearnerID": learner, "LastModifiedFrom": "2999-01-01" }),
        )
        .await;
    assert_eq!(rows.len(), 1);
    env.sim.set_faults(Faults {
        org_search: Some(true),
        ..Faults::default()
    });
    assert!(env.search("/Review/Search/1/100", &filter).await.is_empty());
}

#[tokio::test]
async fn duplicates_are_counted() {
    let env = Env::new(roomy()).await;
    let (learner, assessor) = env.learner("L1").await;
    let placement = env.placement("P-L1").await;
    env.post_ok("/User", &Env::learner_body("L1", assessor, placement))
        .await;
    env.assessor("A-L1").await;
    env.assessor("L1").await; // same MISID, other role: not a duplicate of the learner
    let standard = env.sim.snapshot().standards[0].id;
    for _ in 0..3 {
        env.post_ok(
            &format!("/Standard/{standard}/Assign/{learner}"),
            &json!({}),
        )
        .await;
    }
    for _ in 0..2 {
        env.post_ok(
            "/Review",
            &Env::review_body(learner, assessor, "2025-03-10"),
        )
        .await;
    }
    let stats: onefile_sim::SimStats = env
        .control("/stats", None)
        .await
        .json()
        .await
        .expect("stats");
    assert_eq!(stats.duplicate_users, ["A-L1", "L1"]);
    assert_eq!(stats.duplicate_placements, ["P-L1"]);
    assert_eq!(stats.duplicate_learning_aims, 2);
    assert_eq!(stats.duplicate_reviews, 1);
}
