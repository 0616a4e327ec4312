//! The `demo-stb` userinterface, created on a server's first start: a navigation tree that matches
//! the simulated set-top box's menus exactly, with references cut from the sim's own pictures, so
//! `vpt all` can navigate and validate out of the box.
//!
//! The sim remembers which tile or row is focused, so the tree has a node per focused entry
//! ("Home, Guide focused") and every edge is one key press: a lost key is seen at once, by the
//! next node's verification, instead of sending the device somewhere unexpected several keys
//! later. Detail screens are the sim's screen ids with `/` written `.` (`settings/wifi` is node
//! `settings.wifi`).

use std::io::Cursor;
use std::path::Path;
use std::time::Duration;

use image::{DynamicImage, ImageFormat, RgbImage};
use serde_json::{Map, Value, json};

use crate::nav::model::{Action, ENTRY, Edge, HOME, Node, NodeType, Pass, Position, TreeDoc};
use crate::server::db::DbError;
use crate::server::db::references::{NewReference, insert_in};
use crate::server::db::trees::{create_userinterface_in, find_userinterface, meta, set_meta_in};
use crate::sim::SimStb;
use crate::verify::Region;

pub const DEMO_USERINTERFACE: &str = "demo-stb";
const SEEDED_KEY: &str = "demo_seeded";
/// How long each demo node's verifications may take to pass after a move.
const NODE_TIMEOUT_MS: u64 = 1500;
/// Margin around a reference's area that its verification searches.
const SEARCH_MARGIN: u32 = 24;
/// Width of the node screenshots.
const SCREENSHOT_WIDTH: u32 = 640;
/// Graph layout: column x positions and row spacing.
const COLUMNS: [f64; 4] = [0.0, 340.0, 680.0, 1020.0];
const ROW: f64 = 190.0;

const HOME_TILES: [(&str, &str); 5] = [
    ("live_tv", "Live TV"),
    ("guide", "Guide"),
    ("settings", "Settings"),
    ("apps", "Apps"),
    ("recordings", "Recordings"),
];
const SETTINGS: [(&str, &str); 6] = [
    ("network", "Network"),
    ("wifi", "Wi-Fi"),
    ("display", "Display"),
    ("audio", "Audio"),
    ("parental_control", "Parental Control"),
    ("system_info", "System Info"),
];
const APPS: [(&str, &str); 5] = [
    ("streambox", "StreamBox"),
    ("kids", "Kids"),
    ("music", "Music"),
    ("weather", "Weather"),
    ("browser", "Browser"),
];

/// A reference cut from a sim picture.
pub struct DemoReference {
    pub name: String,
    pub area: Region,
    pub png: Vec<u8>,
}

/// Everything the demo userinterface is made of.
pub struct DemoContent {
    pub tree: TreeDoc,
    pub references: Vec<DemoReference>,
    /// JPEG screenshot of each node (all but the entry).
    pub screenshots: Vec<(String, Vec<u8>)>,
}

/// Drives a fresh sim with `keys` and returns its picture.
fn picture_after(keys: &[&str]) -> (SimStb, RgbImage) {
    let mut stb = SimStb::new(1);
    let mut now = Duration::from_secs(1);
    for key in keys {
        // Keys come from the tables above, so they are always valid names.
        let _ = stb.press(key, now);
        now += Duration::from_millis(20);
    }
    let frame = stb.current_frame(now);
    (stb, (*frame).clone())
}

fn crop_png(frame: &RgbImage, area: Region) -> Vec<u8> {
    let crop = image::imageops::crop_imm(frame, area.x, area.y, area.width, area.height).to_image();
    let mut png = Vec::new();
    // Encoding an in-memory RGB image cannot fail.
    let _ = DynamicImage::ImageRgb8(crop).write_to(&mut Cursor::new(&mut png), ImageFormat::Png);
    png
}

fn screenshot_jpeg(frame: &RgbImage) -> Vec<u8> {
    let height = frame.height() * SCREENSHOT_WIDTH / frame.width().max(1);
    let small = image::imageops::resize(
        frame,
        SCREENSHOT_WIDTH,
        height,
        image::imageops::FilterType::Triangle,
    );
    let mut jpeg = Vec::new();
    let _ = DynamicImage::ImageRgb8(small).write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg);
    jpeg
}

fn region((x, y, width, height): (u32, u32, u32, u32)) -> Region {
    Region::new(x, y, width, height)
}

/// The area a verification searches: the reference's own area and a margin, inside the frame.
fn search_area(area: Region) -> Value {
    let x = area.x.saturating_sub(SEARCH_MARGIN);
    let y = area.y.saturating_sub(SEARCH_MARGIN);
    let right = (area.x + area.width + SEARCH_MARGIN).min(SimStb::WIDTH);
    let bottom = (area.y + area.height + SEARCH_MARGIN).min(SimStb::HEIGHT);
    json!({"x": x, "y": y, "width": right - x, "height": bottom - y})
}

fn image_check(reference: &str, area: Region) -> Map<String, Value> {
    let mut check = Map::new();
    check.insert("kind".into(), json!("image"));
    check.insert("reference".into(), json!(reference));
    check.insert("region".into(), search_area(area));
    check
}

fn node(id: &str, label: &str, column: usize, row: f64) -> Node {
    Node {
        id: id.into(),
        label: label.into(),
        node_type: NodeType::Menu,
        position: Position {
            x: COLUMNS[column],
            y: row * ROW,
        },
        verifications: Vec::new(),
        pass: Pass::All,
        timeout_ms: NODE_TIMEOUT_MS,
    }
}

fn edge(source: &str, target: &str, forward: Vec<Action>, reverse: Option<Action>) -> Edge {
    Edge {
        id: format!("{source}--{target}"),
        source: source.into(),
        target: target.into(),
        forward,
        reverse: reverse.map(|a| vec![a]),
        retry: Vec::new(),
        failure: Vec::new(),
        wait_ms: 0,
        weight: 1.0,
    }
}

fn press(key: &str) -> Action {
    Action::press(key)
}

struct Builder {
    tree: TreeDoc,
    references: Vec<DemoReference>,
    screenshots: Vec<(String, Vec<u8>)>,
}

impl Builder {
    /// Adds a node shown after `keys` from the home screen, proven by the crop of `area`.
    fn screen(&mut self, mut node: Node, keys: &[&str], reference: &str, area: Option<Region>) {
        let (_, frame) = picture_after(keys);
        if let Some(area) = area {
            self.references.push(DemoReference {
                name: reference.into(),
                area,
                png: crop_png(&frame, area),
            });
            node.verifications.push(image_check(reference, area));
        }
        self.screenshots
            .push((node.id.clone(), screenshot_jpeg(&frame)));
        self.tree.nodes.push(node);
    }

    /// The area of focus id `item` on the screen shown after `keys`.
    fn item_area(keys: &[&str], item: &str) -> Option<Region> {
        let (stb, _) = picture_after(keys);
        stb.item_rect(item).map(region)
    }
}

/// Builds the demo tree, its references and screenshots from the sim's own pictures.
pub fn build() -> DemoContent {
    let mut b = Builder {
        tree: TreeDoc::default(),
        references: Vec::new(),
        screenshots: Vec::new(),
    };
    let heading = region(SimStb::heading_rect());
    let mut entry = node(ENTRY, "Entry (any screen)", 0, 0.0);
    entry.node_type = NodeType::Entry;
    entry.verifications.clear();
    b.tree.nodes.push(entry);

    // Home: one node per focused tile; `home` is Live TV focused.
    let rights = |n: usize| vec!["RIGHT"; n];
    let home_rows = [0.0, 1.0, 4.5, 10.5, 15.0];
    for (index, (tile, label)) in HOME_TILES.iter().enumerate() {
        let id = if index == 0 {
            HOME.to_string()
        } else {
            format!("home-{tile}")
        };
        let label = if index == 0 {
            "Home".to_string()
        } else {
            format!("Home · {label} focused")
        };
        let keys = rights(index);
        let area = Builder::item_area(&keys, tile);
        b.screen(
            node(&id, &label, 1, home_rows[index]),
            &keys,
            &format!("home-{tile}-focused"),
            area,
        );
    }
    // Screens opened from home.
    let mut live = node("live_tv", "Live TV", 2, 0.0);
    live.node_type = NodeType::Screen;
    live.verifications.push(
        json!({"kind": "motion"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    );
    b.screen(live, &["OK"], "", None);
    b.screen(
        node("guide", "Guide", 2, 1.0),
        &["RIGHT", "OK"],
        "guide-heading",
        Some(heading),
    );
    let recordings_keys = ["RIGHT", "RIGHT", "RIGHT", "RIGHT", "OK"];
    b.screen(
        node("recordings", "Recordings", 2, 15.0),
        &recordings_keys,
        "recordings-heading",
        Some(heading),
    );
    // Settings: a node per focused row, and the detail screen each row opens.
    for (index, (item, label)) in SETTINGS.iter().enumerate() {
        let id = if index == 0 {
            "settings".to_string()
        } else {
            format!("settings-{item}")
        };
        let list_label = if index == 0 {
            "Settings".to_string()
        } else {
            format!("Settings · {label} focused")
        };
        let mut keys = vec!["RIGHT", "RIGHT", "OK"];
        keys.extend(vec!["DOWN"; index]);
        let area = Builder::item_area(&keys, &format!("settings/{item}"));
        let row = 2.0 + index as f64;
        b.screen(
            node(&id, &list_label, 2, row),
            &keys,
            &format!("settings-{item}-focused"),
            area,
        );
        keys.push("OK");
        let mut detail = node(&format!("settings.{item}"), label, 3, row);
        detail.node_type = NodeType::Screen;
        b.screen(
            detail,
            &keys,
            &format!("settings-{item}-heading"),
            Some(heading),
        );
    }
    // Apps: a node per focused tile, and the splash screen each opens.
    let splash = Region::new(340, 390, 600, 90);
    for (index, (app, label)) in APPS.iter().enumerate() {
        let id = if index == 0 {
            "apps".to_string()
        } else {
            format!("apps-{app}")
        };
        let tile_label = if index == 0 {
            "Apps".to_string()
        } else {
            format!("Apps · {label} focused")
        };
        let mut keys = vec!["RIGHT", "RIGHT", "RIGHT", "OK"];
        keys.extend(vec!["RIGHT"; index]);
        let area = Builder::item_area(&keys, &format!("apps/{app}"));
        let row = 9.0 + index as f64 * 1.2;
        b.screen(
            node(&id, &tile_label, 2, row),
            &keys,
            &format!("apps-{app}-focused"),
            area,
        );
        keys.push("OK");
        let mut screen = node(&format!("apps.{app}"), label, 3, row);
        screen.node_type = NodeType::Screen;
        b.screen(screen, &keys, &format!("apps-{app}-splash"), Some(splash));
    }

    let edges = &mut b.tree.edges;
    // From any screen, HOME then enough LEFTs to reach the first tile, however focus was left.
    let mut entry_edge = edge(
        ENTRY,
        HOME,
        vec![press("HOME"), press("LEFT").repeated(4)],
        None,
    );
    entry_edge.weight = 3.0;
    edges.push(entry_edge);
    let home_ids: Vec<String> = std::iter::once(HOME.to_string())
        .chain(HOME_TILES[1..].iter().map(|(t, _)| format!("home-{t}")))
        .collect();
    for pair in home_ids.windows(2) {
        edges.push(edge(
            &pair[0],
            &pair[1],
            vec![press("RIGHT")],
            Some(press("LEFT")),
        ));
    }
    let opened = ["live_tv", "guide", "settings", "apps", "recordings"];
    for (home_id, screen) in home_ids.iter().zip(opened) {
        edges.push(edge(
            home_id,
            screen,
            vec![press("OK")],
            Some(press("BACK")),
        ));
    }
    let settings_ids: Vec<String> = std::iter::once("settings".to_string())
        .chain(SETTINGS[1..].iter().map(|(i, _)| format!("settings-{i}")))
        .collect();
    for pair in settings_ids.windows(2) {
        edges.push(edge(
            &pair[0],
            &pair[1],
            vec![press("DOWN")],
            Some(press("UP")),
        ));
    }
    for (list_id, (item, _)) in settings_ids.iter().zip(SETTINGS) {
        edges.push(edge(
            list_id,
            &format!("settings.{item}"),
            vec![press("OK")],
            Some(press("BACK")),
        ));
    }
    // BACK from a list leaves to home with the list's tile focused, whichever row was focused.
    for list_id in &settings_ids[1..] {
        edges.push(edge(list_id, "home-settings", vec![press("BACK")], None));
    }
    let app_ids: Vec<String> = std::iter::once("apps".to_string())
        .chain(APPS[1..].iter().map(|(a, _)| format!("apps-{a}")))
        .collect();
    for pair in app_ids.windows(2) {
        edges.push(edge(
            &pair[0],
            &pair[1],
            vec![press("RIGHT")],
            Some(press("LEFT")),
        ));
    }
    for (tile_id, (app, _)) in app_ids.iter().zip(APPS) {
        edges.push(edge(
            tile_id,
            &format!("apps.{app}"),
            vec![press("OK")],
            Some(press("BACK")),
        ));
    }
    for tile_id in &app_ids[1..] {
        edges.push(edge(tile_id, "home-apps", vec![press("BACK")], None));
    }
    DemoContent {
        tree: b.tree,
        references: b.references,
        screenshots: b.screenshots,
    }
}

/// Creates the demo userinterface once per server (unless one of that name already exists).
/// Everything is written in one transaction; the files are written before it commits and
/// removed again if it does not.
pub fn seed(
    conn: &mut rusqlite::Connection,
    data_dir: &Path,
    tree_screenshot_dir: impl Fn(i64) -> std::path::PathBuf,
) -> Result<bool, DbError> {
    if meta(conn, SEEDED_KEY)?.is_some() {
        return Ok(false);
    }
    let content = build();
    content
        .tree
        .validate()
        .map_err(|e| DbError::Worker(format!("demo tree: {e}")))?;
    let tx = conn.transaction()?;
    let exists = find_userinterface(&tx, DEMO_USERINTERFACE)?.is_some();
    let mut written = Vec::new();
    let result = (|| -> Result<(), DbError> {
        if exists {
            return Ok(());
        }
        let (_, tree_id) = create_userinterface_in(
            &tx,
            DEMO_USERINTERFACE,
            "The built-in simulated set-top box: home tiles, settings, apps, guide, live TV.",
            &["stb".to_string()],
            &content.tree,
            "demo content",
        )?;
        let io = |e: std::io::Error| DbError::Worker(format!("writing demo files: {e}"));
        let references_dir = data_dir.join("references");
        std::fs::create_dir_all(&references_dir).map_err(io)?;
        for reference in &content.references {
            let id = insert_in(
                &tx,
                &NewReference {
                    name: reference.name.clone(),
                    userinterface: DEMO_USERINTERFACE.into(),
                    model: Some("stb".into()),
                    kind: "image".into(),
                    area: reference.area,
                    source_width: SimStb::WIDTH,
                    source_height: SimStb::HEIGHT,
                    text: None,
                    lang: "eng".into(),
                },
            )?;
            let path = references_dir.join(format!("{id}.png"));
            std::fs::write(&path, &reference.png).map_err(io)?;
            written.push(path);
        }
        let dir = tree_screenshot_dir(tree_id);
        std::fs::create_dir_all(&dir).map_err(io)?;
        for (node, jpeg) in &content.screenshots {
            let path = dir.join(format!("{node}.jpg"));
            std::fs::write(&path, jpeg).map_err(io)?;
            written.push(path);
        }
        Ok(())
    })();
    if let Err(e) = result {
        for path in written {
            let _ = std::fs::remove_file(path);
        }
        return Err(e);
    }
    set_meta_in(&tx, SEEDED_KEY, &chrono::Utc::now().to_rfc3339())?;
    tx.commit()?;
    Ok(!exists)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nav::{Graph, MeasuredTimes};
    use crate::verify::{MatchOptions, Reference, match_image};

    #[test]
    fn demo_tree_is_valid_and_connected() {
        let content = build();
        content.tree.validate().unwrap();
        let graph = Graph::new(&content.tree, &MeasuredTimes::new());
        for node in &content.tree.nodes {
            if node.id != ENTRY {
                graph.shortest_path(HOME, &node.id).unwrap();
                graph.shortest_path(&node.id, HOME).unwrap();
            }
        }
        let walk = graph.covering_walk(graph.node_index(ENTRY).unwrap());
        assert!(walk.len() >= graph.moves.len());
    }

    /// Each reference is found on its own node's picture and on no other node's picture, so a
    /// node's verification proves exactly that node.
    #[test]
    fn every_reference_identifies_exactly_its_node() {
        let content = build();
        let pictures: Vec<(String, RgbImage)> = content
            .screenshots
            .iter()
            .map(|(node, _)| (node.clone(), picture_of(&content.tree, node)))
            .collect();
        for node in &content.tree.nodes {
            for verification in &node.verifications {
                let Some(Value::String(name)) = verification.get("reference") else {
                    continue;
                };
                let reference = content.references.iter().find(|r| &r.name == name).unwrap();
                let png = image::load_from_memory(&reference.png).unwrap().to_rgb8();
                let reference = Reference::from_rgb(&png).unwrap();
                let search: Region =
                    serde_json::from_value(verification["region"].clone()).unwrap();
                for (other, picture) in &pictures {
                    let options = MatchOptions {
                        region: Some(search),
                        ..MatchOptions::default()
                    };
                    let found = match_image(picture, &reference, &options).unwrap().matched;
                    assert_eq!(
                        found,
                        other == &node.id,
                        "reference {name} of {} on the picture of {other}",
                        node.id
                    );
                }
            }
        }
    }

    /// The sim picture of a node, reached by replaying the keys of the demo's home-first paths.
    fn picture_of(tree: &TreeDoc, node: &str) -> RgbImage {
        let graph = Graph::new(tree, &MeasuredTimes::new());
        let path = graph.shortest_path(HOME, node).unwrap();
        let keys: Vec<&str> = path
            .iter()
            .flat_map(|m| {
                let edge = &tree.edges[m.edge];
                let actions = match m.direction {
                    crate::nav::Direction::Forward => &edge.forward,
                    crate::nav::Direction::Reverse => edge.reverse.as_ref().unwrap(),
                };
                actions.iter().flat_map(|a| match &a.command {
                    crate::nav::Command::Press { key } => vec![key.as_str(); a.repeat as usize],
                    _ => Vec::new(),
                })
            })
            .collect();
        picture_after(&keys).1
    }
}
