//! Users outside the API: the first admin created at first start, and `vpt user add` /
//! `vpt user passwd`, which work directly on the data dir's database.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context;

use super::{Role, secret};
use crate::server::db::{Db, auth};

/// Creates `admin` with a random password, printed once to the log, when there are no users.
pub async fn first_admin(db: &Db) -> anyhow::Result<()> {
    let users = db.call(auth::count_users).await?;
    if users > 0 {
        return Ok(());
    }
    let password = secret::random_password();
    let to_hash = password.clone();
    let hash = tokio::task::spawn_blocking(move || secret::hash_password(&to_hash))
        .await?
        .map_err(|e| anyhow::anyhow!("cannot hash the admin password: {e}"))?;
    let created = db
        .call(move |c| auth::create_user(c, "admin", Role::Admin, &hash))
        .await?;
    if let Some(user) = created {
        let id = user.id;
        db.call(move |c| auth::require_password_change(c, id))
            .await?;
        // Printed once: only its hash is stored, so this line is the one chance to read it.
        tracing::warn!(
            "created the user `admin` with password {password} (shown only now; it must be \
             changed at the first sign-in, or set one with `vpt user passwd admin`)"
        );
    }
    Ok(())
}

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is asked for (or read from stdin with --password-stdin).
    Add {
        name: String,
        /// viewer, tester or admin.
        #[arg(long, default_value = "viewer")]
        role: Role,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password (ends the user's sessions).
    Passwd {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

impl clap::ValueEnum for Role {
    fn value_variants<'a>() -> &'a [Self] {
        &[Role::Viewer, Role::Tester, Role::Admin]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

/// Runs `vpt user ...` against `<data_dir>/vpt.db`.
pub fn run(data_dir: &std::path::Path, command: UserCommand) -> anyhow::Result<()> {
    crate::server::db::create_data_dir(data_dir)
        .with_context(|| format!("cannot create data dir {}", data_dir.display()))?;
    let path = data_dir.join("vpt.db");
    let db = Db::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match command {
            UserCommand::Add {
                name,
                role,
                password_stdin,
            } => {
                check_user_name(&name).map_err(anyhow::Error::msg)?;
                let password = read_password(password_stdin, &name)?;
                let hash = hash(password).await?;
                let created = db
                    .call({
                        let name = name.clone();
                        move |c| auth::create_user(c, &name, role, &hash)
                    })
                    .await?;
                anyhow::ensure!(created.is_some(), "a user named `{name}` already exists");
                println!("created user {name} ({role})");
            }
            UserCommand::Passwd {
                name,
                password_stdin,
            } => {
                let user = db
                    .call({
                        let name = name.clone();
                        move |c| auth::user_by_name(c, &name)
                    })
                    .await?
                    .with_context(|| format!("no user named `{name}`"))?;
                let password = read_password(password_stdin, &user.name)?;
                let hash = hash(password).await?;
                db.call(move |c| auth::update_user(c, user.id, None, None, Some(&hash)))
                    .await?;
                println!("password of {name} changed; a running server drops its sessions within a minute at most");
            }
        }
        Ok(())
    })
}

async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || secret::hash_password(&password))
        .await?
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

/// User names appear in the audit log and the UI: 1 to 64 letters, digits, `-_.@`.
pub fn check_user_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    if !ok {
        return Err(format!(
            "user name `{name}`: 1 to 64 letters, digits, `-`, `_`, `.` or `@`"
        ));
    }
    if RESERVED_NAMES.contains(&name) {
        return Err(format!(
            "user name `{name}` is reserved: the audit log and approvals use it for the server itself"
        ));
    }
    Ok(())
}

/// Names the server acts under itself: `auto` (the auto-approve policy) and `local` (every
/// request when auth is off). No user may take them, so the audit log stays unambiguous.
pub const RESERVED_NAMES: &[&str] = &["auto", "local"];

fn read_password(from_stdin: bool, user: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let password = if from_stdin || !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        let first = prompt("Password: ")?;
        let again = prompt("Again: ")?;
        anyhow::ensure!(first == again, "the passwords differ");
        first
    };
    super::passwords::check(&password, user).map_err(anyhow::Error::msg)?;
    Ok(password)
}

/// Reads a line from the terminal without echoing it.
fn prompt(label: &str) -> anyhow::Result<String> {
    eprint!("{label}");
    std::io::stderr().flush()?;
    let echo_off = EchoOff::new();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    drop(echo_off);
    eprintln!();
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Turns terminal echo off while alive.
struct EchoOff(Option<libc::termios>);

impl EchoOff {
    fn new() -> Self {
        // SAFETY: tcgetattr/tcsetattr on stdin with a zeroed termios they fill in.
        unsafe {
            let mut term: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut term) != 0 {
                return Self(None);
            }
            let saved = term;
            term.c_lflag &= !libc::ECHO;
            libc::tcsetattr(0, libc::TCSANOW, &term);
            Self(Some(saved))
        }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if let Some(saved) = self.0 {
            // SAFETY: restores the settings read in `new`.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, &saved);
            }
        }
    }
}
