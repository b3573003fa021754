//! Moving learners forward: deterministic changes, LastModified, patches.

use onefile_sim::{EntityKind, SimSnapshot};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::common::{Env, id, roomy};

/// Two learners with two aims each and a past and a future review each.
async fn populate(env: &Env) -> Vec<i64> {
    let standards = env.sim.snapshot().standards;
    let mut aims = Vec::new();
    for n in 0..2 {
        let (learner, assessor) = env.learner(&format!("L{n}")).await;
        for standard in &standards[..2] {
            let path = format!("/Standard/{}/Assign/{learner}", standard.id);
            aims.push(id(&env.post_ok(&path, &json!({})).await));
        }
        for date in ["2024-01-15", "2999-01-15"] {
            env.post_ok("/Review", &Env::review_body(learner, assessor, date))
                .await;
        }
    }
    aims
}

/// The snapshot with every LastModified blanked (they come from the clock).
fn without_clock(mut snapshot: SimSnapshot) -> SimSnapshot {
    let epoch = chrono::DateTime::UNIX_EPOCH;
    snapshot
        .users
        .iter_mut()
        .for_each(|u| u.last_modified = epoch);
    snapshot
        .placements
        .iter_mut()
        .for_each(|p| p.last_modified = epoch);
    snapshot
        .learning_aims
        .iter_mut()
        .for_each(|a| a.last_modified = epoch);
    snapshot
        .reviews
        .iter_mut()
        .for_each(|r| r.last_modified = epoch);
    snapshot
}

#[tokio::test]
async fn advance_is_deterministic_for_a_seed() {
    let mut results = Vec::new();
    for _ in 0..2 {
        let env = Env::new(roomy()).await;
        populate(&env).await;
        let mut changed = Vec::new();
        for round in 0..6 {
            changed.push(env.sim.advance(100 + round));
        }
        assert!(
            changed[0] >= 4,
            "every aim moves on the first round: {changed:?}"
        );
        results.push((changed, without_clock(env.sim.snapshot())));
    }
    assert_eq!(results[0], results[1]);
    let snapshot = &results[0].1;
    assert!(
        snapshot
            .learning_aims
            .iter()
            .all(|a| a.elements_done > 0 && a.progress == a.elements_done * 100 / a.total_elements)
    );
    assert!(snapshot.learning_aims.iter().any(|a| {
        a.registration_number
            .as_deref()
            .is_some_and(|r| r.starts_with("REG"))
    }));
    assert!(snapshot.reviews.iter().any(|r| r.started_on.is_some()));

    let other = Env::new(roomy()).await;
    populate(&other).await;
    other.sim.advance(999);
    assert_ne!(
        without_clock(other.sim.snapshot()).learning_aims,
        results[0].1.learning_aims
    );
}

#[tokio::test]
async fn advanced_entities_show_up_in_last_modified_searches() {
    let env = Env::new(roomy()).await;
    let aims = populate(&env).await;
    let before: Value = env
        .search(
            "/LearningAim/Search/1/1",
            &json!({ "UserID": env.sim.snapshot().learning_aims[0].user_id }),
        )
        .await[0]
        .clone();
    let since = before["LastModified"]
        .as_str()
        .expect("LastModified")
        .to_owned();
    let changed: Value = env
        .control("/advance", Some(&json!({ "seed": 5 })))
        .await
        .json()
        .await
        .expect("answer");
    assert!(changed["changed"].as_u64() >= Some(4));
    let rows = env
        .search(
            "/LearningAim/Search/1/100",
            &json!({ "OrganisationID": 1, "LastModifiedFrom": since }),
        )
        .await;
    assert_eq!(rows.iter().map(id).collect::<Vec<_>>(), aims);
    assert!(rows.iter().all(|r| r["ElementsDone"].as_i64() > Some(0)));
}

#[tokio::test]
async fn patch_sets_fields_directly() {
    let env = Env::new(roomy()).await;
    let aims = populate(&env).await;
    assert!(env.sim.patch(
        EntityKind::LearningAim,
        aims[0],
        json!({ "RegistrationNumber": "REG1", "ElementsDone": 3 })
    ));
    assert!(
        !env.sim
            .patch(EntityKind::LearningAim, 1, json!({ "ElementsDone": 3 }))
    );
    assert!(!env.sim.patch(
        EntityKind::LearningAim,
        aims[0],
        json!({ "ElementsDone": "many" })
    ));
    let aim = env.sim.snapshot().learning_aims[0].clone();
    assert_eq!(
        (aim.registration_number.as_deref(), aim.elements_done),
        (Some("REG1"), 3)
    );

    let review = env.sim.snapshot().reviews[0].id;
    let patched = env
        .control(
            &format!("/patch/review/{review}"),
            Some(&json!({ "StartedOn": "2024-01-15T10:00:00Z" })),
        )
        .await;
    assert_eq!(patched.status(), StatusCode::NO_CONTENT);
    let state: SimSnapshot = env
        .control("/state", None)
        .await
        .json()
        .await
        .expect("state");
    assert_eq!(
        state.reviews[0].started_on.map(|d| d.to_rfc3339()),
        Some("2024-01-15T10:00:00+00:00".to_owned())
    );
    assert_eq!(
        env.control("/patch/widget/1", Some(&json!({})))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        env.control("/patch/user/1", Some(&json!({})))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
