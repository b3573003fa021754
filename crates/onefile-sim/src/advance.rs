//! Moving learners forward as assessors would, deterministically from a seed and each
//! entity's ID (and its current values), so two simulators given the same calls and the
//! same seed end up with the same data.
//!
//! For each learning aim not yet complete, `ElementsDone` grows by 1 to a quarter of
//! `TotalElements` (capped) and `Progress = done * 100 / total`. Half the unregistered aims
//! get a `RegistrationNumber` (`REG` + 8 digits) and `RegistrationDate`. Aims at 100% get
//! `CertificateAppliedDate`, and half of those with one `CertificateReceivedDate`.
//! Generated dates come from the seed, counted from 2024-09-02, never from the clock.
//!
//! Reviews not yet started are started (`StartedOn` = `ScheduledFor` at `StartTime`) with
//! a chance of 3 in 4 when `ScheduledFor` is today or earlier, and 1 in 4 when it is in the
//! future, so tests with future dates still see reviews attended. This is the one place
//! the clock matters: the date comparison.
//!
//! Every changed entity's `LastModified` is set to now.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use fastrand::Rng;

use crate::model::{LearningAim, Review, now_ms};
use crate::state::State;

impl State {
    /// Advances every learning aim and review; returns how many entities changed.
    pub fn advance(&mut self, seed: u64) -> usize {
        let now = now_ms();
        let mut changed = 0;
        for aim in self.aims.values_mut() {
            let mut rng = Rng::with_seed(mix(seed, aim.id));
            if advance_aim(aim, &mut rng) {
                aim.last_modified = now;
                changed += 1;
            }
        }
        for review in self.reviews.values_mut() {
            let mut rng = Rng::with_seed(mix(seed, review.id) ^ 0x7e71_e775);
            if start_review(review, &mut rng, now) {
                review.last_modified = now;
                changed += 1;
            }
        }
        changed
    }
}

/// A well-spread 64-bit seed from the run's seed and an entity ID (SplitMix64 finaliser).
fn mix(seed: u64, id: i64) -> u64 {
    let mut z = seed ^ id.unsigned_abs().wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Midnight UTC, `days` after the base date generated dates count from.
fn day(days: u64) -> Option<DateTime<Utc>> {
    NaiveDate::from_ymd_opt(2024, 9, 2)?
        .checked_add_days(Days::new(days))?
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc())
}

fn advance_aim(aim: &mut LearningAim, rng: &mut Rng) -> bool {
    let before = aim.clone();
    let total = aim.total_elements.max(0);
    if aim.elements_done < total {
        let step = rng.i64(1..=(total / 4).max(1));
        aim.elements_done = (aim.elements_done + step).min(total);
    }
    if total > 0 {
        aim.progress = (aim.elements_done * 100 / total).clamp(0, 100);
    }
    if aim.registration_number.is_none() && rng.bool() {
        aim.registration_number = Some(format!("REG{:08}", rng.u32(0..100_000_000)));
        aim.registration_date = day(rng.u64(0..60));
    }
    if aim.progress >= 100 {
        if aim.certificate_applied_date.is_none() {
            aim.certificate_applied_date = day(rng.u64(300..360));
        }
        if aim.certificate_received_date.is_none() && rng.bool() {
            let wait = Days::new(rng.u64(7..42));
            aim.certificate_received_date = aim
                .certificate_applied_date
                .and_then(|applied| applied.checked_add_days(wait));
        }
    }
    *aim != before
}

fn start_review(review: &mut Review, rng: &mut Rng, now: DateTime<Utc>) -> bool {
    if review.started_on.is_some() {
        return false;
    }
    let (Some(date), Some(time)) = (review.scheduled_for, review.start_time.as_deref()) else {
        return false;
    };
    let Ok(time) = NaiveTime::parse_from_str(time, "%H:%M") else {
        return false;
    };
    let chance = if date.date_naive() <= now.date_naive() {
        3
    } else {
        1
    };
    if rng.u32(0..4) >= chance {
        return false;
    }
    review.started_on = Some(date.date_naive().and_time(time).and_utc());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_spreads_neighbouring_ids() {
        assert_ne!(mix(1, 1), mix(1, 2));
        assert_ne!(mix(1, 1), mix(2, 1));
        assert_eq!(mix(7, 3_000_001), mix(7, 3_000_001));
    }

    #[test]
    fn aims_progress_and_complete() {
        let mut aim = LearningAim {
            total_elements: 8,
            ..LearningAim::default()
        };
        let mut rng = Rng::with_seed(3);
        for _ in 0..20 {
            advance_aim(&mut aim, &mut rng);
        }
        assert_eq!(aim.elements_done, 8);
        assert_eq!(aim.progress, 100);
        assert!(aim.registration_number.is_some());
        assert!(aim.certificate_applied_date.is_some());
        assert!(aim.certificate_received_date >= aim.certificate_applied_date);
        assert!(!advance_aim(&mut aim, &mut rng));
    }
}
