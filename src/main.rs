//! Entry point: parse the command line, start logging, run the chosen role.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = vpt::cli::Cli::parse();
    vpt::roles::main(cli)
}
