//! Which queued run gets which free device. Runs are served oldest first, but a run whose
//! devices are all busy does not hold up younger runs that fit other devices. Among the free
//! devices that fit, the one idle the longest is taken, so runs for "any device of model X"
//! spread over the devices instead of piling onto the first one.

use crate::protocol::Capability;
use crate::testing::run::Selector;

/// A device as the queue sees it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub host: String,
    pub device: String,
    pub model: String,
    pub capabilities: Vec<Capability>,
    /// Online, healthy, not locked, not running anything.
    pub free: bool,
    /// When it last finished work (any increasing number); lower = idle longer.
    pub idle_since: u64,
}

/// A queued run as the queue sees it.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub run_id: i64,
    pub target: Selector,
    pub needs: Vec<Capability>,
}

/// Whether a device fits a run's target and has what its steps need.
pub fn fits(target: &Selector, needs: &[Capability], device: &Candidate) -> bool {
    target.host.as_ref().is_none_or(|h| *h == device.host)
        && target.device.as_ref().is_none_or(|d| *d == device.device)
        && target
            .model
            .as_ref()
            .is_none_or(|m| m.eq_ignore_ascii_case(&device.model))
        && target
            .capability
            .is_none_or(|c| device.capabilities.contains(&c))
        && needs.iter().all(|c| device.capabilities.contains(c))
}

/// Pairs of (run, index into `devices`), for runs in `waiting` order (oldest first).
pub fn assign(waiting: &[Waiting], devices: &[Candidate]) -> Vec<(i64, usize)> {
    let mut taken = vec![false; devices.len()];
    let mut pairs = Vec::new();
    for run in waiting {
        let best = devices
            .iter()
            .enumerate()
            .filter(|(i, d)| d.free && !taken[*i] && fits(&run.target, &run.needs, d))
            .min_by_key(|(i, d)| (d.idle_since, *i))
            .map(|(i, _)| i);
        if let Some(i) = best {
            taken[i] = true;
            pairs.push((run.run_id, i));
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(host: &str, id: &str, model: &str, free: bool, idle_since: u64) -> Candidate {
        Candidate {
            host: host.into(),
            device: id.into(),
            model: model.into(),
            capabilities: vec![Capability::Capture, Capability::Remote],
            free,
            idle_since,
        }
    }

    fn on(host: &str, device: &str) -> Selector {
        Selector {
            host: Some(host.into()),
            device: Some(device.into()),
            ..Selector::default()
        }
    }

    fn model(model: &str) -> Selector {
        Selector {
            model: Some(model.into()),
            ..Selector::default()
        }
    }

    fn waiting(run_id: i64, target: Selector) -> Waiting {
        Waiting {
            run_id,
            target,
            needs: vec![Capability::Remote],
        }
    }

    #[test]
    fn oldest_run_first_and_one_run_per_device() {
        let devices = [device("h", "sim1", "stb", true, 0)];
        let runs = [waiting(1, on("h", "sim1")), waiting(2, on("h", "sim1"))];
        assert_eq!(assign(&runs, &devices), vec![(1, 0)]);
    }

    #[test]
    fn a_run_waiting_for_a_busy_device_does_not_block_the_others() {
        let devices = [
            device("h", "sim1", "stb", false, 0),
            device("h", "sim2", "stb", true, 0),
        ];
        let runs = [waiting(1, on("h", "sim1")), waiting(2, model("stb"))];
        assert_eq!(assign(&runs, &devices), vec![(2, 1)]);
    }

    #[test]
    fn any_device_of_a_model_spreads_over_the_idlest() {
        let devices = [
            device("h", "sim1", "stb", true, 5),
            device("h", "sim2", "stb", true, 3),
            device("h", "tv1", "tv", true, 0),
        ];
        let runs = [waiting(1, model("stb")), waiting(2, model("STB"))];
        assert_eq!(
            assign(&runs, &devices),
            vec![(1, 1), (2, 0)],
            "sim2 idle longest goes first; model names ignore case; the tv never fits"
        );
    }

    #[test]
    fn needs_and_capability_filter_devices() {
        let mut powered = device("h", "sim1", "stb", true, 0);
        powered.capabilities.push(Capability::Power);
        let plain = device("h", "sim2", "stb", true, 0);
        let needs_power = Waiting {
            run_id: 1,
            target: Selector::default(),
            needs: vec![Capability::Power],
        };
        assert_eq!(
            assign(&[needs_power], &[plain.clone(), powered.clone()]),
            vec![(1, 1)]
        );
        let by_capability = Selector {
            capability: Some(Capability::Power),
            ..Selector::default()
        };
        assert!(!fits(&by_capability, &[], &plain));
        assert!(fits(&by_capability, &[], &powered));
    }
}
