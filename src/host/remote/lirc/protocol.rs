//! lircd's socket protocol, pure. A client writes one command per line; lircd answers
//!
//! ```text
//! BEGIN
//! <the command, echoed>
//! SUCCESS | ERROR
//! [DATA
//! <n>
//! <n lines>]
//! END
//! ```
//!
//! and may also broadcast blocks nobody asked for (`BEGIN\nSIGHUP\nEND` when it rereads its
//! configuration), which a client must skip.

#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub command: String,
    pub success: bool,
    pub data: Vec<String>,
}

impl Reply {
    /// lircd's explanation of an error (its data lines), or a generic one.
    pub fn error_text(&self) -> String {
        if self.data.is_empty() {
            "lircd reported an error".into()
        } else {
            self.data.join("; ")
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("malformed lircd reply: {0}")]
pub struct ParseError(pub String);

/// Assembles replies from lines. Feed lines in order; a complete block comes out as
/// `Some(Block)`.
#[derive(Debug, Default)]
pub struct ReplyParser {
    state: State,
    command: String,
    success: Option<bool>,
    expected: usize,
    data: Vec<String>,
}

#[derive(Debug, Default, PartialEq)]
enum State {
    #[default]
    Idle,
    Command,
    Status,
    DataCount,
    Data,
    End,
}

#[derive(Debug, PartialEq)]
pub enum Block {
    Reply(Reply),
    /// An unsolicited broadcast (`SIGHUP`).
    Broadcast(String),
}

impl ReplyParser {
    pub fn feed(&mut self, line: &str) -> Result<Option<Block>, ParseError> {
        let line = line.trim_end_matches(['\r', '\n']);
        match self.state {
            State::Idle => {
                if line == "BEGIN" {
                    *self = Self {
                        state: State::Command,
                        ..Default::default()
                    };
                    Ok(None)
                } else {
                    Err(ParseError(format!("expected BEGIN, got `{line}`")))
                }
            }
            State::Command => {
                self.command = line.to_string();
                self.state = State::Status;
                Ok(None)
            }
            State::Status => match line {
                "SUCCESS" => self.status(true),
                "ERROR" => self.status(false),
                // Broadcasts carry no status: BEGIN, SIGHUP, END.
                "END" => {
                    self.state = State::Idle;
                    Ok(Some(Block::Broadcast(std::mem::take(&mut self.command))))
                }
                other => Err(ParseError(format!(
                    "expected SUCCESS or ERROR, got `{other}`"
                ))),
            },
            State::DataCount => match line {
                "DATA" => {
                    self.state = State::Data;
                    self.expected = usize::MAX;
                    Ok(None)
                }
                "END" => Ok(Some(self.finish())),
                other => Err(ParseError(format!("expected DATA or END, got `{other}`"))),
            },
            State::Data => {
                if self.expected == usize::MAX {
                    self.expected = line
                        .trim()
                        .parse()
                        .map_err(|_| ParseError(format!("`{line}` is not a line count")))?;
                    if self.expected > 100_000 {
                        return Err(ParseError(format!("{} data lines", self.expected)));
                    }
                } else {
                    self.data.push(line.to_string());
                }
                if self.expected != usize::MAX && self.data.len() == self.expected {
                    self.state = State::End;
                }
                Ok(None)
            }
            State::End => {
                if line == "END" {
                    Ok(Some(self.finish()))
                } else {
                    Err(ParseError(format!("expected END, got `{line}`")))
                }
            }
        }
    }

    fn status(&mut self, success: bool) -> Result<Option<Block>, ParseError> {
        self.success = Some(success);
        self.state = State::DataCount;
        Ok(None)
    }

    fn finish(&mut self) -> Block {
        self.state = State::Idle;
        Block::Reply(Reply {
            command: std::mem::take(&mut self.command),
            success: self.success.unwrap_or(false),
            data: std::mem::take(&mut self.data),
        })
    }
}

/// Key names of a `LIST <remote>` reply (`<code> <name>` per line).
pub fn parse_codes(data: &[String]) -> Vec<String> {
    data.iter()
        .filter_map(|line| line.split_whitespace().nth(1).map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(text: &str) -> Vec<Block> {
        let mut parser = ReplyParser::default();
        text.lines()
            .filter_map(|l| parser.feed(l).unwrap())
            .collect()
    }

    #[test]
    fn replies_with_and_without_data() {
        let blocks = parse_all(
            "BEGIN\nSEND_ONCE tv KEY_UP\nSUCCESS\nEND\n\
             BEGIN\nLIST\nSUCCESS\nDATA\n2\nsamsung\nsony\nEND\n\
             BEGIN\nSEND_ONCE tv NOPE\nERROR\nDATA\n1\nunknown command: \"NOPE\"\nEND\n",
        );
        assert_eq!(blocks.len(), 3);
        let Block::Reply(list) = &blocks[1] else {
            panic!("{blocks:?}")
        };
        assert_eq!(list.data, vec!["samsung", "sony"]);
        let Block::Reply(error) = &blocks[2] else {
            panic!()
        };
        assert!(!error.success);
        assert_eq!(error.error_text(), "unknown command: \"NOPE\"");
    }

    #[test]
    fn sighup_broadcasts_are_blocks_of_their_own() {
        let blocks =
            parse_all("BEGIN\nSIGHUP\nEND\nBEGIN\nVERSION\nSUCCESS\nDATA\n1\n0.10.1\nEND\n");
        assert_eq!(blocks[0], Block::Broadcast("SIGHUP".into()));
        assert!(matches!(&blocks[1], Block::Reply(r) if r.data == ["0.10.1"]));
    }

    #[test]
    fn garbage_is_an_error() {
        let mut parser = ReplyParser::default();
        assert!(parser.feed("hello").is_err());
        let mut parser = ReplyParser::default();
        parser.feed("BEGIN").unwrap();
        parser.feed("LIST").unwrap();
        parser.feed("SUCCESS").unwrap();
        parser.feed("DATA").unwrap();
        assert!(parser.feed("many").is_err());
    }

    #[test]
    fn codes_and_words() {
        let codes = parse_codes(&["00000000000040bf KEY_POWER".into(), "junk".into()]);
        assert_eq!(codes, vec!["KEY_POWER"]);
    }
}
