//! The adb server's smart-socket protocol, spoken directly over TCP (no `adb` process per
//! command). A request is four hex digits of length and the payload; the server answers `OKAY`
//! or `FAIL` + a length-prefixed message. Host services (`host:version`, `host:devices`,
//! `host:connect:<addr>`) answer on the socket they were asked on; device services are reached
//! by first switching the socket to a device (`host:transport:<serial>`), after which the socket
//! carries one service (`shell:<cmd>`, `exec:<cmd>`) until either side closes it.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Longest reply of a host service accepted (a `host:devices` list of a big lab fits easily).
const MAX_REPLY: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum AdbError {
    #[error(
        "no adb server answers at {server} ({cause}); start one with `adb start-server` on the host"
    )]
    NoServer { server: String, cause: String },
    #[error("adb server refused `{request}`: {message}")]
    Refused { request: String, message: String },
    #[error("adb `{request}` timed out after {ms} ms")]
    Timeout { request: String, ms: u128 },
    #[error("adb protocol error: {0}")]
    Protocol(String),
    #[error("adb connection failed: {0}")]
    Io(#[from] std::io::Error),
}

impl AdbError {
    /// A transport to a network device that vanished; worth one `host:connect` and a retry.
    pub fn is_device_gone(&self) -> bool {
        matches!(self, AdbError::Refused { message, .. }
            if message.contains("not found") || message.contains("offline"))
    }
}

/// A device as `host:devices` lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ListedDevice {
    pub serial: String,
    pub state: String,
}

#[derive(Debug, Clone)]
pub struct AdbClient {
    server: String,
}

impl AdbClient {
    pub fn new(server: impl Into<String>) -> Self {
        Self {
            server: server.into(),
        }
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    async fn dial(&self) -> Result<TcpStream, AdbError> {
        let connect = TcpStream::connect(&self.server);
        match timeout(Duration::from_secs(2), connect).await {
            Ok(Ok(stream)) => {
                stream.set_nodelay(true)?;
                Ok(stream)
            }
            Ok(Err(e)) => Err(AdbError::NoServer {
                server: self.server.clone(),
                cause: e.to_string(),
            }),
            Err(_) => Err(AdbError::NoServer {
                server: self.server.clone(),
                cause: "connect timed out".into(),
            }),
        }
    }

    /// Asks a host service and returns its length-prefixed answer.
    pub async fn host_query(&self, request: &str, limit: Duration) -> Result<String, AdbError> {
        let work = async {
            let mut stream = self.dial().await?;
            send_request(&mut stream, request).await?;
            read_string(&mut stream).await
        };
        with_timeout(request, limit, work).await
    }

    /// `host:version`: the server's protocol version (41 for current adb).
    pub async fn version(&self) -> Result<u32, AdbError> {
        let hex = self
            .host_query("host:version", Duration::from_secs(3))
            .await?;
        u32::from_str_radix(hex.trim(), 16)
            .map_err(|_| AdbError::Protocol(format!("version `{hex}` is not hexadecimal")))
    }

    /// `host:devices`: every device the server knows, with its state (`device`, `offline`, ...).
    pub async fn devices(&self) -> Result<Vec<ListedDevice>, AdbError> {
        let text = self
            .host_query("host:devices", Duration::from_secs(3))
            .await?;
        Ok(parse_devices(&text))
    }

    /// `host:connect:<addr>` for a network device. The server answers OKAY even when it could
    /// not connect, so the message decides.
    pub async fn connect_device(&self, address: &str, limit: Duration) -> Result<String, AdbError> {
        let request = format!("host:connect:{address}");
        let message = self.host_query(&request, limit).await?;
        if message.starts_with("connected to") || message.starts_with("already connected") {
            Ok(message)
        } else {
            Err(AdbError::Refused { request, message })
        }
    }

    /// Opens `service` on device `serial`; the returned socket carries the service's bytes.
    pub async fn open(&self, serial: &str, service: &str) -> Result<TcpStream, AdbError> {
        let mut stream = self.dial().await?;
        send_request(&mut stream, &format!("host:transport:{serial}")).await?;
        send_request(&mut stream, service).await?;
        Ok(stream)
    }

    /// Runs `service` on the device and returns everything it wrote until it closed.
    pub async fn run(
        &self,
        serial: &str,
        service: &str,
        limit: Duration,
        max_bytes: usize,
    ) -> Result<Vec<u8>, AdbError> {
        with_timeout(service, limit, async {
            let stream = self.open(serial, service).await?;
            let mut out = Vec::new();
            stream
                .take(max_bytes as u64 + 1)
                .read_to_end(&mut out)
                .await?;
            if out.len() > max_bytes {
                return Err(AdbError::Protocol(format!(
                    "`{service}` wrote more than {max_bytes} bytes"
                )));
            }
            Ok(out)
        })
        .await
    }
}

async fn with_timeout<T>(
    request: &str,
    limit: Duration,
    work: impl Future<Output = Result<T, AdbError>>,
) -> Result<T, AdbError> {
    match timeout(limit, work).await {
        Ok(result) => result,
        Err(_) => Err(AdbError::Timeout {
            request: request.to_string(),
            ms: limit.as_millis(),
        }),
    }
}

/// Writes one request and reads its `OKAY`/`FAIL` status.
pub async fn send_request(stream: &mut TcpStream, request: &str) -> Result<(), AdbError> {
    stream.write_all(&encode_request(request)?).await?;
    let mut status = [0u8; 4];
    stream
        .read_exact(&mut status)
        .await
        .map_err(|e| AdbError::Protocol(format!("no status after `{request}`: {e}")))?;
    match &status {
        b"OKAY" => Ok(()),
        b"FAIL" => {
            let message = read_string(stream).await.unwrap_or_default();
            Err(AdbError::Refused {
                request: request.to_string(),
                message,
            })
        }
        other => Err(AdbError::Protocol(format!(
            "status `{}` after `{request}`",
            String::from_utf8_lossy(other)
        ))),
    }
}

/// The wire form of a request: four lowercase hex digits of length, then the bytes.
pub fn encode_request(request: &str) -> Result<Vec<u8>, AdbError> {
    if request.len() > 0xffff {
        return Err(AdbError::Protocol("request longer than 65535 bytes".into()));
    }
    let mut out = format!("{:04x}", request.len()).into_bytes();
    out.extend_from_slice(request.as_bytes());
    Ok(out)
}

/// Reads a length-prefixed string (four hex digits, then that many bytes).
pub async fn read_string(stream: &mut TcpStream) -> Result<String, AdbError> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).await?;
    let len = parse_len(&len)?;
    if len > MAX_REPLY {
        return Err(AdbError::Protocol(format!(
            "reply of {len} bytes is too long"
        )));
    }
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).await?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

pub fn parse_len(hex: &[u8; 4]) -> Result<usize, AdbError> {
    std::str::from_utf8(hex)
        .ok()
        .and_then(|s| usize::from_str_radix(s, 16).ok())
        .ok_or_else(|| {
            AdbError::Protocol(format!(
                "length `{}` is not four hex digits",
                String::from_utf8_lossy(hex)
            ))
        })
}

/// Parses `host:devices` output: one `serial<TAB>state` per line.
pub fn parse_devices(text: &str) -> Vec<ListedDevice> {
    text.lines()
        .filter_map(|line| {
            let (serial, state) = line.split_once('\t')?;
            Some(ListedDevice {
                serial: serial.trim().to_string(),
                state: state.trim().to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_length_prefixed_in_hex() {
        assert_eq!(encode_request("host:version").unwrap(), b"000chost:version");
        assert_eq!(parse_len(b"001f").unwrap(), 31);
        assert!(parse_len(b"zz00").is_err());
        assert!(encode_request(&"x".repeat(70_000)).is_err());
    }

    #[test]
    fn device_lists_parse() {
        let devices = parse_devices("emulator-5554\tdevice\n192.168.1.50:5555\toffline\n\n");
        assert_eq!(devices.len(), 2);
        assert_eq!(devices[1].serial, "192.168.1.50:5555");
        assert_eq!(devices[1].state, "offline");
    }
}
