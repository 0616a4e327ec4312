//! Android devices through the adb server: keys, text, apps, taps and swipes, and the UI element
//! tree. Key presses go through one persistent `exec:sh` session per device, so a press costs a
//! line written and an acknowledgement read instead of a new adb connection and shell.

pub mod client;
pub mod ui;

use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

use self::client::{AdbClient, AdbError};
use self::ui::{Element, ElementQuery};
use super::{App, Remote, RemoteError, keys};
use crate::protocol::Capability;

/// Largest output accepted from one shell command (a UI dump of a busy screen is ~200 KiB).
const MAX_OUTPUT: usize = 8 * 1024 * 1024;
/// Holding a key this long or longer becomes Android's long press.
const LONG_PRESS: Duration = Duration::from_millis(500);

pub struct AdbRemote {
    client: AdbClient,
    serial: String,
    timeout: Duration,
    session: Mutex<Option<Session>>,
}

/// A shell kept open for key presses: commands go in as lines, each followed by an `echo` of a
/// numbered marker and the exit status, which is how we know the command finished.
struct Session {
    reader: BufReader<TcpStream>,
    next: u64,
}

impl From<AdbError> for RemoteError {
    fn from(e: AdbError) -> Self {
        RemoteError::Failed(e.to_string())
    }
}

impl AdbRemote {
    pub fn new(server: &str, serial: &str, timeout: Duration) -> Self {
        Self {
            client: AdbClient::new(server),
            serial: serial.to_string(),
            timeout,
            session: Mutex::new(None),
        }
    }

    pub fn serial(&self) -> &str {
        &self.serial
    }

    pub fn client(&self) -> &AdbClient {
        &self.client
    }

    /// Network devices (`host:port`) can be (re)connected by the server; USB ones cannot.
    fn is_network(&self) -> bool {
        self.serial
            .rsplit_once(':')
            .is_some_and(|(_, port)| port.parse::<u16>().is_ok())
    }

    /// Opens a device service, connecting a network device first if the server lost it.
    async fn open(&self, service: &str) -> Result<TcpStream, AdbError> {
        match self.client.open(&self.serial, service).await {
            Err(e) if e.is_device_gone() && self.is_network() => {
                tracing::info!(serial = %self.serial, "adb: device not connected; connecting");
                self.client
                    .connect_device(&self.serial, self.timeout)
                    .await?;
                self.client.open(&self.serial, service).await
            }
            other => other,
        }
    }

    /// Runs a one-shot shell command and returns its output (stdout and stderr, as adb's
    /// `shell:` service merges them).
    pub async fn shell(&self, command: &str) -> Result<String, RemoteError> {
        let service = format!("shell:{command}");
        let work = async {
            let stream = self.open(&service).await?;
            read_all(stream).await
        };
        match tokio::time::timeout(self.timeout, work).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(AdbError::Timeout {
                request: service,
                ms: self.timeout.as_millis(),
            }
            .into()),
        }
    }

    /// Runs `command` in the persistent session; reopens the session once if it broke.
    pub async fn session_run(&self, command: &str) -> Result<(), RemoteError> {
        let mut session = self.session.lock().await;
        for attempt in 0..2 {
            if session.is_none() {
                *session = Some(self.open_session().await?);
            }
            let Some(open) = session.as_mut() else {
                continue;
            };
            match tokio::time::timeout(self.timeout, open.run(command)).await {
                Ok(Ok(0)) => return Ok(()),
                Ok(Ok(status)) => {
                    return Err(RemoteError::Failed(format!(
                        "`{command}` on {} exited with status {status}",
                        self.serial
                    )));
                }
                Ok(Err(e)) => {
                    *session = None;
                    if attempt == 1 {
                        return Err(RemoteError::Failed(format!(
                            "adb shell session to {} broke: {e}",
                            self.serial
                        )));
                    }
                }
                Err(_) => {
                    *session = None;
                    return Err(RemoteError::Failed(format!(
                        "`{command}` on {} timed out after {} ms",
                        self.serial,
                        self.timeout.as_millis()
                    )));
                }
            }
        }
        Err(RemoteError::Failed("adb session unavailable".into()))
    }

    async fn open_session(&self) -> Result<Session, AdbError> {
        // `exec:` gives a raw pipe to sh (no pty, no echo); Android before 7 lacks it, and the
        // marker parsing copes with a pty's echo, so `shell:` is the fallback.
        let stream = match self.open("exec:sh").await {
            Ok(stream) => stream,
            Err(AdbError::Refused { .. }) => self.open("shell:").await?,
            Err(e) => return Err(e),
        };
        Ok(Session {
            reader: BufReader::new(stream),
            next: 0,
        })
    }

    pub async fn keyevent(&self, code: u32, long: bool) -> Result<(), RemoteError> {
        let command = if long {
            format!("input keyevent --longpress {code}")
        } else {
            format!("input keyevent {code}")
        };
        self.session_run(&command).await
    }

    pub async fn tap(&self, x: u32, y: u32) -> Result<(), RemoteError> {
        self.session_run(&format!("input tap {x} {y}")).await
    }

    pub async fn swipe(
        &self,
        from: (u32, u32),
        to: (u32, u32),
        duration_ms: u32,
    ) -> Result<(), RemoteError> {
        self.session_run(&format!(
            "input swipe {} {} {} {} {duration_ms}",
            from.0, from.1, to.0, to.1
        ))
        .await
    }

    /// Package names of installed apps, sorted.
    pub async fn packages(&self) -> Result<Vec<String>, RemoteError> {
        let out = self.shell("pm list packages").await?;
        let mut packages: Vec<String> = out
            .lines()
            .filter_map(|l| l.trim().strip_prefix("package:"))
            .map(str::to_string)
            .collect();
        if packages.is_empty() && !out.trim().is_empty() {
            return Err(RemoteError::Failed(format!(
                "`pm list packages` answered `{}`",
                out.trim()
            )));
        }
        packages.sort();
        Ok(packages)
    }

    /// Starts the launcher activity of `package` (phone or TV launcher).
    pub async fn launch_package(&self, package: &str) -> Result<(), RemoteError> {
        check_package(package)?;
        let out = self
            .shell(&format!(
                "monkey -p {package} -c android.intent.category.LAUNCHER \
                 -c android.intent.category.LEANBACK_LAUNCHER 1"
            ))
            .await?;
        if out.contains("Events injected: 1") {
            Ok(())
        } else {
            Err(RemoteError::Failed(format!(
                "could not launch `{package}`: {}",
                last_line(&out)
            )))
        }
    }

    pub async fn close_package(&self, package: &str) -> Result<(), RemoteError> {
        check_package(package)?;
        let out = self.shell(&format!("am force-stop {package}")).await?;
        if out.trim().is_empty() {
            Ok(())
        } else {
            Err(RemoteError::Failed(format!(
                "could not stop `{package}`: {}",
                last_line(&out)
            )))
        }
    }

    /// The current screen's UI elements (`uiautomator dump`).
    pub async fn elements(&self) -> Result<Vec<Element>, RemoteError> {
        let path = "/data/local/tmp/vpt-ui.xml";
        let out = self
            .shell(&format!(
                "uiautomator dump {path} >/dev/null 2>&1; cat {path}; rm -f {path}"
            ))
            .await?;
        ui::parse_dump(&out).map_err(|e| RemoteError::Failed(e.to_string()))
    }

    /// Polls the UI tree until `query` matches (`appear`) or no longer matches (`disappear`),
    /// or `within` passes. A zero `within` checks once.
    pub async fn wait_element(
        &self,
        query: &ElementQuery,
        appear: bool,
        within: Duration,
        interval: Duration,
    ) -> Result<WaitOutcome, RemoteError> {
        let started = Instant::now();
        let mut polls = 0;
        loop {
            let elements = self.elements().await?;
            polls += 1;
            let found: Vec<Element> = query.find(&elements).into_iter().cloned().collect();
            if found.is_empty() != appear {
                return Ok(WaitOutcome {
                    ok: true,
                    polls,
                    elapsed: started.elapsed(),
                    matches: found,
                });
            }
            if started.elapsed() + interval > within {
                return Ok(WaitOutcome {
                    ok: false,
                    polls,
                    elapsed: started.elapsed(),
                    matches: found,
                });
            }
            tokio::time::sleep(interval).await;
        }
    }
}

pub struct WaitOutcome {
    pub ok: bool,
    pub polls: u32,
    pub elapsed: Duration,
    pub matches: Vec<Element>,
}

impl Session {
    /// Writes the command and its marker, reads until the marker line; returns the exit status.
    async fn run(&mut self, command: &str) -> Result<i32, AdbError> {
        self.next += 1;
        let marker = format!("__vpt_{}__", self.next);
        let line = format!("{command}; echo {marker} $?\n");
        self.reader.get_mut().write_all(line.as_bytes()).await?;
        let mut buf = String::new();
        loop {
            buf.clear();
            if self.reader.read_line(&mut buf).await? == 0 {
                return Err(AdbError::Protocol("the shell closed".into()));
            }
            // A pty echoes the command line too; only the echo's output has a number after it.
            if let Some((_, status)) = buf.trim().rsplit_once(&marker)
                && let Ok(status) = status.trim().parse::<i32>()
            {
                return Ok(status);
            }
        }
    }
}

async fn read_all(stream: TcpStream) -> Result<String, AdbError> {
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    stream
        .take(MAX_OUTPUT as u64 + 1)
        .read_to_end(&mut out)
        .await?;
    if out.len() > MAX_OUTPUT {
        return Err(AdbError::Protocol(format!(
            "shell output over {MAX_OUTPUT} bytes"
        )));
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn last_line(out: &str) -> String {
    out.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no output")
        .trim()
        .to_string()
}

/// Android package names: dotted Java identifiers. Checked because they reach a shell.
pub fn check_package(package: &str) -> Result<(), RemoteError> {
    let ok = !package.is_empty()
        && package.len() <= 255
        && package
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
        && !package.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(RemoteError::Unsupported(format!(
            "`{package}` is not an Android package name"
        )))
    }
}

/// `input text` treats `%s` as a space and the shell the rest, so the text is single-quoted.
pub fn input_text_command(text: &str) -> Result<String, RemoteError> {
    if let Some(bad) = text.chars().find(|c| c.is_control()) {
        return Err(RemoteError::Unsupported(format!(
            "control character {bad:?} cannot be typed through adb"
        )));
    }
    let escaped = text.replace(' ', "%s").replace('\'', "'\\''");
    Ok(format!("input text '{escaped}'"))
}

#[async_trait]
impl Remote for AdbRemote {
    fn kind(&self) -> &'static str {
        "adb"
    }

    fn keys(&self) -> Vec<String> {
        keys::names(keys::ADB)
    }

    async fn press(&self, key: &str, hold: Duration) -> Result<(), RemoteError> {
        let code = keys::lookup(keys::ADB, key)?;
        self.keyevent(code, hold >= LONG_PRESS).await
    }

    async fn text(&self, text: &str) -> Result<(), RemoteError> {
        self.session_run(&input_text_command(text)?).await
    }

    fn capabilities(&self) -> Vec<Capability> {
        vec![
            Capability::Text,
            Capability::Adb,
            Capability::Apps,
            Capability::Elements,
            Capability::Tap,
        ]
    }

    async fn apps(&self) -> Result<Vec<App>, RemoteError> {
        Ok(self
            .packages()
            .await?
            .into_iter()
            .map(|id| App { id, name: None })
            .collect())
    }

    async fn launch(&self, app: &str) -> Result<(), RemoteError> {
        self.launch_package(app).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_quoted_for_the_shell() {
        assert_eq!(
            input_text_command("it's on").unwrap(),
            "input text 'it'\\''s%son'"
        );
        assert!(input_text_command("a\nb").is_err());
    }

    #[test]
    fn package_names_are_checked() {
        assert!(check_package("com.netflix.ninja").is_ok());
        assert!(check_package("com.x; reboot").is_err());
        assert!(check_package("").is_err());
    }

    #[test]
    fn network_serials_are_recognised() {
        let t = Duration::from_secs(1);
        assert!(AdbRemote::new("127.0.0.1:5037", "192.168.1.50:5555", t).is_network());
        assert!(!AdbRemote::new("127.0.0.1:5037", "R58M123ABC", t).is_network());
        assert!(!AdbRemote::new("127.0.0.1:5037", "emulator-5554", t).is_network());
    }
}
