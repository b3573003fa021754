//! Which delivery runs next: people first, one event per learner at a time, a bounded
//! number in flight.
//!
//! Deliveries wait here in their lane's order. The next to run is the first delivery of
//! the highest lane (refresh, then changes, then bulk) whose learner has nothing in
//! flight, so the events of one learner run strictly in order while many learners run
//! at once. Button refreshes also have slots of their own, so a press never waits for a
//! bulk event to finish.

use crate::job::Job;
use crate::pacer::{Priority, PriorityCell};
use domain::events::InvalidEvent;
use lapin::message::Delivery;
use producer::topology::Lane;
use std::collections::{HashMap, VecDeque};

/// A delivery waiting or running.
#[derive(Debug)]
pub struct Item {
    /// Where it came from.
    pub lane: Lane,
    /// The message.
    pub delivery: Delivery,
    /// The decoded job, or why the message is invalid.
    pub parsed: Result<Job, InvalidEvent>,
}

impl Item {
    /// The learner whose events must stay in order (none for invalid messages and
    /// full-refresh work).
    pub fn key(&self) -> Option<i64> {
        self.parsed
            .as_ref()
            .ok()
            .filter(|job| !job.sweep)
            .and_then(|job| job.event.event.learner_id())
    }
}

/// Which pool of slots a running item uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Reserved for button refreshes.
    Person,
    /// Shared by all lanes.
    General,
}

/// The waiting deliveries and what is in flight.
#[derive(Debug)]
pub struct Scheduler {
    lanes: [VecDeque<Item>; 3],
    busy: HashMap<i64, PriorityCell>,
    general: usize,
    person: usize,
    running_by_lane: [usize; 3],
    max_general: usize,
    max_person: usize,
}

/// The priority of a lane's work.
pub fn priority(lane: Lane) -> Priority {
    match lane {
        Lane::Refresh => Priority::Person,
        Lane::Changes => Priority::Change,
        Lane::Bulk | Lane::Results => Priority::Bulk,
    }
}

fn index(lane: Lane) -> usize {
    match lane {
        Lane::Refresh => 0,
        Lane::Changes => 1,
        Lane::Bulk | Lane::Results => 2,
    }
}

impl Scheduler {
    /// A scheduler with `concurrency` shared slots and `person_slots` for the button.
    pub fn new(concurrency: usize, person_slots: usize) -> Self {
        Self {
            lanes: Default::default(),
            busy: HashMap::new(),
            general: 0,
            person: 0,
            running_by_lane: [0; 3],
            max_general: concurrency.max(1),
            max_person: person_slots,
        }
    }

    /// Queues a delivery.
    pub fn push(&mut self, item: Item) {
        self.lanes[index(item.lane)].push_back(item);
    }

    /// Deliveries waiting.
    pub fn waiting(&self) -> usize {
        self.lanes.iter().map(VecDeque::len).sum()
    }

    /// Items in flight.
    pub fn running(&self) -> usize {
        self.general + self.person
    }

    /// Deliveries of `lane` held (waiting or running), i.e. unacked.
    pub fn held(&self, lane: Lane) -> usize {
        self.lanes[index(lane)].len() + self.running_by_lane[index(lane)]
    }

    /// Raises the priority of running events that block waiting ones of a higher lane
    /// (priority inheritance: a button press waiting for its learner's bulk refresh
    /// lends that refresh its priority).
    fn lend_priority(&self) {
        for item in self.lanes.iter().flatten() {
            if let Some(cell) = item.key().and_then(|k| self.busy.get(&k)) {
                cell.raise(priority(item.lane));
            }
        }
    }

    /// The next item to run, if a slot is free and one is runnable, with the cell
    /// holding its priority.
    pub fn next_runnable(&mut self) -> Option<(Item, Slot, PriorityCell)> {
        self.lend_priority();
        for lane in 0..3 {
            let slot = if lane == 0 && self.person < self.max_person {
                Slot::Person
            } else if self.general < self.max_general {
                Slot::General
            } else {
                continue;
            };
            let busy = &self.busy;
            let Some(pos) = self.lanes[lane]
                .iter()
                .position(|item| item.key().is_none_or(|k| !busy.contains_key(&k)))
            else {
                continue;
            };
            let item = self.lanes[lane].remove(pos)?;
            let cell = PriorityCell::new(priority(item.lane));
            if let Some(key) = item.key() {
                self.busy.insert(key, cell.clone());
            }
            match slot {
                Slot::Person => self.person += 1,
                Slot::General => self.general += 1,
            }
            self.running_by_lane[lane] += 1;
            return Some((item, slot, cell));
        }
        None
    }

    /// Frees the slot and learner of a finished item of `lane`.
    pub fn finish(&mut self, lane: Lane, key: Option<i64>, slot: Slot) {
        if let Some(key) = key {
            self.busy.remove(&key);
        }
        let running = &mut self.running_by_lane[index(lane)];
        *running = running.saturating_sub(1);
        match slot {
            Slot::Person => self.person = self.person.saturating_sub(1),
            Slot::General => self.general = self.general.saturating_sub(1),
        }
    }

    /// Everything still waiting, for requeueing at shutdown.
    pub fn drain(&mut self) -> Vec<Item> {
        self.lanes.iter_mut().flat_map(std::mem::take).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::events::{Envelope, ValidEvent};

    fn item(lane: Lane, envelope: &Envelope) -> Item {
        let delivery = Delivery::mock(1, "".into(), "".into(), false, envelope.to_json());
        let event = ValidEvent::from_envelope(envelope.clone()).unwrap();
        Item {
            lane,
            delivery,
            parsed: Ok(Job {
                lane,
                event,
                redelivered: false,
                run_id: None,
                sweep: false,
            }),
        }
    }

    fn learner(next: &Option<(Item, Slot, PriorityCell)>) -> Option<i64> {
        next.as_ref().and_then(|(item, ..)| item.key())
    }

    #[test]
    fn one_event_per_learner_in_order_and_people_first() {
        let mut s = Scheduler::new(2, 1);
        s.push(item(Lane::Bulk, &Envelope::refresh_learner(1, "n")));
        s.push(item(Lane::Changes, &Envelope::enrol(1, "p")));
        s.push(item(Lane::Changes, &Envelope::enrol(2, "p")));
        s.push(item(Lane::Refresh, &Envelope::refresh_learner(3, "button")));
        // The button first (its own slot), then changes in order.
        let first = s.next_runnable();
        assert_eq!(learner(&first), Some(3));
        assert_eq!(first.as_ref().map(|f| f.1), Some(Slot::Person));
        assert_eq!(first.as_ref().map(|f| f.2.get()), Some(Priority::Person));
        let second = s.next_runnable();
        assert_eq!(learner(&second), Some(1));
        let second_priority = second.as_ref().map(|f| f.2.clone()).unwrap();
        assert_eq!(second_priority.get(), Priority::Change);
        let third = s.next_runnable();
        assert_eq!(learner(&third), Some(2));
        // Both shared slots are taken: learner 1's bulk refresh waits.
        assert!(s.next_runnable().is_none());
        assert_eq!(s.held(Lane::Changes), 2);
        // Learner 2 finishes: a slot frees, but learner 1 is still busy, so nothing runs.
        s.finish(Lane::Changes, Some(2), Slot::General);
        assert!(
            s.next_runnable().is_none(),
            "learner 1's events stay in order"
        );
        // A button press for learner 1 arrives: it waits for learner 1's running
        // enrolment, which inherits the press's priority meanwhile.
        s.push(item(Lane::Refresh, &Envelope::refresh_learner(1, "button")));
        assert!(s.next_runnable().is_none());
        assert_eq!(
            second_priority.get(),
            Priority::Person,
            "priority lent to the blocker"
        );
        s.finish(Lane::Changes, Some(1), Slot::General);
        let next = s.next_runnable();
        assert_eq!(learner(&next), Some(1));
        assert_eq!(
            next.map(|n| n.0.lane),
            Some(Lane::Refresh),
            "the press goes before the bulk refresh"
        );
    }
}
