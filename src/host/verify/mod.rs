//! Verifications on a host's devices: the request format, the run over live frames, and the
//! annotated images of results. The analysis itself is `crate::verify`.

pub mod annotated;
pub mod run;

pub use crate::protocol::verification::{PassCondition, VerifyRequest, VerifyResponse};
pub use annotated::AnnotatedStore;
