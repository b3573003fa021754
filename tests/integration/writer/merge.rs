//! The refresh merge rule, field by field and case by case, as the writer leaves it in
//! PICSWeb: blank/blank, blank/value, value/blank, value/same value, value/other value,
//! and `has_units`.

use super::{audit_of, env_with, learner, lq, qualification, result_for, review, row};
use chrono::NaiveDate;
use domain::refresh::{AimProgress, LearnerDetails};
use integration_tests::fixtures;
use writer::Applied;

fn date(month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(2026, month, day)
}

/// Every qualification field at one value (`a`) or another.
fn aim(a: bool) -> AimProgress {
    fn pick<T>(a: bool, x: T, y: T) -> T {
        if a { x } else { y }
    }
    AimProgress {
        total_elements: Some(pick(a, 40, 41)),
        elements_done: Some(pick(a, 10, 11)),
        registration_number: Some(pick(a, "REG-A", "REG-B").to_owned()),
        registration_date: pick(a, date(1, 1), date(1, 2)),
        certificate_applied_date: pick(a, date(6, 1), date(6, 2)),
        certificate_received_date: pick(a, date(7, 1), date(7, 2)),
    }
}

#[tokio::test]
async fn qualification_fields_follow_the_merge_rule_in_every_case() {
    let env = env_with(&[1]).await;
    let blank = AimProgress::default();
    // (row, PICSWeb holds, OneFile says, PICSWeb must end with, columns changed)
    let cases = [
        (11, blank.clone(), blank.clone(), blank.clone(), 0),
        (12, blank.clone(), aim(true), aim(true), 6),
        (13, aim(true), blank.clone(), aim(true), 0),
        (14, aim(true), aim(true), aim(true), 0),
        (15, aim(true), aim(false), aim(false), 6),
    ];
    for (id, held, ..) in &cases {
        qualification(&env.pool, *id, 1, false, held).await;
    }
    let result = result_for(1, |r| {
        r.aims = cases
            .iter()
            .map(|(id, _, onefile, ..)| (*id, onefile.clone()))
            .collect();
    });
    writer::apply(&env.pool, &result).await.unwrap();

    let audit = audit_of(&env.pool, result.id).await;
    for (id, _, _, expected, changed) in &cases {
        let got = lq(&env.pool, *id).await;
        let got = AimProgress {
            total_elements: got.total_elements,
            elements_done: got.elements_done,
            registration_number: got.registration_number,
            registration_date: got.registration_date,
            certificate_applied_date: got.certificate_applied_date,
            certificate_received_date: got.certificate_received_date,
        };
        assert_eq!(&got, expected, "learner qualification {id}");
        let rows = audit
            .iter()
            .filter(|a| a.0 == "learner_qualification" && a.1 == *id)
            .count();
        assert_eq!(rows, *changed, "audit rows of learner qualification {id}");
    }
    let value_to_value = audit
        .iter()
        .find(|a| a.1 == 15 && a.2 == "registration_date")
        .unwrap();
    assert_eq!(
        value_to_value,
        &row(
            "learner_qualification",
            15,
            "registration_date",
            Some("2026-01-01"),
            Some("2026-01-02")
        )
    );
}

#[tokio::test]
async fn has_units_leaves_element_counts_alone_but_not_the_rest() {
    let env = env_with(&[1]).await;
    let held = AimProgress {
        total_elements: Some(3),
        elements_done: None,
        ..AimProgress::default()
    };
    qualification(&env.pool, 21, 1, true, &held).await;
    let result = result_for(1, |r| r.aims = vec![(21, aim(true))]);
    writer::apply(&env.pool, &result).await.unwrap();

    let got = lq(&env.pool, 21).await;
    assert_eq!((got.total_elements, got.elements_done), (Some(3), None));
    assert_eq!(got.registration_number.as_deref(), Some("REG-A"));
    assert_eq!(got.certificate_received_date, date(7, 1));
    let columns: Vec<String> = audit_of(&env.pool, result.id)
        .await
        .into_iter()
        .map(|a| a.2)
        .collect();
    assert!(
        !columns.iter().any(|c| c.contains("elements")),
        "{columns:?}"
    );
}

#[tokio::test]
async fn whitespace_is_blank_and_values_are_written_trimmed() {
    let env = env_with(&[1]).await;
    let held = AimProgress {
        registration_number: Some("   ".to_owned()),
        ..AimProgress::default()
    };
    qualification(&env.pool, 31, 1, false, &held).await;
    qualification(&env.pool, 32, 1, false, &aim(true)).await;
    let onefile = |number: &str| AimProgress {
        registration_number: Some(number.to_owned()),
        ..AimProgress::default()
    };
    let result = result_for(1, |r| {
        r.aims = vec![(31, onefile(" REG-9 ")), (32, onefile("  "))];
    });
    writer::apply(&env.pool, &result).await.unwrap();
    assert_eq!(
        lq(&env.pool, 31).await.registration_number.as_deref(),
        Some("REG-9")
    );
    assert_eq!(
        lq(&env.pool, 32).await.registration_number.as_deref(),
        Some("REG-A")
    );
}

#[tokio::test]
async fn reviews_are_attended_on_onefiles_date_and_never_unattended() {
    let env = env_with(&[1]).await;
    for id in 41..=45 {
        fixtures::review(&env.pool, id, 1).await.unwrap();
    }
    sqlx::query("UPDATE picsweb.review SET attended = true, attended_date = DATE '2026-03-02' WHERE review_id IN (43, 44, 45)")
        .execute(&env.pool)
        .await
        .unwrap();
    let result = result_for(1, |r| {
        r.reviews = vec![
            (41, None),
            (42, date(3, 2)),
            (43, date(3, 2)),
            (44, date(3, 5)),
            (45, None),
        ];
    });
    writer::apply(&env.pool, &result).await.unwrap();

    let state = |r: domain::model::Review| (r.attended, r.attended_date);
    assert_eq!(
        state(review(&env.pool, 41).await),
        (false, None),
        "not started: blank/blank"
    );
    assert_eq!(
        state(review(&env.pool, 42).await),
        (true, date(3, 2)),
        "blank/value"
    );
    assert_eq!(
        state(review(&env.pool, 43).await),
        (true, date(3, 2)),
        "same value"
    );
    assert_eq!(
        state(review(&env.pool, 44).await),
        (true, date(3, 5)),
        "value/value: OneFile wins"
    );
    assert_eq!(
        state(review(&env.pool, 45).await),
        (true, date(3, 2)),
        "value/blank: stays attended"
    );
    let expected = vec![
        row("review", 42, "attended", Some("false"), Some("true")),
        row("review", 42, "attended_date", None, Some("2026-03-02")),
        row(
            "review",
            44,
            "attended_date",
            Some("2026-03-02"),
            Some("2026-03-05"),
        ),
    ];
    let mut audit = audit_of(&env.pool, result.id).await;
    audit.retain(|a| a.0 == "review");
    assert_eq!(audit, expected);
}

#[tokio::test]
async fn pull_mode_details_follow_the_merge_rule() {
    let env = env_with(&[1]).await;
    sqlx::query(
        "UPDATE picsweb.learner SET telephone = '0113 000', mobile = '07000 111', ethnicity = 31,
                uln = NULL, dob = NULL WHERE learner_id = 1",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    let details = LearnerDetails {
        first_name: Some("Lena".to_owned()),       // same value
        surname: Some("Learner-Smith".to_owned()), // value/value
        telephone: None,                           // value/blank
        mobile: Some("07000 222".to_owned()),      // value/value
        uln: Some("1234567890".to_owned()),        // blank/value
        dob: NaiveDate::from_ymd_opt(2000, 1, 31), // blank/value
        ethnicity: Some(31),                       // same value
        nino: None,                                // blank/blank
        ..LearnerDetails::default()
    };
    let result = result_for(1, |r| r.pulled_details = Some(details));
    assert_eq!(
        writer::apply(&env.pool, &result).await.unwrap(),
        Applied::Changed { columns: 5 }
    );

    let got = learner(&env.pool, 1).await;
    assert_eq!(got.first_name, "Lena");
    assert_eq!(got.surname, "Learner-Smith");
    assert_eq!(got.telephone.as_deref(), Some("0113 000"));
    assert_eq!(got.mobile.as_deref(), Some("07000 222"));
    assert_eq!(got.uln.as_deref(), Some("1234567890"));
    assert_eq!(got.dob, NaiveDate::from_ymd_opt(2000, 1, 31));
    assert_eq!(got.ethnicity, Some(31));
    assert_eq!(got.nino, None);
    let columns: Vec<String> = audit_of(&env.pool, result.id)
        .await
        .into_iter()
        .map(|a| a.2)
        .collect();
    assert_eq!(
        columns,
        ["dob", "mobile", "onefile_synced_at", "surname", "uln"]
    );
}
