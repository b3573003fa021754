//! A typed client for OneFile API v2.1 (contracts/onefile-api.md).
//!
//! - every call of the contract, with typed request and response structs ([`model`]);
//! - `X-CustomerToken` authentication, `X-TokenID` on every call, renewal after 23 h and
//!   one re-authentication and retry on `401`;
//! - paged searches ([`search`]);
//! - errors classified for the caller ([`OneFileError`]);
//! - every request, authentication included, passes a caller-supplied [`Gate`], where the
//!   consumer's token bucket plugs in.
//!
//! The API token is a [`secrecy::SecretString`]: `Debug` and logs never show it, and
//! request and response bodies, which hold personal data, are never logged.

mod client;
pub mod dates;
mod error;
mod gate;
pub mod model;
pub mod search;

pub use client::{ClientConfig, OneFileClient, Result};
pub use error::OneFileError;
pub use gate::{CallOutcome, Gate, GateFuture, Ungated};
pub use secrecy::SecretString;
