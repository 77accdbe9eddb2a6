//! How long the `pets-api` example takes from process start to its first answered request in
//! local mode, and how big its binary is. Build both in one profile, then run this:
//!
//! ```text
//! cargo build --release --example pets-api
//! cargo run --release --example startup_time [runs]          # 5 by default
//! ```
//!
//! Two cases, each the median of `runs` starts after one start that is not counted (it
//! creates the table):
//! - warm: `DYNAMODB_ENDPOINT` points at a DynamoDB Local that is already running, as when a
//!   developer keeps one open;
//! - cold: the process starts its own DynamoDB Local (a JVM), as `cargo run --example
//!   pets-api` does on a fresh shell.
//!
//! The clock runs from spawning the process to the first `200` of `GET /pets?limit=1`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dynomodel::local::DynamoDbLocal;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The status code of `GET path` at `addr`, or `None` where nothing answers yet.
fn get_status(addr: &str, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// Kills the child when dropped, so that no server outlives a failed run.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary on a free port and returns the time until it answered `200`.
fn one_start(binary: &Path, endpoint: Option<&str>) -> Result<Duration, Error> {
    let mut command = Command::new(binary);
    command
        .env("PORT", "0")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    match endpoint {
        Some(e) => command.env("DYNAMODB_ENDPOINT", e),
        None => command.env_remove("DYNAMODB_ENDPOINT"),
    };
    let start = Instant::now();
    let mut child = Running(command.spawn()?);
    let stdout = child.0.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let addr = line
        .strip_prefix("pets-api listening on http://")
        .and_then(|rest| rest.split_whitespace().next())
        .ok_or_else(|| format!("pets-api did not start: {line:?}"))?
        .to_owned();
    loop {
        match get_status(&addr, "/pets?limit=1") {
            Some(200) => return Ok(start.elapsed()),
            Some(other) => return Err(format!("GET /pets answered {other}").into()),
            None if start.elapsed() > Duration::from_secs(120) => {
                return Err("pets-api did not answer within 120 s".into())
            }
            None => std::thread::sleep(Duration::from_millis(2)),
        }
    }
}

fn median_of(binary: &Path, endpoint: Option<&str>, runs: usize) -> Result<Duration, Error> {
    let warmup = one_start(binary, endpoint)?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(one_start(binary, endpoint)?);
    }
    let shown: Vec<String> = times
        .iter()
        .map(|t| format!("{} ms", t.as_millis()))
        .collect();
    println!(
        "  uncounted first start {} ms; runs: {}",
        warmup.as_millis(),
        shown.join(", ")
    );
    times.sort();
    Ok(times[times.len() / 2])
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let runs: usize = std::env::args()
        .nth(1)
        .map(|r| r.parse())
        .transpose()?
        .unwrap_or(5)
        .max(1);
    let binary: PathBuf = std::env::current_exe()?.with_file_name("pets-api");
    let size = std::fs::metadata(&binary)
        .map_err(|e| {
            format!(
                "{}: {e}; build it first: cargo build [--release] --example pets-api",
                binary.display()
            )
        })?
        .len();
    println!("{}: {size} bytes", binary.display());

    let local = DynamoDbLocal::builder().ignore_env().start().await?;
    let endpoint = local.endpoint().to_owned();
    let warm = tokio::task::spawn_blocking({
        let binary = binary.clone();
        move || {
            println!("warm (DYNAMODB_ENDPOINT={endpoint}):");
            median_of(&binary, Some(&endpoint), runs)
        }
    })
    .await??;
    drop(local);
    let cold = tokio::task::spawn_blocking(move || {
        println!("cold (starts its own DynamoDB Local):");
        median_of(&binary, None, runs)
    })
    .await??;
    println!(
        "process start to first answered request, median of {runs}: warm {} ms, cold {} ms",
        warm.as_millis(),
        cold.as_millis()
    );
    Ok(())
}
