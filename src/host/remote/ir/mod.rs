//! A kernel IR transmitter (`/dev/lircN`, e.g. gpio-ir-tx on a Pi): vpt encodes each key itself
//! from a keymap file and writes the pulse/space durations in LIRC_MODE_PULSE, after setting
//! the carrier with LIRC_SET_SEND_CARRIER. No lircd involved.

pub mod encode;
pub mod keymap;

use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;

use self::encode::{Protocol, Signal};
use self::keymap::Keymap;
use super::{Remote, RemoteError};

// From <linux/lirc.h>: _IOR('i', 0, u32), _IOW('i', 0x11, u32), _IOW('i', 0x13, u32).
const LIRC_GET_FEATURES: libc::c_ulong = 0x8004_6900;
const LIRC_SET_SEND_MODE: libc::c_ulong = 0x4004_6911;
const LIRC_SET_SEND_CARRIER: libc::c_ulong = 0x4004_6913;
const LIRC_MODE_PULSE: u32 = 0x0000_0002;
const LIRC_CAN_SEND_PULSE: u32 = 0x0000_0002;
const LIRC_CAN_SET_SEND_CARRIER: u32 = 0x0000_0100;

pub struct IrRemote {
    inner: Arc<Inner>,
}

struct Inner {
    device: PathBuf,
    keymap: Keymap,
    /// RC5/RC6 receivers tell a new press from a held key by this bit.
    toggle: AtomicBool,
    /// One transmission at a time: interleaved frames would garble both.
    busy: std::sync::Mutex<()>,
}

impl IrRemote {
    pub fn new(device: &Path, keymap: Keymap) -> Self {
        Self {
            inner: Arc::new(Inner {
                device: device.to_owned(),
                keymap,
                toggle: AtomicBool::new(false),
                busy: std::sync::Mutex::new(()),
            }),
        }
    }

    pub fn device(&self) -> &Path {
        &self.inner.device
    }
}

impl Inner {
    fn signal(&self, key: &str) -> Result<Signal, RemoteError> {
        let spec = self
            .keymap
            .get(key)
            .ok_or_else(|| RemoteError::UnknownKey {
                key: key.to_string(),
                valid: self.keymap.names(),
            })?;
        let toggle = if matches!(spec.protocol, Protocol::Rc5 | Protocol::Rc6) {
            !self.toggle.fetch_xor(true, Ordering::Relaxed)
        } else {
            false
        };
        spec.encode(toggle)
            .map_err(|e| RemoteError::Failed(format!("key {key}: {e}")))
    }

    fn transmit(&self, signal: &Signal, hold: Duration) -> Result<(), RemoteError> {
        let _busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        let device = self.device.display();
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.device)
            .map_err(|e| {
                RemoteError::Failed(if e.kind() == std::io::ErrorKind::NotFound {
                    format!(
                        "no IR transmitter at {device} (no such device); is its kernel driver \
                         (e.g. gpio-ir-tx, mceusb) loaded?"
                    )
                } else {
                    format!("cannot open IR transmitter {device}: {e}")
                })
            })?;
        let fd = file.as_raw_fd();
        let mut features: u32 = 0;
        // SAFETY: the fd is open for the duration of the calls and the pointers are to u32s,
        // which is what these LIRC ioctls read or write.
        let got = unsafe { libc::ioctl(fd, LIRC_GET_FEATURES as _, &mut features) };
        if got != 0 {
            return Err(RemoteError::Failed(format!(
                "{device} is not a LIRC device: {}",
                std::io::Error::last_os_error()
            )));
        }
        if features & LIRC_CAN_SEND_PULSE == 0 {
            return Err(RemoteError::Failed(format!(
                "{device} cannot transmit (receive-only LIRC device)"
            )));
        }
        let mode = LIRC_MODE_PULSE;
        // SAFETY: as above.
        unsafe { libc::ioctl(fd, LIRC_SET_SEND_MODE as _, &mode) };
        if features & LIRC_CAN_SET_SEND_CARRIER != 0 {
            let carrier = signal.carrier_hz;
            // SAFETY: as above.
            if unsafe { libc::ioctl(fd, LIRC_SET_SEND_CARRIER as _, &carrier) } != 0 {
                return Err(RemoteError::Failed(format!(
                    "{device} refused a {carrier} Hz carrier: {}",
                    std::io::Error::last_os_error()
                )));
            }
        }
        // Frame by frame: the kernel caps one write's length, and a write returns once sent,
        // so sleeping the gap between writes keeps the protocol's frame period.
        let hold_us = hold.as_micros().min(u128::from(u64::MAX)) as u64;
        let sequence = signal.sequence(hold_us);
        for (index, frame) in split_frames(signal, &sequence).into_iter().enumerate() {
            if let Some(gap) = frame.gap_before
                && index > 0
            {
                std::thread::sleep(Duration::from_micros(u64::from(gap)));
            }
            let bytes: Vec<u8> = frame.values.iter().flat_map(|v| v.to_ne_bytes()).collect();
            file.write_all(&bytes).map_err(|e| {
                RemoteError::Failed(format!("writing to IR transmitter {device}: {e}"))
            })?;
        }
        Ok(())
    }
}

struct Frame<'a> {
    gap_before: Option<u32>,
    values: &'a [u32],
}

/// Cuts a sequence back into its frames and the gaps between them.
fn split_frames<'a>(signal: &Signal, sequence: &'a [u32]) -> Vec<Frame<'a>> {
    let mut frames = vec![Frame {
        gap_before: None,
        values: &sequence[..signal.frame.len().min(sequence.len())],
    }];
    let mut at = signal.frame.len();
    while at < sequence.len() {
        let gap = sequence[at];
        let end = (at + 1 + signal.repeat.len()).min(sequence.len());
        frames.push(Frame {
            gap_before: Some(gap),
            values: &sequence[at + 1..end],
        });
        at = end;
    }
    frames
}

#[async_trait]
impl Remote for IrRemote {
    fn kind(&self) -> &'static str {
        "ir"
    }

    fn keys(&self) -> Vec<String> {
        self.inner.keymap.names()
    }

    async fn press(&self, key: &str, hold: Duration) -> Result<(), RemoteError> {
        let signal = self.inner.signal(key)?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.transmit(&signal, hold))
            .await
            .map_err(|e| RemoteError::Failed(format!("IR send task: {e}")))?
    }

    async fn text(&self, text: &str) -> Result<(), RemoteError> {
        if let Some(bad) = text.chars().find(|c| !c.is_ascii_digit()) {
            return Err(RemoteError::Unsupported(format!(
                "an IR remote types digits only (got `{bad}`)"
            )));
        }
        for digit in text.chars() {
            self.press(&digit.to_string(), Duration::ZERO).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(device: &Path) -> IrRemote {
        let keymap =
            Keymap::parse("protocol = \"rc5\"\naddress = 0\n[keys]\nPOWER = 12\n1 = 1\n").unwrap();
        IrRemote::new(device, keymap)
    }

    #[tokio::test]
    async fn missing_device_is_a_clear_error() {
        let ir = remote(Path::new("/dev/lirc-vpt-missing"));
        let err = ir.press("POWER", Duration::ZERO).await.unwrap_err();
        assert!(err.to_string().contains("no such device"), "{err}");
        assert!(matches!(
            ir.press("UP", Duration::ZERO).await,
            Err(RemoteError::UnknownKey { valid, .. }) if valid == ["POWER", "1"]
        ));
        assert!(ir.text("1a").await.is_err());
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_lirc_device_is_refused() {
        let ir = remote(Path::new("/dev/null"));
        let err = ir.press("POWER", Duration::ZERO).await.unwrap_err();
        assert!(err.to_string().contains("not a LIRC device"), "{err}");
    }

    #[test]
    fn rc5_toggle_flips_between_presses() {
        let ir = remote(Path::new("/dev/null"));
        let a = ir.inner.signal("POWER").unwrap();
        let b = ir.inner.signal("POWER").unwrap();
        assert_ne!(a.frame, b.frame);
    }

    #[test]
    fn sequences_split_back_into_frames() {
        let signal = encode::nec(1, 2).unwrap();
        let sequence = signal.sequence(300_000);
        let frames = split_frames(&signal, &sequence);
        assert_eq!(frames[0].values, &signal.frame[..]);
        assert!(frames.len() >= 3);
        assert!(frames[1..].iter().all(|f| f.values == &signal.repeat[..]));
    }
}
