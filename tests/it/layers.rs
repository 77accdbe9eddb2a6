//! The runtime crate is built in layers that point one way: a module names only modules of a
//! lower layer, or itself. The order is written here, once; docs/architecture.md says what
//! each layer owns.

use std::path::{Path, PathBuf};

/// The layers of `dynomodel/src`, lowest first.
const LAYERS: &[&[&str]] = &[
    &["error"],
    &["codec"],
    &["model"],
    &["expr"],
    &["db"],
    &["ops"],
    &["schema"],
    &["local", "lambda", "doc_support"],
];

/// The longest a source file of the runtime crate may be.
const MAX_LINES: usize = 700;

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a source file below `src`: `ops/query/page.rs` is `[ops, query, page]`,
/// `ops/query/mod.rs` is `[ops, query]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

fn ident_at(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The top-level modules (or root items) that one line of code names, through `crate::` and
/// through `super::` chains that climb out of the file's top-level module.
fn named(line: &str, module: &[String]) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let before = &rest[..i];
        let after = &rest[i + "crate::".len()..];
        rest = after;
        if before.ends_with('$') || before.ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = after.strip_prefix('{') {
            let group = group.split('}').next().unwrap_or("");
            names.extend(
                group
                    .split(',')
                    .map(|g| ident_at(g.trim()).to_owned())
                    .filter(|g| !g.is_empty()),
            );
        } else {
            names.push(ident_at(after).to_owned());
        }
    }
    let mut rest = code;
    while let Some(i) = rest.find("super::") {
        let before = &rest[..i];
        let mut after = &rest[i..];
        let mut ups = 0;
        while let Some(a) = after.strip_prefix("super::") {
            ups += 1;
            after = a;
        }
        rest = after;
        if before.ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if ups >= module.len() {
            names.push(ident_at(after).to_owned());
        }
    }
    names
}

/// Every name that breaks the layers, as `file:line: what`.
fn violations(src: &Path, file: &Path, text: &str) -> Vec<String> {
    let module = module_path(src, file);
    let Some(own) = module.first().filter(|m| *m != "lib") else {
        return Vec::new(); // lib.rs: the root re-exports every layer
    };
    let Some(own_rank) = rank(own) else {
        return vec![format!(
            "{}: the module `{own}` has no layer: add it to LAYERS in tests/it/layers.rs",
            file.display()
        )];
    };
    let mut found = Vec::new();
    // A file's tests come last (clippy's `items_after_test_module`): they are not layered.
    let code = text.lines().take_while(|l| l.trim() != "#[cfg(test)]");
    for (n, line) in code.enumerate() {
        for name in named(line, &module) {
            if &name == own || name == "self" {
                continue;
            }
            let what = match rank(&name) {
                Some(r) if r < own_rank => continue,
                Some(_) => format!("`{own}` names `{name}`, a module of its own or a higher layer"),
                None => format!("`{own}` names `crate::{name}`, a root re-export: name its module"),
            };
            found.push(format!("{}:{}: {what}", file.display(), n + 1));
        }
    }
    found
}

#[test]
fn a_module_names_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("dynomodel/src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    assert!(files.len() > 20, "the sources are at {}", src.display());
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        found.extend(violations(&src, file, &text));
        let lines = text.lines().count();
        if lines > MAX_LINES {
            found.push(format!(
                "{}: {lines} lines, over {MAX_LINES}: split it",
                file.display()
            ));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_check_finds_an_arrow_that_points_up() {
    let src = Path::new("/src");
    let text = "use crate::codec::Item;\n\
                use crate::{error::Error, ops::Get};\n\
                // crate::ops in a comment is no import\n\
                fn f() -> crate::Result<()> { super::super::db::x() }\n\
                #[cfg(test)]\n\
                mod tests { use crate::ops::Get; }\n";
    let found = violations(src, Path::new("/src/model/key.rs"), text);
    let found: Vec<&str> = found
        .iter()
        .map(|f| f.split_once(": ").unwrap().1)
        .collect();
    assert_eq!(
        found,
        [
            "`model` names `ops`, a module of its own or a higher layer",
            "`model` names `crate::Result`, a root re-export: name its module",
            "`model` names `db`, a module of its own or a higher layer",
        ]
    );
    assert!(violations(src, Path::new("/src/ops/get.rs"), text)
        .iter()
        .all(|v| v.contains("crate::Result")));
    assert_eq!(violations(src, Path::new("/src/widgets.rs"), "").len(), 1);
}
