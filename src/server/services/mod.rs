//! What handlers, navigation jobs, run dispatch and the scheduler share: loading stored things
//! and preparing them for a host. HTTP handlers (`api/`) parse a request, call these and map
//! the result; nothing here knows a route.

pub mod references;
pub mod trees;
