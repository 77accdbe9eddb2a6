//! Every public item of the runtime crate shows a compiled example in its documentation.
//!
//! The doctests compile and run the examples (`cargo test --doc`); this test finds the items
//! that have none. It reads the sources as rustfmt lays them out: an item is a line that
//! starts with `pub fn`, `pub struct`, `pub mod`, ... (or `fn`, `const`, `type` directly inside
//! a public trait), and its documentation is the block of `///` and `#[...]` lines above it
//! (for `pub mod name;`, the `//!` lines that open `name.rs`). Items under
//! `#[doc(hidden)]`, and private modules, are not part of the documented API.

use std::path::Path;

const KINDS: &[&str] = &[
    "fn", "struct", "enum", "trait", "const", "type", "static", "union", "mod",
];

/// The item that `line` declares, if it declares one: `(kind, name)`.
fn item(line: &str, in_trait: bool) -> Option<(String, String)> {
    let mut rest = line.trim_start();
    if let Some(r) = rest.strip_prefix("pub ") {
        rest = r;
    } else if !in_trait {
        return None;
    }
    for qualifier in ["const fn ", "async fn ", "unsafe fn "] {
        if rest.starts_with(qualifier) {
            rest = &rest[qualifier.len() - 3..];
        }
    }
    let (kind, after) = rest.split_once(' ')?;
    if !KINDS.contains(&kind) {
        return None;
    }
    let name: String = after
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then(|| (kind.to_owned(), name))
}

struct Scope {
    indent: usize,
    hidden: bool,
    public_trait: bool,
}

fn missing_examples(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut missing = Vec::new();
    let mut scopes: Vec<Scope> = Vec::new();
    let mut docs: Vec<&str> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.starts_with("///") || trimmed.starts_with("#[") || trimmed.starts_with("//") {
            docs.push(trimmed);
            continue;
        }
        if trimmed.starts_with('}') && scopes.last().is_some_and(|s| s.indent == indent) {
            scopes.pop();
        }
        let hidden_here = docs
            .iter()
            .any(|d| d.starts_with("#[doc(hidden)]") || d.starts_with("#[cfg(test)]"));
        let hidden_above = scopes.iter().any(|s| s.hidden);
        let in_trait = scopes
            .last()
            .is_some_and(|s| s.public_trait && indent == s.indent + 4);
        if let Some((kind, name)) = item(line, in_trait) {
            let has_example = if kind == "mod" && trimmed.ends_with(';') {
                // The module's own file documents it, with `//!`.
                let flat = file.with_file_name(format!("{name}.rs"));
                let folder = file.with_file_name(name.as_str()).join("mod.rs");
                let module = if flat.exists() { flat } else { folder };
                std::fs::read_to_string(&module).is_ok_and(|t| {
                    t.lines()
                        .take_while(|l| l.starts_with("//!"))
                        .any(|l| l.contains("```"))
                })
            } else {
                docs.iter().any(|d| d.contains("```"))
            };
            if !hidden_here && !hidden_above && !has_example && !name.starts_with("__") {
                missing.push(format!("{}:{}: {kind} {name}", file.display(), n + 1));
            }
        }
        let opens = trimmed.ends_with('{') && !trimmed.ends_with("{}");
        let header = ["pub mod ", "mod ", "impl", "pub trait ", "macro_rules!"]
            .iter()
            .any(|h| trimmed.starts_with(h))
            || trimmed.starts_with("impl<");
        if opens && header {
            scopes.push(Scope {
                indent,
                hidden: hidden_here || trimmed.starts_with("mod "),
                public_trait: trimmed.starts_with("pub trait "),
            });
        }
        docs.clear();
    }
    missing
}

#[test]
fn every_public_item_has_an_example() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("dynomodel/src");
    fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.ends_with("doc_support.rs")
            {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    assert!(files.len() > 10, "the sources are at {}", src.display());
    let missing: Vec<String> = files.iter().flat_map(|f| missing_examples(f)).collect();
    assert!(
        missing.is_empty(),
        "{} public items have no example in their documentation:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn the_check_finds_an_item_without_an_example() {
    let dir = std::env::temp_dir().join(format!("dynomodel-docs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("sample.rs");
    std::fs::write(
        &file,
        "/// Shown.\n///\n/// ```\n/// let _ = 1;\n/// ```\npub fn shown() {}\n\n\
         /// Bare.\npub struct Bare;\n\n\
         /// A trait.\n///\n/// ```\n/// ```\npub trait T {\n    /// No example.\n    fn m(&self);\n}\n\n\
         #[doc(hidden)]\npub mod glue {\n    pub fn inner() {}\n}\n\n\
         mod private {\n    pub fn inner() {}\n}\n\n\
         pub mod elsewhere_without_a_file;\n",
    )
    .unwrap();
    let missing = missing_examples(&file);
    std::fs::remove_dir_all(&dir).unwrap();
    let names: Vec<&str> = missing
        .iter()
        .map(|m| m.rsplit(": ").next().unwrap())
        .collect();
    assert_eq!(
        names,
        ["struct Bare", "fn m", "mod elsewhere_without_a_file"]
    );
}
