//! Planning over a tree: every edge gives a forward move and, when it has reverse actions, a
//! reverse move; the planner finds the cheapest sequence of moves between two nodes (Dijkstra)
//! and the edge-covering walk that validation follows.
//!
//! The entry node is special: it stands for "a device in an unknown state", so its moves can be
//! taken from anywhere (their actions must work from any screen, e.g. HOME). The planner treats
//! every node as one free step away from `entry`.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use serde::{Deserialize, Serialize};

use super::model::{ENTRY, TreeDoc};

/// Planning cost of an edge with no measured time, per unit of its weight.
pub const UNMEASURED_MS: f64 = 500.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Forward,
    Reverse,
}

/// One traversable move: an edge walked in one direction.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    /// Index of the edge in the tree's edge list.
    pub edge: usize,
    pub direction: Direction,
    pub from: usize,
    pub to: usize,
    pub cost: f64,
}

/// How a search reached a node: its cost, and the move with the node it was taken from.
type Reached = (f64, Option<(usize, usize)>);

/// Measured mean times of moves, by edge id and direction.
pub type MeasuredTimes = HashMap<(String, Direction), f64>;

/// The tree as a graph of node indices.
pub struct Graph {
    pub node_ids: Vec<String>,
    index: HashMap<String, usize>,
    pub moves: Vec<Move>,
    /// Indices into `moves` leaving each node.
    outgoing: Vec<Vec<usize>>,
    entry: Option<usize>,
    /// Moves the planner no longer uses (they keep failing).
    disabled: Vec<bool>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("node \"{0}\" is not in the tree")]
    UnknownNode(String),
    #[error("no path from \"{from}\" to \"{to}\": no edge leads there")]
    Unreachable { from: String, to: String },
}

#[derive(PartialEq)]
struct Candidate {
    cost: f64,
    node: usize,
}

impl Eq for Candidate {}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the cheapest first.
        other
            .cost
            .total_cmp(&self.cost)
            .then_with(|| other.node.cmp(&self.node))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Graph {
    pub fn new(tree: &TreeDoc, measured: &MeasuredTimes) -> Graph {
        let node_ids: Vec<String> = tree.nodes.iter().map(|n| n.id.clone()).collect();
        let index: HashMap<String, usize> = node_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i))
            .collect();
        let mut moves = Vec::with_capacity(tree.edges.len() * 2);
        for (edge_index, edge) in tree.edges.iter().enumerate() {
            let (Some(&source), Some(&target)) = (index.get(&edge.source), index.get(&edge.target))
            else {
                continue;
            };
            let cost = |direction| {
                measured
                    .get(&(edge.id.clone(), direction))
                    .copied()
                    .filter(|ms: &f64| ms.is_finite() && *ms >= 0.0)
                    .unwrap_or(edge.weight * UNMEASURED_MS)
                    + edge.wait_ms as f64
            };
            moves.push(Move {
                edge: edge_index,
                direction: Direction::Forward,
                from: source,
                to: target,
                cost: cost(Direction::Forward),
            });
            if edge.reverse.is_some() {
                moves.push(Move {
                    edge: edge_index,
                    direction: Direction::Reverse,
                    from: target,
                    to: source,
                    cost: cost(Direction::Reverse),
                });
            }
        }
        let mut outgoing = vec![Vec::new(); node_ids.len()];
        for (i, m) in moves.iter().enumerate() {
            outgoing[m.from].push(i);
        }
        let entry = index.get(ENTRY).copied();
        let disabled = vec![false; moves.len()];
        Graph {
            node_ids,
            index,
            moves,
            outgoing,
            entry,
            disabled,
        }
    }

    pub fn node_index(&self, id: &str) -> Result<usize, PlanError> {
        self.index
            .get(id)
            .copied()
            .ok_or_else(|| PlanError::UnknownNode(id.to_string()))
    }

    /// Moves leaving `node`, including the entry's moves (usable from anywhere).
    fn moves_from(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        let from_entry = match self.entry {
            Some(entry) if entry != node => self.outgoing[entry].as_slice(),
            _ => &[],
        };
        self.outgoing[node]
            .iter()
            .chain(from_entry)
            .copied()
            .filter(|&m| !self.disabled[m])
    }

    /// Stops planning with a move (index into `moves`), e.g. one that keeps failing.
    pub fn disable(&mut self, m: usize) {
        if let Some(flag) = self.disabled.get_mut(m) {
            *flag = true;
        }
    }

    /// Nodes one move away from `node` (not counting the entry's moves).
    pub fn neighbours(&self, node: usize) -> Vec<usize> {
        self.outgoing[node]
            .iter()
            .map(|&m| self.moves[m].to)
            .collect()
    }

    /// Cheapest way to every node reachable from `start`: its cost, and the move that reached
    /// it with the node that move was taken from (an entry move is taken from anywhere).
    fn search(&self, start: usize, stop_at: Option<usize>) -> Vec<Reached> {
        let mut best = vec![(f64::INFINITY, None); self.node_ids.len()];
        best[start].0 = 0.0;
        let mut heap = BinaryHeap::new();
        heap.push(Candidate {
            cost: 0.0,
            node: start,
        });
        while let Some(Candidate { cost, node }) = heap.pop() {
            if cost > best[node].0 {
                continue;
            }
            if Some(node) == stop_at {
                break;
            }
            for m in self.moves_from(node) {
                let next = self.moves[m].to;
                let total = cost + self.moves[m].cost;
                if total < best[next].0 {
                    best[next] = (total, Some((m, node)));
                    heap.push(Candidate {
                        cost: total,
                        node: next,
                    });
                }
            }
        }
        best
    }

    /// The moves from `start` to `target` recorded by [`Graph::search`], each with `from` set to
    /// where it was really taken.
    fn path_to(&self, best: &[Reached], start: usize, target: usize) -> Vec<Move> {
        let mut path = Vec::new();
        let mut at = target;
        while at != start {
            let Some((m, previous)) = best[at].1 else {
                break;
            };
            let mut step = self.moves[m].clone();
            step.from = previous;
            path.push(step);
            at = previous;
        }
        path.reverse();
        path
    }

    /// The cheapest moves from `from` to `to` (empty when they are the same node).
    pub fn shortest_path(&self, from: &str, to: &str) -> Result<Vec<Move>, PlanError> {
        let start = self.node_index(from)?;
        let target = self.node_index(to)?;
        self.shortest_path_by_index(start, target)
    }

    pub fn shortest_path_by_index(
        &self,
        start: usize,
        target: usize,
    ) -> Result<Vec<Move>, PlanError> {
        if start == target {
            return Ok(Vec::new());
        }
        let best = self.search(start, Some(target));
        if best[target].1.is_none() {
            return Err(PlanError::Unreachable {
                from: self.node_ids[start].clone(),
                to: self.node_ids[target].clone(),
            });
        }
        Ok(self.path_to(&best, start, target))
    }

    /// The moves to take next to cover an uncovered move, starting at `at`: a path (possibly
    /// empty) to a node with an uncovered move, then that move. Forward moves come before
    /// reverse ones at a node, so a tree is walked depth first and each reverse move brings the
    /// walk back up. `None` when every reachable move is covered.
    pub fn next_uncovered(&self, at: usize, covered: &[bool]) -> Option<Vec<Move>> {
        let pick = |node: usize| {
            self.moves_from(node)
                .filter(|&m| !covered[m])
                .min_by_key(|&m| (self.moves[m].direction, self.moves[m].edge))
        };
        if let Some(m) = pick(at) {
            let mut step = self.moves[m].clone();
            step.from = at;
            return Some(vec![step]);
        }
        let best = self.search(at, None);
        let (node, _) = (0..self.node_ids.len())
            .filter(|&n| best[n].0.is_finite() && pick(n).is_some())
            .map(|n| (n, best[n].0))
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))?;
        let mut path = self.path_to(&best, at, node);
        let mut last = self.moves[pick(node)?].clone();
        last.from = node;
        path.push(last);
        Some(path)
    }

    /// Index in `moves` of a move, to mark it covered.
    pub fn move_index(&self, edge: usize, direction: Direction) -> Option<usize> {
        self.moves
            .iter()
            .position(|m| m.edge == edge && m.direction == direction)
    }

    /// The whole covering walk from `start` assuming every move succeeds: what validation plans.
    pub fn covering_walk(&self, start: usize) -> Vec<Move> {
        let mut covered = vec![false; self.moves.len()];
        let mut at = start;
        let mut walk = Vec::new();
        while let Some(step) = self.next_uncovered(at, &covered) {
            for m in step {
                if let Some(i) = self.move_index(m.edge, m.direction) {
                    covered[i] = true;
                }
                at = m.to;
                walk.push(m);
            }
        }
        walk
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nav::model::{Action, Edge, Node, NodeType, Pass, Position, TreeDoc};

    fn node(id: &str) -> Node {
        Node {
            id: id.into(),
            label: id.into(),
            node_type: if id == ENTRY {
                NodeType::Entry
            } else {
                NodeType::Menu
            },
            position: Position::default(),
            verifications: Vec::new(),
            pass: Pass::All,
            timeout_ms: 1000,
        }
    }

    fn edge(source: &str, target: &str, reverse: bool, weight: f64) -> Edge {
        Edge {
            id: format!("{source}-{target}"),
            source: source.into(),
            target: target.into(),
            forward: vec![Action::press("OK")],
            reverse: reverse.then(|| vec![Action::press("BACK")]),
            retry: Vec::new(),
            failure: Vec::new(),
            wait_ms: 0,
            weight,
        }
    }

    /// entry -> home; home <-> a <-> b, home <-> c, c -> b (a shortcut without reverse), d alone.
    fn tree() -> TreeDoc {
        TreeDoc {
            nodes: ["entry", "home", "a", "b", "c", "d"]
                .into_iter()
                .map(node)
                .collect(),
            edges: vec![
                // Expensive, so that going through the entry is not the shortcut everywhere.
                edge("entry", "home", false, 10.0),
                edge("home", "a", true, 1.0),
                edge("a", "b", true, 1.0),
                edge("home", "c", true, 1.0),
                edge("c", "b", false, 1.0),
            ],
        }
    }

    fn ids(graph: &Graph, path: &[Move]) -> Vec<String> {
        path.iter().map(|m| graph.node_ids[m.to].clone()).collect()
    }

    #[test]
    fn shortest_path_uses_reverse_edges() {
        let graph = Graph::new(&tree(), &MeasuredTimes::new());
        let path = graph.shortest_path("b", "c").unwrap();
        assert_eq!(ids(&graph, &path), ["a", "home", "c"]);
        assert_eq!(path[0].direction, Direction::Reverse);
        assert_eq!(path[2].direction, Direction::Forward);
        assert!(graph.shortest_path("a", "a").unwrap().is_empty());
    }

    #[test]
    fn weights_and_measured_times_change_the_plan() {
        let graph = Graph::new(&tree(), &MeasuredTimes::new());
        // home -> b: via a (2 moves) or via c (2 moves): equal; make c -> b slow.
        let mut measured = MeasuredTimes::new();
        measured.insert(("c-b".into(), Direction::Forward), 5000.0);
        let slow = Graph::new(&tree(), &measured);
        assert_eq!(
            ids(&slow, &slow.shortest_path("c", "b").unwrap()),
            ["home", "a", "b"]
        );
        assert_eq!(ids(&graph, &graph.shortest_path("c", "b").unwrap()), ["b"]);
    }

    #[test]
    fn entry_moves_work_from_anywhere() {
        let mut doc = tree();
        doc.edges.push(edge("entry", "d", false, 1.0));
        let graph = Graph::new(&doc, &MeasuredTimes::new());
        let path = graph.shortest_path("b", "d").unwrap();
        assert_eq!(ids(&graph, &path), ["d"]);
        assert_eq!(doc.edges[path[0].edge].source, "entry");
        assert_eq!(graph.node_ids[path[0].from], "b");
    }

    #[test]
    fn unreachable_target_is_a_clear_error() {
        let graph = Graph::new(&tree(), &MeasuredTimes::new());
        let e = graph.shortest_path("home", "d").unwrap_err();
        assert_eq!(
            e.to_string(),
            "no path from \"home\" to \"d\": no edge leads there"
        );
        let e = graph.shortest_path("home", "zz").unwrap_err();
        assert_eq!(e.to_string(), "node \"zz\" is not in the tree");
    }

    #[test]
    fn covering_walk_covers_every_move() {
        let graph = Graph::new(&tree(), &MeasuredTimes::new());
        let start = graph.node_index("home").unwrap();
        let walk = graph.covering_walk(start);
        for (i, m) in graph.moves.iter().enumerate() {
            assert!(
                walk.iter()
                    .any(|w| w.edge == m.edge && w.direction == m.direction),
                "move {i} not covered"
            );
        }
        // Consecutive moves connect.
        let mut at = start;
        for m in &walk {
            assert_eq!(m.from, at, "walk jumps");
            at = m.to;
        }
        // 8 moves to cover. The one-way c -> b leaves b with more ways in than out and c with
        // more ways out than in, so any covering walk also goes b -> a -> home -> c: 11 is optimal.
        assert_eq!(graph.moves.len(), 8);
        assert_eq!(walk.len(), 11);
    }

    #[test]
    fn pure_tree_is_walked_without_redundant_moves() {
        let doc = TreeDoc {
            nodes: ["entry", "home", "a", "b", "c"]
                .into_iter()
                .map(node)
                .collect(),
            edges: vec![
                edge("entry", "home", false, 1.0),
                edge("home", "a", true, 1.0),
                edge("a", "b", true, 1.0),
                edge("home", "c", true, 1.0),
            ],
        };
        let graph = Graph::new(&doc, &MeasuredTimes::new());
        let walk = graph.covering_walk(graph.node_index("entry").unwrap());
        assert_eq!(walk.len(), graph.moves.len());
    }

    #[test]
    fn large_generated_tree_plans() {
        let doc = crate::nav::generate::generated_tree(5_000, 4, 20_000);
        assert_eq!(doc.nodes.len(), 5_000);
        assert_eq!(doc.edges.len(), 20_000);
        doc.validate().unwrap();
        let graph = Graph::new(&doc, &MeasuredTimes::new());
        let path = graph.shortest_path("n4999", "n2500").unwrap();
        assert!(!path.is_empty());
        // Every move of the path starts where the previous one ended.
        for pair in path.windows(2) {
            assert_eq!(pair[0].to, pair[1].from);
        }
    }
}
