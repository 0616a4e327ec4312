//! The devices of a host: each one a capture source, an optional remote and an optional power
//! switch, built from `[[host.devices]]`.

use std::sync::Arc;
use std::time::Duration;

use crate::config::{CaptureConfig, DeviceConfig, HostConfig, PowerConfig, RemoteConfig};
use crate::host::capture::images::ImagesSource;
use crate::host::capture::sim::SimSource;
use crate::host::capture::v4l2::V4l2Source;
use crate::host::capture::{CaptureHandle, CaptureSpec, FrameRing, FrameSource};
use crate::host::power::{Power, sim::SimPower};
use crate::host::remote::{Remote, sim::SimRemote};
use crate::host::sim_device::SimDevice;
use crate::protocol::{Capability, DeviceInfo, PowerInfo, PowerState, RemoteInfo};
use crate::sim::SimStb;

pub struct Device {
    pub config: DeviceConfig,
    pub capture: CaptureHandle,
    pub remote: Option<Arc<dyn Remote>>,
    pub power: Option<Arc<dyn Power>>,
    /// The simulated set-top box behind a sim device (ground truth and fault injection).
    pub sim: Option<Arc<SimDevice>>,
}

impl Device {
    pub fn start(config: &DeviceConfig, host: &HostConfig) -> anyhow::Result<Self> {
        let ring = FrameRing::new(
            Duration::from_secs_f64(host.ring_seconds),
            host.ring_max_mb * 1024 * 1024,
        );
        let mut sim = None;
        let (spec, source): (CaptureSpec, Box<dyn FrameSource>) = match &config.capture {
            CaptureConfig::Sim { fps, seed, faults } => {
                let mut stb = SimStb::new(*seed);
                stb.set_faults(faults.clone())
                    .map_err(|e| anyhow::anyhow!("device `{}`: {e}", config.id))?;
                let device = Arc::new(SimDevice::new(stb));
                sim = Some(device.clone());
                let spec = CaptureSpec {
                    kind: "sim",
                    width: SimStb::WIDTH,
                    height: SimStb::HEIGHT,
                    fps: *fps,
                };
                (spec, Box::new(SimSource::new(device, *fps)))
            }
            CaptureConfig::V4l2 {
                path,
                width,
                height,
                fps,
                pixel_format,
            } => (
                CaptureSpec {
                    kind: "v4l2",
                    width: *width,
                    height: *height,
                    fps: *fps,
                },
                Box::new(V4l2Source {
                    path: path.clone(),
                    width: *width,
                    height: *height,
                    fps: *fps,
                    pixel_format: pixel_format.clone(),
                }),
            ),
            CaptureConfig::Images { dir, fps, repeat } => {
                // The size of the first frame describes the device; an empty folder is its error.
                let (width, height) = crate::host::capture::images::list_frames(dir)
                    .ok()
                    .and_then(|files| files.first().cloned())
                    .and_then(|first| image::image_dimensions(first).ok())
                    .unwrap_or((0, 0));
                (
                    CaptureSpec {
                        kind: "images",
                        width,
                        height,
                        fps: *fps,
                    },
                    Box::new(ImagesSource::new(dir.clone(), *fps, *repeat)),
                )
            }
        };
        let capture = CaptureHandle::start(&config.id, spec, source, ring)?;
        let remote: Option<Arc<dyn Remote>> = match (&config.remote, &sim) {
            (RemoteConfig::Sim, Some(device)) => Some(Arc::new(SimRemote::new(device.clone()))),
            _ => None,
        };
        let power: Option<Arc<dyn Power>> = match (&config.power, &sim) {
            (PowerConfig::Sim, Some(device)) => Some(Arc::new(SimPower::new(device.clone()))),
            _ => None,
        };
        Ok(Self {
            config: config.clone(),
            capture,
            remote,
            power,
            sim,
        })
    }

    pub fn id(&self) -> &str {
        &self.config.id
    }

    pub async fn info(&self) -> DeviceInfo {
        let mut capabilities = vec![Capability::Capture];
        if self.remote.is_some() {
            capabilities.push(Capability::Remote);
            capabilities.push(Capability::Text);
        }
        if self.power.is_some() {
            capabilities.push(Capability::Power);
        }
        if self.sim.is_some() {
            capabilities.push(Capability::Sim);
        }
        let power = match &self.power {
            Some(power) => Some(PowerInfo {
                kind: power.kind().into(),
                state: power.state().await.unwrap_or(PowerState::Unknown),
            }),
            None => None,
        };
        DeviceInfo {
            id: self.config.id.clone(),
            name: self.config.display_name(),
            model: self.config.model.clone(),
            status: self.capture.status(),
            capabilities,
            capture: self.capture.info(),
            remote: self.remote.as_ref().map(|r| RemoteInfo {
                kind: r.kind().into(),
                keys: r.keys(),
            }),
            power,
        }
    }
}

/// All devices of this host, in configuration order.
#[derive(Clone, Default)]
pub struct Devices {
    list: Arc<Vec<Arc<Device>>>,
}

impl Devices {
    pub fn start(configs: &[DeviceConfig], host: &HostConfig) -> anyhow::Result<Self> {
        let list = configs
            .iter()
            .map(|config| Device::start(config, host).map(Arc::new))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self {
            list: Arc::new(list),
        })
    }

    pub fn get(&self, id: &str) -> Option<Arc<Device>> {
        self.list.iter().find(|d| d.id() == id).cloned()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Device>> {
        self.list.iter()
    }

    pub async fn infos(&self) -> Vec<DeviceInfo> {
        let mut infos = Vec::with_capacity(self.list.len());
        for device in self.list.iter() {
            infos.push(device.info().await);
        }
        infos
    }
}
