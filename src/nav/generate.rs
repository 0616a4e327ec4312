//! Generated trees of any size, for the pathfinding benchmark and tests.

use super::model::{Action, ENTRY, Edge, HOME, Node, NodeType, Pass, Position, TreeDoc};

/// `nodes` nodes (`entry`, `home`, then `n2`, `n3`, …) where node `i` hangs under node
/// `1 + (i - 2) / fanout` with a reverse edge, plus one-way sideways links between nodes (like
/// shortcuts in a real menu tree) until there are `edges` edges in all.
pub fn generated_tree(nodes: usize, fanout: usize, edges: usize) -> TreeDoc {
    let nodes = nodes.max(2);
    let fanout = fanout.max(1);
    let id = |i: usize| match i {
        0 => ENTRY.to_string(),
        1 => HOME.to_string(),
        _ => format!("n{i}"),
    };
    let node_list = (0..nodes)
        .map(|i| Node {
            id: id(i),
            label: id(i),
            node_type: if i == 0 {
                NodeType::Entry
            } else {
                NodeType::Menu
            },
            position: Position {
                x: (i % 100) as f64 * 200.0,
                y: (i / 100) as f64 * 150.0,
            },
            verifications: Vec::new(),
            pass: Pass::All,
            timeout_ms: 1000,
        })
        .collect();
    let edge = |source: usize, target: usize, reverse: bool| Edge {
        id: format!("{}-{}", id(source), id(target)),
        source: id(source),
        target: id(target),
        forward: vec![Action::press("OK")],
        reverse: reverse.then(|| vec![Action::press("BACK")]),
        retry: Vec::new(),
        failure: Vec::new(),
        wait_ms: 0,
        weight: 1.0 + (source * 7 + target * 3) as f64 % 5.0,
    };
    let wanted = edges;
    let mut edges = vec![edge(0, 1, false)];
    for i in 2..nodes {
        let parent = 1 + (i - 2) / fanout;
        edges.push(edge(parent, i, true));
    }
    // Sideways links from node i to a pseudo-random other node, several rounds if needed.
    let mut seen = std::collections::HashSet::new();
    let mut round = 1;
    while edges.len() < wanted && nodes > 3 && round < 64 {
        for i in 2..nodes {
            if edges.len() >= wanted {
                break;
            }
            let target = 2 + (i * 7919 + round * 104_729) % (nodes - 2);
            if target != i && seen.insert((i, target)) {
                let mut link = edge(i, target, false);
                link.id = format!("side-{i}-{target}");
                edges.push(link);
            }
        }
        round += 1;
    }
    TreeDoc {
        nodes: node_list,
        edges,
    }
}
