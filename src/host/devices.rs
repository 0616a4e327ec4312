//! The devices of a host: each one a capture source, an optional remote and an optional power
//! switch, built from `[[host.devices]]`.

use std::sync::Arc;
use std::time::Duration;

use crate::config::{CaptureConfig, DeviceConfig, PowerConfig, RemoteConfig};
use crate::host::capture::images::ImagesSource;
use crate::host::capture::sim::SimSource;
use crate::host::capture::v4l2::V4l2Source;
use crate::host::capture::{CaptureHandle, CaptureSpec, FrameSource};
use crate::host::power::{
    Power, http::HttpPower, kasa::KasaPower, shelly::ShellyPower, sim::SimPower, tapo::TapoPower,
    tasmota::TasmotaPower,
};
use crate::host::remote::adb::AdbRemote;
use crate::host::remote::ir::{IrRemote, keymap::Keymap};
use crate::host::remote::lirc::LircRemote;
use crate::host::remote::roku::RokuRemote;
use crate::host::remote::{Remote, sim::SimRemote};
use crate::host::sim_device::SimDevice;
use crate::protocol::{Capability, DeviceInfo, PowerInfo, PowerState, RemoteInfo};
use crate::sim::SimStb;

pub struct Device {
    pub config: DeviceConfig,
    pub capture: CaptureHandle,
    pub remote: Option<Arc<dyn Remote>>,
    pub power: Option<Arc<dyn Power>>,
    /// The same remote as `remote` when it is an Android device (element, app and tap routes).
    pub adb: Option<Arc<AdbRemote>>,
    /// The simulated set-top box behind a sim device (ground truth and fault injection).
    pub sim: Option<Arc<SimDevice>>,
}

impl Device {
    pub fn start(config: &DeviceConfig) -> anyhow::Result<Self> {
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
        let capture = CaptureHandle::start(&config.id, spec, source)?;
        let named = |e: String| anyhow::anyhow!("device `{}`: {e}", config.id);
        let (remote, adb) = start_remote(config, sim.as_ref()).map_err(named)?;
        let power = start_power(&config.power, sim.as_ref()).map_err(named)?;
        Ok(Self {
            config: config.clone(),
            capture,
            remote,
            power,
            adb,
            sim,
        })
    }

    pub fn id(&self) -> &str {
        &self.config.id
    }

    pub async fn info(&self) -> DeviceInfo {
        let mut capabilities = vec![Capability::Capture];
        if let Some(remote) = &self.remote {
            capabilities.push(Capability::Remote);
            capabilities.extend(remote.capabilities());
        }
        if self.power.is_some() {
            capabilities.push(Capability::Power);
        }
        if self.sim.is_some() {
            capabilities.push(Capability::Sim);
        }
        let power = match &self.power {
            // A plug that does not answer must not hold up heartbeats and device lists.
            Some(power) => Some(PowerInfo {
                kind: power.kind().into(),
                state: tokio::time::timeout(POWER_STATE_WAIT, power.state())
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .unwrap_or(PowerState::Unknown),
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

/// How long a device description waits for its power switch's state.
const POWER_STATE_WAIT: Duration = Duration::from_millis(1500);

type Remotes = (Option<Arc<dyn Remote>>, Option<Arc<AdbRemote>>);

fn start_remote(config: &DeviceConfig, sim: Option<&Arc<SimDevice>>) -> Result<Remotes, String> {
    Ok(match (&config.remote, sim) {
        (RemoteConfig::Sim, Some(device)) => (Some(Arc::new(SimRemote::new(device.clone()))), None),
        (RemoteConfig::Sim, None) | (RemoteConfig::None, _) => (None, None),
        (
            RemoteConfig::Adb {
                serial,
                adb_server,
                timeout_ms,
            },
            _,
        ) => {
            let adb = Arc::new(AdbRemote::new(
                adb_server,
                serial,
                Duration::from_millis(*timeout_ms),
            ));
            (Some(adb.clone()), Some(adb))
        }
        (
            RemoteConfig::Lirc {
                socket,
                remote,
                keys,
            },
            _,
        ) => {
            let lirc = LircRemote::new(socket, remote, keys, Duration::from_secs(3));
            // A wrong remote name is a configuration error worth refusing at start; lircd not
            // running yet is not (it may start after vpt), so that is only logged.
            match lirc.discover() {
                Ok(keys) => tracing::info!(device = %config.id, ?keys, "lirc remote ready"),
                Err(e) if e.to_string().contains("has no remote") => return Err(e.to_string()),
                Err(e) => tracing::error!(device = %config.id, "{e}; retrying at the first key"),
            }
            (Some(Arc::new(lirc)), None)
        }
        (RemoteConfig::Ir { device, keymap }, _) => {
            let keymap = Keymap::load(keymap)?;
            if !device.exists() {
                tracing::error!(
                    device = %config.id,
                    "no IR transmitter at {}; key presses will fail until it appears",
                    device.display()
                );
            }
            (Some(Arc::new(IrRemote::new(device, keymap))), None)
        }
        (RemoteConfig::Roku { address }, _) => (
            Some(Arc::new(RokuRemote::new(address, Duration::from_secs(5))?)),
            None,
        ),
    })
}

fn start_power(
    config: &PowerConfig,
    sim: Option<&Arc<SimDevice>>,
) -> Result<Option<Arc<dyn Power>>, String> {
    Ok(match (config, sim) {
        (PowerConfig::Sim, Some(device)) => Some(Arc::new(SimPower::new(device.clone()))),
        (PowerConfig::Sim, None) | (PowerConfig::None, _) => None,
        (
            PowerConfig::Tapo {
                address,
                username,
                password,
            },
            _,
        ) => Some(Arc::new(TapoPower::new(address, username, password)?)),
        (PowerConfig::Kasa { address }, _) => Some(Arc::new(KasaPower::new(address))),
        (
            PowerConfig::Shelly {
                address,
                channel,
                generation,
            },
            _,
        ) => Some(Arc::new(ShellyPower::new(address, *channel, *generation)?)),
        (PowerConfig::Tasmota { address, relay }, _) => {
            Some(Arc::new(TasmotaPower::new(address, *relay)?))
        }
        (
            PowerConfig::Http {
                on_url,
                off_url,
                status_url,
                method,
            },
            _,
        ) => Some(Arc::new(HttpPower::new(
            on_url,
            off_url,
            Some(status_url.as_str()),
            method,
        )?)),
    })
}

/// All devices of this host, in configuration order.
#[derive(Clone, Default)]
pub struct Devices {
    list: Arc<Vec<Arc<Device>>>,
}

impl Devices {
    pub fn start(configs: &[DeviceConfig]) -> anyhow::Result<Self> {
        let list = configs
            .iter()
            .map(|config| Device::start(config).map(Arc::new))
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
