//! A real lircd for tests and benchmarks, with its `file` driver: it accepts sends without
//! hardware and writes the pulse/space timings it would transmit to a file.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A Samsung TV remote as lircd configurations describe it.
pub const SAMSUNG_CONF: &str = "begin remote
  name  samsung
  bits  16
  flags SPACE_ENC|CONST_LENGTH
  eps   30
  aeps  100
  header 4500 4500
  one    560 1690
  zero   560 560
  ptrail 560
  pre_data_bits 16
  pre_data 0xE0E0
  gap 108000
  begin codes
    KEY_POWER 0x40BF
    KEY_UP 0x06F9
    KEY_DOWN 0x8679
    KEY_OK 0x16E9
    KEY_1 0x20DF
    KEY_2 0xA05F
  end codes
end remote
";

pub struct Lircd {
    child: Child,
    pub dir: tempfile::TempDir,
}

impl Lircd {
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("lircd.sock")
    }

    pub fn output(&self) -> PathBuf {
        self.dir.path().join("sent.txt")
    }

    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("samsung.lircd.conf");
        std::fs::write(&conf, SAMSUNG_CONF).unwrap();
        let options = dir.path().join("lirc_options.conf");
        std::fs::write(&options, "[lircd]\n").unwrap();
        std::fs::write(dir.path().join("sent.txt"), "").unwrap();
        let plugins = std::fs::read_dir("/usr/lib")
            .unwrap()
            .filter_map(|e| Some(e.ok()?.path().join("lirc/plugins")))
            .find(|p| p.join("file.so").exists())
            .expect("lircd plugins (install `lirc`: scripts/setup.sh --test)");
        // Debian puts lircd in /usr/sbin, which is not on a normal user's PATH.
        let binary = ["/usr/sbin/lircd", "/usr/local/sbin/lircd"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or("lircd");
        let child = Command::new(binary)
            .arg("--nodaemon")
            .arg(format!("--options-file={}", options.display()))
            .arg("--driver=file")
            .arg(format!(
                "--device={}",
                dir.path().join("sent.txt").display()
            ))
            .arg(format!(
                "--output={}",
                dir.path().join("lircd.sock").display()
            ))
            .arg(format!(
                "--pidfile={}",
                dir.path().join("lircd.pid").display()
            ))
            .arg(format!(
                "--logfile={}",
                dir.path().join("lircd.log").display()
            ))
            .arg(format!("--plugindir={}", plugins.display()))
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("lircd runs (install `lirc`: scripts/setup.sh --test)");
        let lircd = Self { child, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !lircd.socket().exists() {
            assert!(Instant::now() < deadline, "lircd made no socket");
            std::thread::sleep(Duration::from_millis(20));
        }
        lircd
    }

    /// Durations lircd wrote (`pulse N` / `space N` lines), in order.
    pub fn sent(&self) -> Vec<u32> {
        std::fs::read_to_string(self.output())
            .unwrap()
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1)?.parse().ok())
            .collect()
    }
}

impl Drop for Lircd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
