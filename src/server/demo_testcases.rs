//! Test cases of the `demo-stb` userinterface, created once next to the demo tree: a few that
//! pass on the simulated box out of the box, and one that fails on purpose so the first failure
//! report a user sees is a harmless one.

use rusqlite::Connection;
use serde_json::{Value, json};

use super::db::DbError;
use super::db::testing::{self as queries, DbContext, TestCaseFields};
use super::db::trees::{meta, set_meta_in};
use super::demo::DEMO_USERINTERFACE;
use crate::testing::case;

const SEEDED_KEY: &str = "demo_testcases_seeded";

/// (name, description, tags, document)
fn testcases() -> Vec<(&'static str, &'static str, &'static [&'static str], Value)> {
    vec![
        (
            "Open Settings",
            "Goes to Settings from wherever the box is and checks the Network row has the focus.",
            &["demo", "smoke"],
            json!({"userinterface": DEMO_USERINTERFACE, "steps": [
                {"action": "goto", "node": "settings"},
                {"action": "verify", "verifications": [
                    {"kind": "image", "reference": "settings-network-focused"}]},
                {"action": "screenshot", "name": "Settings"}
            ]}),
        ),
        (
            "Open Wi-Fi settings",
            "Opens the Wi-Fi page and reads its heading.",
            &["demo", "smoke"],
            json!({"userinterface": DEMO_USERINTERFACE, "steps": [
                {"action": "goto", "node": "settings.wifi"},
                {"action": "verify", "pass": "all", "verifications": [
                    {"kind": "image", "reference": "settings-wifi-heading"},
                    {"kind": "text", "expect": "Wi-Fi|WiFi"}]}
            ]}),
        ),
        (
            "Zap three channels",
            "Watches live TV and zaps up three times; each channel must show a moving picture.",
            &["demo", "live"],
            json!({"userinterface": DEMO_USERINTERFACE, "steps": [
                {"action": "goto", "node": "live_tv"},
                {"action": "repeat", "times": 3, "steps": [
                    {"action": "press", "keys": ["CHANNEL_UP"]},
                    {"action": "verify", "label": "The picture moves",
                     "verifications": [{"kind": "motion"}]},
                    {"action": "verify", "label": "The picture is not black",
                     "verifications": [{"kind": "black", "mode": "absent"}]}
                ]},
                {"action": "screenshot", "name": "After zapping"}
            ]}),
        ),
        (
            "Black screen after power off",
            "Switches the box off and on: the screen must go black, then the home screen returns.",
            &["demo", "power"],
            json!({"userinterface": DEMO_USERINTERFACE, "steps": [
                {"action": "power", "power": "off"},
                {"action": "verify", "label": "The screen goes black",
                 "verifications": [{"kind": "black", "timeout_ms": 3000}]},
                {"action": "power", "power": "on"},
                {"action": "verify", "label": "The home screen is back",
                 "verifications": [{"kind": "image", "reference": "home-live_tv-focused",
                                    "timeout_ms": 15000}]}
            ]}),
        ),
        (
            "Find the Sports tile (fails on purpose)",
            "Shows what a failure report looks like: the demo box has no Sports tile.",
            &["demo", "failing"],
            json!({"userinterface": DEMO_USERINTERFACE, "steps": [
                {"action": "goto", "node": "home"},
                {"action": "verify", "verifications": [
                    {"kind": "text", "expect": "Sports", "timeout_ms": 2000}]}
            ]}),
        ),
    ]
}

/// Creates the demo test cases once (after the demo tree, whose references they use). A test
/// case whose name is taken is left alone. Returns how many were created.
pub fn seed(conn: &mut Connection) -> Result<usize, DbError> {
    if meta(conn, SEEDED_KEY)?.is_some() {
        return Ok(0);
    }
    let tx = conn.transaction()?;
    let mut created = 0;
    let demo_exists = queries_userinterface_exists(&tx)?;
    if demo_exists {
        for (name, description, tags, document) in testcases() {
            let doc = case::parse(&document)
                .map_err(|e| DbError::Worker(format!("demo test case \"{name}\": {e}")))?;
            doc.validate(&DbContext { conn: &tx })
                .map_err(|e| DbError::Worker(format!("demo test case \"{name}\": {e}")))?;
            if queries::find_testcase(&tx, name)?.is_some() {
                continue;
            }
            let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
            queries::insert_testcase(
                &tx,
                &TestCaseFields {
                    name,
                    description,
                    tags: &tags,
                    document: &doc,
                },
            )?;
            created += 1;
        }
    }
    set_meta_in(&tx, SEEDED_KEY, &chrono::Utc::now().to_rfc3339())?;
    tx.commit()?;
    Ok(created)
}

fn queries_userinterface_exists(conn: &Connection) -> Result<bool, DbError> {
    Ok(super::db::trees::find_userinterface(conn, DEMO_USERINTERFACE)?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_test_cases_are_valid_documents() {
        for (name, _, _, document) in testcases() {
            let doc = case::parse(&document).unwrap_or_else(|e| panic!("{name}: {e}"));
            doc.validate(&case::NoContext)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}
