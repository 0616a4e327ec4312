//! Test cases and runs as pure logic shared by server and host: the test case document and its
//! checks (`case`), what a run reports (`run`), cron schedules (`cron`), the queue's choice of
//! device (`queue`), and the HTML and JUnit reports (`report`, `junit`). No I/O here, except in
//! `cli`: `vpt run`, the client a CI pipeline calls.

pub mod case;
pub mod cli;
pub mod cron;
#[cfg(test)]
mod fixtures;
pub mod junit;
pub mod queue;
pub mod report;
pub mod run;
