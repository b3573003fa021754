//! The OneFile client against the simulator: every endpoint, paging, and each error class.

use chrono::NaiveDate;
use onefile_client::model::{
    LearningAimFilter, NewPlacement, NewReview, NewUser, OrganisationFilter, PlacementFilter,
    ReviewFilter, ReviewUpdate, UserDetails, UserFilter, UserUpdate, role,
};
use onefile_client::search::{CLASSROOMS, LEARNING_AIMS, PLACEMENTS, REVIEWS, STANDARDS, USERS};
use onefile_client::{
    CallOutcome, ClientConfig, Gate, GateFuture, OneFileClient, OneFileError, Ungated,
};
use onefile_sim::{Faults, SimConfig, SimHandle, Simulator};
use secrecy::SecretString;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

async fn sim(config: SimConfig) -> SimHandle {
    Simulator::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn client_for(sim: &SimHandle, gate: Arc<dyn Gate>) -> OneFileClient {
    let token = SecretString::from(SimConfig::default().api_token);
    let mut config = ClientConfig::new(sim.base_url(), token);
    config.request_timeout = Duration::from_secs(5);
    OneFileClient::new(config, gate).unwrap()
}

fn assessor(mis_id: &str) -> NewUser {
    NewUser {
        organisation_id: 1,
        first_name: "Ada".into(),
        last_name: "Assessor".into(),
        role: role::ASSESSOR,
        mis_id: Some(mis_id.into()),
        ..NewUser::default()
    }
}

#[tokio::test]
async fn every_endpoint_round_trips() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim, Arc::new(Ungated));

    let classrooms = client
        .search_all(&CLASSROOMS, OrganisationFilter { organisation_id: 1 })
        .await
        .unwrap();
    let standards = client
        .search_all(&STANDARDS, OrganisationFilter { organisation_id: 1 })
        .await
        .unwrap();
    assert!(!classrooms.is_empty());
    assert_eq!(standards.len(), 50);
    assert_eq!(standards[0].reference, "ST0001");

    let officer = client.create_user(&assessor("1")).await.unwrap();
    let placement = client
        .create_placement(&NewPlacement {
            organisation_id: 1,
            name: "Acme".into(),
            mis_id: "10".into(),
        })
        .await
        .unwrap();
    let found = client
        .search_all(
            &PLACEMENTS,
            PlacementFilter {
                organisation_id: 1,
                mis_id: Some("10".into()),
                name: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, placement.id);

    let learner = NewUser {
        organisation_id: 1,
        first_name: "Lena".into(),
        last_name: "Learner".into(),
        role: role::LEARNER,
        mis_id: Some("1042".into()),
        email: Some("lena@example.test".into()),
        default_assessor_id: Some(officer.id),
        classroom_id: Some(classrooms[0].id),
        placement_id: Some(placement.id),
        details: UserDetails {
            dob: NaiveDate::from_ymd_opt(2004, 5, 6),
            uln: Some("1234567890".into()),
            l12: Some("31".into()),
            ..UserDetails::default()
        },
    };
    let created = client.create_user(&learner).await.unwrap();
    let user = client.get_user(created.id).await.unwrap();
    assert_eq!(user.mis_id.as_deref(), Some("1042"));
    assert_eq!(user.dob, NaiveDate::from_ymd_opt(2004, 5, 6));
    assert_eq!(user.l12.as_deref(), Some("31"));
    assert_eq!(user.placement_id, Some(placement.id));

    let update = UserUpdate {
        details: UserDetails {
            mobile_number: Some("07700900123".into()),
            ..UserDetails::default()
        },
        ..UserUpdate::default()
    };
    client.update_user(created.id, &update).await.unwrap();
    assert_eq!(
        client
            .get_user(created.id)
            .await
            .unwrap()
            .mobile_number
            .as_deref(),
        Some("07700900123")
    );

    let by_mis = UserFilter {
        organisation_id: Some(1),
        role: Some(role::LEARNER),
        mis_id: Some("1042".into()),
        ..UserFilter::default()
    };
    let rows = client.search_all(&USERS, by_mis).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, created.id);

    let aim = client
        .assign_standard(standards[2].id, created.id)
        .await
        .unwrap();
    let aims = client
        .search_all(
            &LEARNING_AIMS,
            LearningAimFilter {
                user_id: Some(created.id),
                ..LearningAimFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(aims.len(), 1);
    assert_eq!(aims[0].id, aim.id);
    assert_eq!(aims[0].standard_id, Some(standards[2].id));

    let review = NewReview {
        learner_id: created.id,
        assessor_id: officer.id,
        scheduled_for: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
        start_time: "10:00".into(),
        end_time: "11:00".into(),
        visit_type_id: 2,
        status: 1,
    };
    let review_id = client.create_review(&review).await.unwrap().id;
    let moved = ReviewUpdate {
        scheduled_for: NaiveDate::from_ymd_opt(2026, 12, 11),
        ..ReviewUpdate::default()
    };
    client.update_review(review_id, &moved).await.unwrap();
    let reviews = client
        .search_all(
            &REVIEWS,
            ReviewFilter {
                learner_id: Some(created.id),
                ..ReviewFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(reviews.len(), 1);
    assert_eq!(
        reviews[0].scheduled_for,
        NaiveDate::from_ymd_opt(2026, 12, 11)
    );
    assert!(reviews[0].started_on.is_none());
    assert_eq!(sim.stats().duplicate_users.len(), 0);
}

#[tokio::test]
async fn the_pager_walks_several_pages_and_treats_204_as_empty() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim, Arc::new(Ungated));
    for i in 0..25 {
        client
            .create_user(&assessor(&format!("o{i}")))
            .await
            .unwrap();
    }
    let filter = UserFilter {
        role: Some(role::ASSESSOR),
        ..UserFilter::default()
    };
    let mut pager = client.pager(&USERS, filter, 10);
    let mut sizes = Vec::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        sizes.push(page.len());
    }
    assert_eq!(sizes, vec![10, 10, 5]);

    // Exactly a multiple of the page size: the last, empty page answers 204.
    let filter = UserFilter {
        role: Some(role::ASSESSOR),
        ..UserFilter::default()
    };
    let mut pager = client.pager(&USERS, filter, 5);
    let mut pages = 0;
    while pager.next_page().await.unwrap().is_some() {
        pages += 1;
    }
    assert_eq!(pages, 5);
    assert_eq!(
        pager.page_number(),
        7,
        "pages 1-5 full, page 6 empty (204), then stop"
    );

    let nobody = UserFilter {
        mis_id: Some("nobody".into()),
        ..UserFilter::default()
    };
    assert!(
        client
            .search(&USERS, &nobody, 1, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_400_carries_onefiles_message() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim, Arc::new(Ungated));
    let no_email = NewUser {
        role: role::LEARNER,
        ..assessor("9")
    };
    match client.create_user(&no_email).await.unwrap_err() {
        OneFileError::Permanent {
            status: 400,
            message,
        } => assert!(message.contains("Email"), "{message}"),
        other => panic!("expected a 400, got {other:?}"),
    }
    let err = client.get_user(424_242).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn an_expired_session_is_renewed_once_and_the_call_retried() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim, Arc::new(Ungated));
    client.create_user(&assessor("1")).await.unwrap();
    sim.expire_tokens();
    client.create_user(&assessor("2")).await.unwrap();
    let stats = sim.stats();
    assert_eq!(stats.unauthorized, 1);
    assert_eq!(stats.by_endpoint.get("POST /Authentication"), Some(&2));
    assert_eq!(
        stats.by_endpoint.get("POST /User"),
        Some(&3),
        "the refused call was retried once"
    );
}

#[tokio::test]
async fn the_session_is_renewed_proactively() {
    let sim = sim(SimConfig::default()).await;
    let token = SecretString::from(SimConfig::default().api_token);
    let mut config = ClientConfig::new(sim.base_url(), token);
    config.renew_after = Duration::ZERO;
    let client = OneFileClient::new(config, Arc::new(Ungated)).unwrap();
    client.create_user(&assessor("1")).await.unwrap();
    client.create_user(&assessor("2")).await.unwrap();
    let stats = sim.stats();
    assert_eq!(stats.unauthorized, 0);
    assert_eq!(stats.by_endpoint.get("POST /Authentication"), Some(&2));
}

#[tokio::test]
async fn a_wrong_api_token_is_unauthorized() {
    let sim = sim(SimConfig::default()).await;
    let config = ClientConfig::new(sim.base_url(), SecretString::from("wrong".to_owned()));
    let client = OneFileClient::new(config, Arc::new(Ungated)).unwrap();
    assert_eq!(
        client.create_user(&assessor("1")).await.unwrap_err(),
        OneFileError::Unauthorized
    );
    let debug = format!("{client:?}");
    assert!(
        !debug.contains("wrong") && !debug.contains("onefile-sim-api-token"),
        "{debug}"
    );
}

async fn throttled_sim(retry_after: bool) -> SimHandle {
    sim(SimConfig {
        limit: 3,
        window: Duration::from_secs(30),
        lockout: Duration::from_secs(30),
        retry_after,
        ..SimConfig::default()
    })
    .await
}

#[tokio::test]
async fn a_429_is_rate_limited_without_retry_after() {
    let sim = throttled_sim(false).await;
    let client = client_for(&sim, Arc::new(Ungated));
    client.create_user(&assessor("1")).await.unwrap(); // authentication + 1
    client.create_user(&assessor("2")).await.unwrap(); // 3
    let err = client.create_user(&assessor("3")).await.unwrap_err();
    assert_eq!(err, OneFileError::RateLimited { retry_after: None });
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_429_carries_retry_after_when_sent() {
    let sim = throttled_sim(true).await;
    let client = client_for(&sim, Arc::new(Ungated));
    client.create_user(&assessor("1")).await.unwrap();
    client.create_user(&assessor("2")).await.unwrap();
    match client.create_user(&assessor("3")).await.unwrap_err() {
        OneFileError::RateLimited {
            retry_after: Some(d),
        } => {
            assert!(
                d >= Duration::from_secs(1) && d <= Duration::from_secs(30),
                "{d:?}"
            );
        }
        other => panic!("expected RateLimited with Retry-After, got {other:?}"),
    }
}

#[tokio::test]
async fn server_errors_and_dropped_connections_are_transient() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim, Arc::new(Ungated));
    client.create_user(&assessor("1")).await.unwrap();

    sim.set_faults(Faults {
        error_rate: Some(1.0),
        ..Faults::default()
    });
    let err = client.create_user(&assessor("2")).await.unwrap_err();
    assert!(matches!(err, OneFileError::Transient { .. }), "{err:?}");
    assert!(err.to_string().contains("503"), "{err}");

    sim.set_faults(Faults {
        error_rate: Some(0.0),
        drop_rate: Some(1.0),
        ..Faults::default()
    });
    let err = client.create_user(&assessor("3")).await.unwrap_err();
    assert!(matches!(err, OneFileError::Transient { .. }), "{err:?}");
    assert_eq!(sim.stats().dropped, 1);
}

/// A gate that counts what passes and how calls ended.
#[derive(Debug, Default)]
struct CountingGate {
    admitted: AtomicU64,
    throttled: AtomicU64,
}

impl Gate for CountingGate {
    fn acquire<'a>(&'a self, _endpoint: &'static str) -> GateFuture<'a> {
        self.admitted.fetch_add(1, Ordering::SeqCst);
        Box::pin(std::future::ready(()))
    }

    fn observe(&self, _endpoint: &'static str, outcome: CallOutcome, _elapsed: Duration) {
        if matches!(outcome, CallOutcome::Throttled { .. }) {
            self.throttled.fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[tokio::test]
async fn every_call_passes_the_gate_authentication_included() {
    let sim = throttled_sim(false).await;
    let gate = Arc::new(CountingGate::default());
    let client = client_for(&sim, gate.clone());
    client.create_user(&assessor("1")).await.unwrap();
    client.create_user(&assessor("2")).await.unwrap();
    let _ = client.create_user(&assessor("3")).await;
    assert_eq!(gate.admitted.load(Ordering::SeqCst), 4);
    assert_eq!(gate.throttled.load(Ordering::SeqCst), 1);
    let stats = sim.stats();
    assert_eq!(stats.accepted + stats.refused, 4);
}
