//! The tree document: nodes, edges and actions as the API, the history and exports carry them,
//! and the structural checks every saved tree passes (see docs/navigation.md).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::ids::is_valid_id;
use crate::protocol::PowerAction;

/// Id of the node a device of unknown state starts from.
pub const ENTRY: &str = "entry";
/// Id of the node every tree has as its main screen.
pub const HOME: &str = "home";
/// Longest wait (after an edge, or a node's verification timeout) a tree may ask for.
pub const MAX_WAIT_MS: u64 = 60_000;
/// Most times one action may repeat.
pub const MAX_REPEAT: u32 = 50;
/// Node verification timeout when a node gives none.
pub const DEFAULT_NODE_TIMEOUT_MS: u64 = 2_000;
/// Limits that keep a tree something the editor can show and the planner walks quickly.
pub const MAX_NODES: usize = 5_000;
pub const MAX_EDGES: usize = 20_000;
const MAX_ACTIONS: usize = 100;
const MAX_VERIFICATIONS: usize = 20;
const MAX_LABEL_CHARS: usize = 200;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreeDoc {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeType {
    Entry,
    #[default]
    Menu,
    Screen,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    pub x: f64,
    pub y: f64,
}

/// Whether all of a node's verifications must pass, or any one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pass {
    #[default]
    All,
    Any,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub id: String,
    #[serde(default)]
    pub label: String,
    #[serde(default, rename = "type")]
    pub node_type: NodeType,
    #[serde(default)]
    pub position: Position,
    /// Verification objects as the verify API takes them, with references named in the tree's
    /// userinterface. Their fields are checked by the server, which resolves the references.
    #[serde(default)]
    pub verifications: Vec<Map<String, Value>>,
    #[serde(default)]
    pub pass: Pass,
    #[serde(default = "default_node_timeout")]
    pub timeout_ms: u64,
}

fn default_node_timeout() -> u64 {
    DEFAULT_NODE_TIMEOUT_MS
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    #[serde(default)]
    pub id: String,
    pub source: String,
    pub target: String,
    pub forward: Vec<Action>,
    #[serde(default)]
    pub reverse: Option<Vec<Action>>,
    #[serde(default)]
    pub retry: Vec<Action>,
    #[serde(default)]
    pub failure: Vec<Action>,
    #[serde(default)]
    pub wait_ms: u64,
    #[serde(default = "default_weight")]
    pub weight: f64,
}

fn default_weight() -> f64 {
    1.0
}

/// One thing done to a device. `repeat` applies to every command. (Unknown fields cannot be
/// refused here: serde does not combine that with the flattened command.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    #[serde(flatten)]
    pub command: Command,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub repeat: u32,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    Press { key: String },
    Text { text: String },
    Wait { ms: u64 },
    Power { action: PowerAction },
}

impl Action {
    pub fn press(key: &str) -> Action {
        Action {
            command: Command::Press {
                key: key.to_string(),
            },
            repeat: 1,
        }
    }

    pub fn repeated(mut self, repeat: u32) -> Action {
        self.repeat = repeat;
        self
    }

    /// Short human form, e.g. `RIGHT ×2`.
    pub fn summary(&self) -> String {
        let base = match &self.command {
            Command::Press { key } => key.clone(),
            Command::Text { text } => format!("text \"{text}\""),
            Command::Wait { ms } => format!("wait {ms} ms"),
            Command::Power { action } => format!("power {}", power_word(*action)),
        };
        if self.repeat > 1 {
            format!("{base} ×{}", self.repeat)
        } else {
            base
        }
    }
}

fn power_word(action: PowerAction) -> &'static str {
    match action {
        PowerAction::On => "on",
        PowerAction::Off => "off",
        PowerAction::Cycle => "cycle",
    }
}

/// `RIGHT ×2, OK`.
pub fn summarize(actions: &[Action]) -> String {
    actions
        .iter()
        .map(Action::summary)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A tree that breaks a rule, with a sentence naming the offending node, edge or action.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct TreeError(pub String);

fn fail<T>(message: String) -> Result<T, TreeError> {
    Err(TreeError(message))
}

impl TreeDoc {
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    pub fn edge(&self, id: &str) -> Option<&Edge> {
        self.edges.iter().find(|e| e.id == id)
    }

    /// Gives every edge without an id one (`<source>-<target>`, numbered when taken).
    pub fn fill_edge_ids(&mut self) {
        let mut taken: HashSet<String> = self.edges.iter().map(|e| e.id.clone()).collect();
        for edge in self.edges.iter_mut().filter(|e| e.id.is_empty()) {
            let base = format!("{}-{}", edge.source, edge.target);
            let mut id = base.clone();
            let mut n = 2;
            while taken.contains(&id) {
                id = format!("{base}-{n}");
                n += 1;
            }
            taken.insert(id.clone());
            edge.id = id;
        }
    }

    /// Checks the structure: ids, the entry and home nodes, edge ends, actions and limits.
    /// Verifications are checked by the caller, which knows the references.
    pub fn validate(&self) -> Result<(), TreeError> {
        if self.nodes.len() > MAX_NODES {
            return fail(format!("a tree has at most {MAX_NODES} nodes"));
        }
        if self.edges.len() > MAX_EDGES {
            return fail(format!("a tree has at most {MAX_EDGES} edges"));
        }
        let mut ids = HashSet::new();
        for node in &self.nodes {
            check_id("node", &node.id)?;
            if !ids.insert(node.id.as_str()) {
                return fail(format!("node \"{}\" appears twice", node.id));
            }
            validate_node(node)?;
        }
        match self.node(ENTRY) {
            Some(node) if node.node_type == NodeType::Entry => {}
            Some(_) => return fail(format!("node \"{ENTRY}\" must have type \"entry\"")),
            None => return fail(format!("the tree has no \"{ENTRY}\" node")),
        }
        if self.node(HOME).is_none() {
            return fail(format!("the tree has no \"{HOME}\" node"));
        }
        if let Some(other) = self
            .nodes
            .iter()
            .find(|n| n.node_type == NodeType::Entry && n.id != ENTRY)
        {
            return fail(format!(
                "node \"{}\": only \"{ENTRY}\" may have type \"entry\"",
                other.id
            ));
        }
        let mut edge_ids = HashSet::new();
        for edge in &self.edges {
            check_id("edge", &edge.id)?;
            if !edge_ids.insert(edge.id.as_str()) {
                return fail(format!("edge \"{}\" appears twice", edge.id));
            }
            let name = &edge.id;
            for (end, id) in [("source", &edge.source), ("target", &edge.target)] {
                if !ids.contains(id.as_str()) {
                    return fail(format!("edge \"{name}\": {end} \"{id}\" is not a node"));
                }
            }
            if edge.source == edge.target {
                return fail(format!(
                    "edge \"{name}\": source and target are the same node"
                ));
            }
            if edge.target == ENTRY {
                return fail(format!(
                    "edge \"{name}\": nothing leads into \"{ENTRY}\" (it is where an unknown device starts)"
                ));
            }
            if edge.source == ENTRY && edge.reverse.is_some() {
                return fail(format!(
                    "edge \"{name}\": an edge from \"{ENTRY}\" has no reverse"
                ));
            }
            if edge.forward.is_empty() {
                return fail(format!(
                    "edge \"{name}\": forward needs at least one action"
                ));
            }
            if edge.reverse.as_ref().is_some_and(Vec::is_empty) {
                return fail(format!(
                    "edge \"{name}\": reverse needs at least one action, or null for none"
                ));
            }
            let lists = [
                ("forward", Some(&edge.forward)),
                ("reverse", edge.reverse.as_ref()),
                ("retry", Some(&edge.retry)),
                ("failure", Some(&edge.failure)),
            ];
            for (list, actions) in lists {
                for (index, action) in actions.into_iter().flatten().enumerate() {
                    validate_action(action).map_err(|why| {
                        TreeError(format!("edge \"{name}\": {list} action {index}: {why}"))
                    })?;
                }
                if actions.is_some_and(|a| a.len() > MAX_ACTIONS) {
                    return fail(format!(
                        "edge \"{name}\": {list} has more than {MAX_ACTIONS} actions"
                    ));
                }
            }
            if edge.wait_ms > MAX_WAIT_MS {
                return fail(format!(
                    "edge \"{name}\": wait_ms must be at most {MAX_WAIT_MS}"
                ));
            }
            if !edge.weight.is_finite() || edge.weight <= 0.0 || edge.weight > 1e6 {
                return fail(format!(
                    "edge \"{name}\": weight must be a number above 0 (and at most 1000000)"
                ));
            }
        }
        Ok(())
    }
}

fn check_id(what: &str, id: &str) -> Result<(), TreeError> {
    if is_valid_id(id) {
        Ok(())
    } else {
        fail(format!(
            "{what} id \"{id}\": use 1 to 64 letters, digits, `-`, `_` and `.`"
        ))
    }
}

fn validate_node(node: &Node) -> Result<(), TreeError> {
    let id = &node.id;
    if node.label.chars().count() > MAX_LABEL_CHARS {
        return fail(format!(
            "node \"{id}\": label is longer than {MAX_LABEL_CHARS} characters"
        ));
    }
    if !node.position.x.is_finite() || !node.position.y.is_finite() {
        return fail(format!("node \"{id}\": position must be finite numbers"));
    }
    if node.timeout_ms > MAX_WAIT_MS {
        return fail(format!(
            "node \"{id}\": timeout_ms must be at most {MAX_WAIT_MS}"
        ));
    }
    if node.verifications.len() > MAX_VERIFICATIONS {
        return fail(format!(
            "node \"{id}\": at most {MAX_VERIFICATIONS} verifications"
        ));
    }
    if node.node_type == NodeType::Entry && !node.verifications.is_empty() {
        return fail(format!(
            "node \"{id}\": the entry node has no verifications (any state is the entry)"
        ));
    }
    Ok(())
}

fn validate_action(action: &Action) -> Result<(), String> {
    if action.repeat == 0 || action.repeat > MAX_REPEAT {
        return Err(format!("repeat must be 1 to {MAX_REPEAT}"));
    }
    match &action.command {
        Command::Press { key } => {
            let valid = !key.is_empty()
                && key.len() <= 32
                && key
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                return Err(format!(
                    "key \"{key}\" is not a key name (capitals, digits and `_`, e.g. OK, CHANNEL_UP)"
                ));
            }
        }
        Command::Text { text } => {
            if text.is_empty() || text.chars().count() > 500 {
                return Err("text must be 1 to 500 characters".into());
            }
        }
        Command::Wait { ms } => {
            if *ms > MAX_WAIT_MS {
                return Err(format!("wait must be at most {MAX_WAIT_MS} ms"));
            }
        }
        Command::Power { .. } => {}
    }
    Ok(())
}

/// Parses a tree document, naming the first problem in a sentence (an unknown action command is
/// reported by name).
pub fn parse_tree(value: Value) -> Result<TreeDoc, TreeError> {
    let mut doc: TreeDoc = serde_json::from_value(value.clone()).map_err(|e| {
        TreeError(describe_parse_error(&value).unwrap_or_else(|| format!("invalid tree: {e}")))
    })?;
    doc.fill_edge_ids();
    doc.validate()?;
    Ok(doc)
}

/// Finds the node or edge a parse error comes from, for a message a user can act on.
pub fn describe_parse_error(value: &Value) -> Option<String> {
    let nodes = value.get("nodes")?.as_array()?;
    for (index, node) in nodes.iter().enumerate() {
        if let Err(e) = serde_json::from_value::<Node>(node.clone()) {
            let name = node.get("id").and_then(Value::as_str).unwrap_or("?");
            return Some(format!("node {index} (\"{name}\"): {e}"));
        }
    }
    let edges = value.get("edges")?.as_array()?;
    for (index, edge) in edges.iter().enumerate() {
        let name = edge.get("id").and_then(Value::as_str).unwrap_or("?");
        for list in ["forward", "reverse", "retry", "failure"] {
            let Some(actions) = edge.get(list).and_then(Value::as_array) else {
                continue;
            };
            for (at, action) in actions.iter().enumerate() {
                if let Err(e) = serde_json::from_value::<Action>(action.clone()) {
                    let why = match action.get("command").and_then(Value::as_str) {
                        Some(c) if !["press", "text", "wait", "power"].contains(&c) => {
                            format!("unknown command \"{c}\" (press, text, wait, power)")
                        }
                        _ => e.to_string(),
                    };
                    return Some(format!(
                        "edge {index} (\"{name}\"): {list} action {at}: {why}"
                    ));
                }
            }
        }
        if let Err(e) = serde_json::from_value::<Edge>(edge.clone()) {
            return Some(format!("edge {index} (\"{name}\"): {e}"));
        }
    }
    None
}

/// A new userinterface's tree: `entry` and `home` joined by a HOME press.
pub fn starter_tree() -> TreeDoc {
    TreeDoc {
        nodes: vec![
            Node {
                id: ENTRY.into(),
                label: "Entry".into(),
                node_type: NodeType::Entry,
                position: Position { x: 0.0, y: 0.0 },
                verifications: Vec::new(),
                pass: Pass::All,
                timeout_ms: DEFAULT_NODE_TIMEOUT_MS,
            },
            Node {
                id: HOME.into(),
                label: "Home".into(),
                node_type: NodeType::Menu,
                position: Position { x: 260.0, y: 0.0 },
                verifications: Vec::new(),
                pass: Pass::All,
                timeout_ms: DEFAULT_NODE_TIMEOUT_MS,
            },
        ],
        edges: vec![Edge {
            id: "entry-home".into(),
            source: ENTRY.into(),
            target: HOME.into(),
            forward: vec![Action::press("HOME")],
            reverse: None,
            retry: Vec::new(),
            failure: Vec::new(),
            wait_ms: 0,
            weight: 1.0,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        serde_json::to_value(starter_tree()).unwrap()
    }

    #[test]
    fn starter_tree_is_valid_and_round_trips() {
        let doc = starter_tree();
        doc.validate().unwrap();
        let text = serde_json::to_string(&doc).unwrap();
        let back = parse_tree(serde_json::from_str(&text).unwrap()).unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn edge_to_a_missing_node_is_named() {
        let mut value = base();
        value["edges"].as_array_mut().unwrap().push(json!({
            "id": "home-gide", "source": "home", "target": "gide",
            "forward": [{"command": "press", "key": "RIGHT"}]
        }));
        let e = parse_tree(value).unwrap_err();
        assert_eq!(e.0, "edge \"home-gide\": target \"gide\" is not a node");
    }

    #[test]
    fn unknown_command_is_named() {
        let mut value = base();
        value["edges"][0]["forward"] =
            json!([{"command": "press", "key": "HOME"}, {"command": "jump"}]);
        let e = parse_tree(value).unwrap_err();
        assert!(
            e.0.contains("forward action 1: unknown command \"jump\""),
            "{e}"
        );
    }

    #[test]
    fn structural_rules() {
        let mut doc = starter_tree();
        doc.nodes.retain(|n| n.id != HOME);
        doc.edges.clear();
        assert!(doc.validate().unwrap_err().0.contains("no \"home\""));

        let mut doc = starter_tree();
        doc.edges[0].forward = vec![Action::press("ok")];
        assert!(doc.validate().unwrap_err().0.contains("key \"ok\""));

        let mut doc = starter_tree();
        doc.edges[0].forward[0].repeat = 0;
        assert!(doc.validate().unwrap_err().0.contains("repeat"));

        let mut doc = starter_tree();
        doc.nodes.push(doc.nodes[1].clone());
        assert!(doc.validate().unwrap_err().0.contains("appears twice"));

        let mut doc = starter_tree();
        doc.edges[0].reverse = Some(vec![Action::press("BACK")]);
        assert!(doc.validate().unwrap_err().0.contains("no reverse"));
    }

    #[test]
    fn edge_ids_are_generated_once() {
        let mut doc = starter_tree();
        let mut extra = doc.edges[0].clone();
        extra.id = String::new();
        doc.edges.push(extra.clone());
        doc.edges.push(extra);
        doc.fill_edge_ids();
        let ids: Vec<_> = doc.edges.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["entry-home", "entry-home-2", "entry-home-3"]);
    }

    #[test]
    fn summaries_read_like_key_sequences() {
        let actions = [Action::press("RIGHT").repeated(2), Action::press("OK")];
        assert_eq!(summarize(&actions), "RIGHT ×2, OK");
    }
}
