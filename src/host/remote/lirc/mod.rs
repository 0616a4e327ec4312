//! Remotes sent through a running lircd (its Unix socket): `SEND_ONCE` per press,
//! `SEND_START`/`SEND_STOP` to hold, `LIST` to learn which remotes and keys it has.
//! lircd owns the transmitter hardware and its timings; vpt only names keys.

pub mod protocol;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;

use self::protocol::{Block, Reply, ReplyParser, parse_codes};
use super::{Remote, RemoteError, keys};
use crate::protocol::keys::check_lirc_word;

#[derive(Clone)]
pub struct LircRemote {
    inner: Arc<Inner>,
}

struct Inner {
    socket: PathBuf,
    remote: String,
    /// Common name → lircd key name: the defaults with the device's overrides applied.
    table: Vec<(String, String)>,
    timeout: Duration,
    /// The part of `table` lircd's `LIST <remote>` confirmed; None until lircd answered once.
    mapped: RwLock<Option<Vec<(String, String)>>>,
}

impl LircRemote {
    pub fn new(
        socket: &Path,
        remote: &str,
        overrides: &BTreeMap<String, String>,
        timeout: Duration,
    ) -> Self {
        Self {
            inner: Arc::new(Inner::new(socket, remote, overrides, timeout)),
        }
    }

    /// Asks lircd which keys the remote has and keeps the common names it can send.
    /// Blocking: call from a blocking thread (or at start-up).
    pub fn discover(&self) -> Result<Vec<String>, RemoteError> {
        self.inner.discover()
    }
}

impl Inner {
    fn new(
        socket: &Path,
        remote: &str,
        overrides: &BTreeMap<String, String>,
        timeout: Duration,
    ) -> Self {
        let mut table: Vec<(String, String)> = keys::LIRC
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        for (key, name) in overrides {
            match table.iter_mut().find(|(k, _)| k == key) {
                Some(entry) => entry.1 = name.clone(),
                None => table.push((key.clone(), name.clone())),
            }
        }
        Self {
            socket: socket.to_owned(),
            remote: remote.to_string(),
            table,
            timeout,
            mapped: RwLock::new(None),
        }
    }

    fn discover(&self) -> Result<Vec<String>, RemoteError> {
        let mut conn = Connection::open(&self.socket, self.timeout)?;
        let remotes = conn.ask("LIST")?.data;
        if !remotes.iter().any(|r| r == &self.remote) {
            return Err(RemoteError::Failed(format!(
                "lircd at {} has no remote `{}`; it knows: {}",
                self.socket.display(),
                self.remote,
                if remotes.is_empty() {
                    "none".into()
                } else {
                    remotes.join(", ")
                }
            )));
        }
        let codes = parse_codes(&conn.ask(&format!("LIST {}", self.remote))?.data);
        let mapped: Vec<(String, String)> = self
            .table
            .iter()
            .filter(|(_, name)| codes.contains(name))
            .cloned()
            .collect();
        let names = mapped.iter().map(|(k, _)| k.clone()).collect();
        if let Ok(mut slot) = self.mapped.write() {
            *slot = Some(mapped);
        }
        Ok(names)
    }

    fn mapped(&self) -> Option<Vec<(String, String)>> {
        self.mapped.read().ok().and_then(|m| m.clone())
    }

    /// Sends one key: once, or held for `hold` between SEND_START and SEND_STOP.
    fn send_blocking(&self, key: &str, hold: Duration) -> Result<(), RemoteError> {
        if self.mapped().is_none() {
            self.discover()?;
        }
        let mapped = self.mapped().unwrap_or_default();
        let Some((_, name)) = mapped.iter().find(|(k, _)| k == key) else {
            return Err(RemoteError::UnknownKey {
                key: key.to_string(),
                valid: ordered(&mapped),
            });
        };
        let mut conn = Connection::open(&self.socket, self.timeout + hold)?;
        if hold.is_zero() {
            conn.ask(&format!("SEND_ONCE {} {name}", self.remote))?;
        } else {
            conn.ask(&format!("SEND_START {} {name}", self.remote))?;
            std::thread::sleep(hold);
            conn.ask(&format!("SEND_STOP {} {name}", self.remote))?;
        }
        Ok(())
    }
}

/// Common names in the order a remote UI lists them.
fn ordered(mapped: &[(String, String)]) -> Vec<String> {
    let mut names: Vec<String> = keys::COMMON_KEYS
        .iter()
        .filter(|k| mapped.iter().any(|(m, _)| m == *k))
        .map(|k| k.to_string())
        .collect();
    for (key, _) in mapped {
        if !names.contains(key) {
            names.push(key.clone());
        }
    }
    names
}

/// One connection to lircd's socket.
struct Connection {
    writer: UnixStream,
    reader: BufReader<UnixStream>,
    socket: PathBuf,
}

impl Connection {
    fn open(socket: &Path, timeout: Duration) -> Result<Self, RemoteError> {
        let stream = UnixStream::connect(socket).map_err(|e| {
            RemoteError::Failed(format!(
                "cannot reach lircd at {} ({e}); is lircd running with that output socket?",
                socket.display()
            ))
        })?;
        let io = |e: std::io::Error| RemoteError::Failed(format!("lircd socket: {e}"));
        stream.set_read_timeout(Some(timeout)).map_err(io)?;
        stream.set_write_timeout(Some(timeout)).map_err(io)?;
        let reader = BufReader::new(stream.try_clone().map_err(io)?);
        Ok(Self {
            writer: stream,
            reader,
            socket: socket.to_owned(),
        })
    }

    /// Sends a command and returns its reply; an ERROR reply is an error.
    fn ask(&mut self, command: &str) -> Result<Reply, RemoteError> {
        let failed = |why: String| RemoteError::Failed(format!("lircd `{command}`: {why}"));
        self.writer
            .write_all(format!("{command}\n").as_bytes())
            .map_err(|e| failed(e.to_string()))?;
        let mut parser = ReplyParser::default();
        let mut line = String::new();
        loop {
            line.clear();
            let read = self.reader.read_line(&mut line).map_err(|e| {
                failed(if e.kind() == std::io::ErrorKind::WouldBlock {
                    format!("no answer from {}", self.socket.display())
                } else {
                    e.to_string()
                })
            })?;
            if read == 0 {
                return Err(failed("lircd closed the connection".into()));
            }
            match parser.feed(&line).map_err(|e| failed(e.to_string()))? {
                Some(Block::Reply(reply)) if reply.command == command => {
                    return if reply.success {
                        Ok(reply)
                    } else {
                        Err(failed(reply.error_text()))
                    };
                }
                // Broadcasts and stale replies are not ours.
                Some(_) | None => {}
            }
        }
    }
}

#[async_trait]
impl Remote for LircRemote {
    fn kind(&self) -> &'static str {
        "lirc"
    }

    /// The keys lircd confirmed, or (before it answered once) those configured.
    fn keys(&self) -> Vec<String> {
        match self.inner.mapped() {
            Some(mapped) => ordered(&mapped),
            None => ordered(&self.inner.table),
        }
    }

    async fn press(&self, key: &str, hold: Duration) -> Result<(), RemoteError> {
        check_lirc_word("key", key).map_err(RemoteError::Unsupported)?;
        // The socket is blocking; keep it off the async runtime.
        let key = key.to_string();
        let me = self.inner.clone();
        tokio::task::spawn_blocking(move || me.send_blocking(&key, hold))
            .await
            .map_err(|e| RemoteError::Failed(format!("lirc send task: {e}")))?
    }

    /// Digits go through as digit keys; lircd has no text channel.
    async fn text(&self, text: &str) -> Result<(), RemoteError> {
        if let Some(bad) = text.chars().find(|c| !c.is_ascii_digit()) {
            return Err(RemoteError::Unsupported(format!(
                "a lirc remote types digits only (got `{bad}`)"
            )));
        }
        for digit in text.chars() {
            self.press(&digit.to_string(), Duration::ZERO).await?;
        }
        Ok(())
    }
}
