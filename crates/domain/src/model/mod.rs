//! The PICSWeb model: the rows of `contracts/picsweb-schema.sql` that the integration
//! reads and writes, the values of its CHECK lists, and [`LearnerBundle`], everything the
//! upload of one learner needs, loaded at once by the database crate.

mod bundle;
mod debug;
#[cfg(test)]
pub(crate) mod fixtures;
mod tables;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use bundle::LearnerBundle;
pub use tables::{
    Learner, LearnerQualification, Officer, OneFileSettings, Organisation, Placement,
    Qualification, Review,
};

/// `learner.system_status` of a learner in use (the other value is 'Archived').
pub const SYSTEM_STATUS_LIVE: &str = "Live";

/// `learner.learning_status` of a learner still learning.
pub const LEARNING_STATUS_IN_LEARNING: &str = "In Learning";

/// `placement.placement_type` of an employer placement.
pub const EMPLOYER_PLACEMENT_TYPE: &str = "P";

/// `onefile_settings.demographics_mode`: what a refresh does with learner details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DemographicsMode {
    /// Leave learner details alone.
    Ignore,
    /// Send PICSWeb's details to OneFile, only when they changed since last sent.
    Push,
    /// Take OneFile's details into PICSWeb, with the refresh merge rule.
    Pull,
}

impl DemographicsMode {
    /// Parses the column's value: exactly 'Ignore', 'Push' or 'Pull', as its CHECK allows.
    pub fn parse(text: &str) -> Result<Self, UnknownDemographicsMode> {
        match text {
            "Ignore" => Ok(Self::Ignore),
            "Push" => Ok(Self::Push),
            "Pull" => Ok(Self::Pull),
            _ => Err(UnknownDemographicsMode(text.to_owned())),
        }
    }

    /// The column's value for this mode.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Ignore => "Ignore",
            Self::Push => "Push",
            Self::Pull => "Pull",
        }
    }
}

impl FromStr for DemographicsMode {
    type Err = UnknownDemographicsMode;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for DemographicsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `demographics_mode` value outside 'Ignore', 'Push', 'Pull'.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("onefile_settings.demographics_mode is {0:?}; expected 'Ignore', 'Push' or 'Pull'")]
pub struct UnknownDemographicsMode(pub String);

impl OneFileSettings {
    /// The demographics mode, parsed.
    pub fn demographics(&self) -> Result<DemographicsMode, UnknownDemographicsMode> {
        DemographicsMode::parse(&self.demographics_mode)
    }
}
