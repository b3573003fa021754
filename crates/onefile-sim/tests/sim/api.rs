//! Users, placements, classrooms and standards over HTTP: validation messages, reads,
//! updates, paging and filters; and shutting a simulator down.

use onefile_sim::SimConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::common::{Env, id, message, roomy};

#[tokio::test]
async fn user_validation_names_the_field() {
    let env = Env::new(roomy()).await;
    let (learner, assessor) = env.learner("L1").await;
    let placement = env.placement("P-extra").await;
    let valid = Env::learner_body("L2", assessor, placement);
    let with = |key: &str, value: Value| {
        let mut body = valid.clone();
        body[key] = value;
        body
    };
    let without = |key: &str| {
        let mut body = valid.clone();
        body.as_object_mut().expect("object").remove(key);
        body
    };
    let cases = [
        (without("OrganisationID"), "OrganisationID is required"),
        (with("OrganisationID", json!(2)), "OrganisationID 2 is not"),
        (without("Role"), "Role is required"),
        (with("Role", json!(3)), "Role 3 is not a OneFile role"),
        (without("FirstName"), "FirstName is required"),
        (with("LastName", json!(" ")), "LastName is required"),
        (without("Email"), "Email is required"),
        (
            with("Email", json!("nobody")),
            "Email is not an e-mail address",
        ),
        (
            without("DefaultAssessorID"),
            "DefaultAssessorID is required",
        ),
        (
            with("DefaultAssessorID", json!(learner)),
            "DefaultAssessorID",
        ),
        (without("ClassroomID"), "ClassroomID is required"),
        (
            with("ClassroomID", json!(42)),
            "ClassroomID 42 is not a classroom",
        ),
        (without("PlacementID"), "PlacementID is required"),
        (
            with("PlacementID", json!(7)),
            "PlacementID 7 is not a placement",
        ),
        (with("DOB", json!("06/05/2004")), "DOB must be a date"),
        (
            with("FirstName", json!(["x"])),
            "FirstName must be a string",
        ),
    ];
    for (body, expected) in cases {
        let got = env.post_400("/User", &body).await;
        assert!(got.contains(expected), "expected {expected:?}, got {got:?}");
    }
    let trainee_without_email =
        json!({ "OrganisationID": 1, "FirstName": "T", "LastName": "T", "Role": 4 });
    assert_eq!(
        env.post_400("/User", &trainee_without_email).await,
        "Email is required"
    );
    let bad_json = env
        .http
        .post(env.url("/User"))
        .header("X-TokenID", &env.token)
        .body("{\"Role\": ")
        .send()
        .await
        .expect("answer");
    assert_eq!(bad_json.status(), StatusCode::BAD_REQUEST);
    assert!(message(bad_json).await.starts_with("Malformed JSON"));
    assert_eq!(
        env.post_ok("/User", &valid).await["Username"]
            .as_str()
            .map(str::is_empty),
        Some(false)
    );
}

#[tokio::test]
async fn users_read_update_and_dates_round_trip() {
    let env = Env::new(roomy()).await;
    let (learner, _) = env.learner("L1").await;
    let user: Value = env
        .get(&format!("/User/{learner}"))
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(user["ID"], learner);
    assert_eq!(user["MISID"], "L1");
    assert_eq!(user["DOB"], "2004-05-06T00:00:00.000Z");
    assert_eq!(user["NINO"], Value::Null);
    let modified = user["LastModified"].as_str().expect("LastModified");
    assert!(
        modified.ends_with('Z') && modified.len() == 24,
        "{modified}"
    );

    let update = env
        .post(
            &format!("/User/{learner}"),
            &json!({ "Telephone": "0117 000", "ULN": 1234567890_i64 }),
        )
        .await;
    assert_eq!(update.status(), StatusCode::NO_CONTENT);
    let user: Value = env
        .get(&format!("/User/{learner}"))
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        (user["Telephone"].as_str(), user["ULN"].as_str()),
        (Some("0117 000"), Some("1234567890"))
    );
    assert!(user["LastModified"].as_str() >= Some(modified));

    assert_eq!(
        env.post("/User/999", &json!({})).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(env.get("/User/abc").await.status(), StatusCode::BAD_REQUEST);
    let invalid = env
        .post_400(&format!("/User/{learner}"), &json!({ "ClassroomID": 1 }))
        .await;
    assert!(invalid.contains("ClassroomID 1"), "{invalid}");
}

#[tokio::test]
async fn searches_page_by_id_and_answer_204_when_empty() {
    let env = Env::new(roomy()).await;
    let mut ids = Vec::new();
    for n in 0..25 {
        ids.push(env.placement(&format!("E{n:02}")).await);
    }
    let mut seen = Vec::new();
    for page in 1..=3 {
        let rows = env
            .search(
                &format!("/Placement/Search/{page}/10"),
                &json!({ "OrganisationID": 1 }),
            )
            .await;
        assert_eq!(rows.len(), if page < 3 { 10 } else { 5 });
        seen.extend(rows.iter().map(id));
    }
    assert_eq!(seen, ids);
    let past_the_end = env.post("/Placement/Search/4/10", &json!({})).await;
    assert_eq!(past_the_end.status(), StatusCode::NO_CONTENT);
    assert!(past_the_end.bytes().await.expect("body").is_empty());
    for bad in ["0/10", "1/0", "1/101", "x/10"] {
        let msg = env
            .post_400(&format!("/Placement/Search/{bad}"), &json!({}))
            .await;
        assert!(msg.starts_with("page"), "{bad}: {msg}");
    }
    let by_misid = env
        .search("/Placement/Search/1/100", &json!({ "MISID": "E07" }))
        .await;
    assert_eq!(
        by_misid,
        vec![json!({ "ID": ids[7], "Name": "Employer E07", "MISID": "E07" })]
    );
    let other_org = env
        .post("/Placement/Search/1/100", &json!({ "OrganisationID": 9 }))
        .await;
    assert_eq!(other_org.status(), StatusCode::NO_CONTENT);
    // An empty body is an empty filter.
    let response = env
        .http
        .post(env.url("/Placement/Search/1/100"))
        .header("X-TokenID", &env.token)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.json::<Vec<Value>>().await.expect("rows").len(), 25);
}

#[tokio::test]
async fn users_classrooms_and_standards_search() {
    let env = Env::new(SimConfig {
        standards: 12,
        ..roomy()
    })
    .await;
    let (learner, assessor) = env.learner("L1").await;
    let learners = env
        .search(
            "/User/Search/1/100",
            &json!({ "OrganisationID": 1, "Role": 1 }),
        )
        .await;
    assert_eq!(learners.iter().map(id).collect::<Vec<_>>(), vec![learner]);
    let row = &learners[0];
    assert_eq!(
        (
            row["FirstName"].as_str(),
            row["MISID"].as_str(),
            row["Role"].as_i64()
        ),
        (Some("Lee"), Some("L1"), Some(1))
    );
    let by_name = env
        .search("/User/Search/1/100", &json!({ "LastName": "assessor" }))
        .await;
    assert_eq!(by_name.iter().map(id).collect::<Vec<_>>(), vec![assessor]);
    let future = env
        .post(
            "/User/Search/1/100",
            &json!({ "LastModifiedFrom": "2999-01-01" }),
        )
        .await;
    assert_eq!(future.status(), StatusCode::NO_CONTENT);

    let classrooms = env
        .search("/Classroom/Search/1/100", &json!({ "OrganisationID": 1 }))
        .await;
    let names: Vec<&str> = classrooms
        .iter()
        .filter_map(|c| c["Name"].as_str())
        .collect();
    assert_eq!(names, ["Bristol", "Leeds", "Manchester", "Online"]);
    let standards = env
        .search("/Standard/Search/1/100", &json!({ "OrganisationID": 1 }))
        .await;
    assert_eq!(standards.len(), 12);
    assert_eq!(standards[0]["Reference"], "ST0001");
    assert_eq!(standards[11]["Reference"], "ST0012");
    assert!(
        standards[0]["Title"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let env = Env::new(roomy()).await;
    let base = env.sim.base_url();
    assert!(base.starts_with("http://127.0.0.1:") && base.ends_with("/api/v2.1"));
    env.sim.clone().shutdown().await;
    let after = env.http.post(format!("{base}/Authentication")).send().await;
    assert!(after.is_err());
}
