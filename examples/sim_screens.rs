//! Writes a PNG of each screen of the simulated set-top box, to review how they look.
//!
//! Run: `cargo run --example sim_screens -- /tmp/sim-shots`

use std::time::Duration;

use vpt::sim::SimStb;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let directory = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "sim-shots".into()),
    );
    std::fs::create_dir_all(&directory)?;
    let shots: &[(&str, &[&str])] = &[
        ("home", &[]),
        ("home_settings_focused", &["RIGHT", "RIGHT"]),
        ("settings", &["RIGHT", "RIGHT", "OK", "DOWN"]),
        ("settings_wifi", &["RIGHT", "RIGHT", "OK", "DOWN", "OK"]),
        ("live_tv", &["OK"]),
        ("guide", &["RIGHT", "OK", "DOWN", "RIGHT"]),
        ("apps", &["RIGHT", "RIGHT", "RIGHT", "OK", "RIGHT", "RIGHT"]),
        (
            "recordings",
            &["RIGHT", "RIGHT", "RIGHT", "RIGHT", "OK", "DOWN"],
        ),
        ("volume", &["VOLUME_UP"]),
        ("live_tv_entry", &["OK", "1", "0"]),
    ];
    for (name, keys) in shots {
        let mut sim = SimStb::new(1);
        for (index, key) in keys.iter().enumerate() {
            sim.press(key, Duration::from_millis(100 * index as u64))?;
        }
        let path = directory.join(format!("{name}.png"));
        sim.current_frame(Duration::from_millis(1500)).save(&path)?;
        println!("{}", path.display());
    }
    Ok(())
}
