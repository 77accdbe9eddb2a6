//! The runtime crate is built in layers that point one way: a module names only modules of a
//! lower layer, or itself. The order is written here, once; docs/architecture.md says what
//! each layer owns. Each file is read as Rust (with `syn`): every `use` tree, every path that
//! the parser sees (in expressions, types, patterns, attributes) and the paths in the tokens
//! of macro calls, tests included.

use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::visit::{self, Visit};

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

/// The longest a source file of the runtime crate or of the derive crate may be.
const MAX_LINES: usize = 600;

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

/// One segment of a path, with where it is.
type Segment = (String, Span);

/// Finds, in one file, the top-level modules (or root items) that its paths name: through
/// `crate::`, and through `super::` chains that climb out of the file's top-level module.
struct Names {
    /// How deep the file's own module is: `ops/query/page.rs` is 3.
    file_depth: usize,
    /// How many inline modules (`mod tests { .. }`) the visit is in.
    inline_depth: usize,
    /// Each top-level name, with its line.
    found: Vec<(String, usize)>,
}

impl Names {
    fn path(&mut self, segments: &[Segment]) {
        let Some((first, _)) = segments.first() else {
            return;
        };
        let at = match first.as_str() {
            "crate" => 1,
            "super" => {
                let ups = segments.iter().take_while(|(s, _)| s == "super").count();
                if ups < self.file_depth + self.inline_depth {
                    return;
                }
                ups
            }
            _ => return,
        };
        if let Some((name, span)) = segments.get(at) {
            self.found.push((name.clone(), span.start().line));
        }
    }

    /// The paths in the tokens of a macro call or an attribute: `crate` or `super` followed by
    /// `::` and names, but not `$crate`.
    fn tokens(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let is_punct = |i: usize, c: char| matches!(trees.get(i), Some(TokenTree::Punct(p)) if p.as_char() == c);
        for (i, tree) in trees.iter().enumerate() {
            match tree {
                TokenTree::Group(g) => self.tokens(g.stream()),
                TokenTree::Ident(id) if id == "crate" || id == "super" => {
                    let after_colons = i >= 2 && is_punct(i - 1, ':') && is_punct(i - 2, ':');
                    if (i >= 1 && is_punct(i - 1, '$')) || after_colons {
                        continue;
                    }
                    let mut segments = vec![(id.to_string(), id.span())];
                    let mut j = i + 1;
                    while is_punct(j, ':') && is_punct(j + 1, ':') {
                        match trees.get(j + 2) {
                            Some(TokenTree::Ident(next)) => {
                                segments.push((next.to_string(), next.span()))
                            }
                            _ => break,
                        }
                        j += 3;
                    }
                    self.path(&segments);
                }
                _ => {}
            }
        }
    }
}

/// Every path that a `use` tree brings in, nested groups included.
fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<Segment>, out: &mut Vec<Vec<Segment>>) {
    let leaf = |prefix: &Vec<Segment>, name: String, span: Span| {
        let mut path = prefix.clone();
        path.push((name, span));
        path
    };
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push((p.ident.to_string(), p.ident.span()));
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => out.push(leaf(prefix, n.ident.to_string(), n.ident.span())),
        syn::UseTree::Rename(r) => out.push(leaf(prefix, r.ident.to_string(), r.ident.span())),
        syn::UseTree::Glob(g) => out.push(leaf(prefix, "*".to_owned(), g.star_token.span)),
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                use_paths(tree, prefix, out);
            }
        }
    }
}

impl<'ast> Visit<'ast> for Names {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        for attr in &item.attrs {
            self.visit_attribute(attr);
        }
        let mut paths = Vec::new();
        use_paths(&item.tree, &mut Vec::new(), &mut paths);
        for path in paths {
            self.path(&path);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<Segment> = path
            .segments
            .iter()
            .map(|s| (s.ident.to_string(), s.ident.span()))
            .collect();
        self.path(&segments);
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        visit::visit_macro(self, mac);
        self.tokens(mac.tokens.clone());
    }

    fn visit_meta_list(&mut self, list: &'ast syn::MetaList) {
        visit::visit_meta_list(self, list);
        self.tokens(list.tokens.clone());
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        let inline = item.content.is_some();
        self.inline_depth += usize::from(inline);
        visit::visit_item_mod(self, item);
        self.inline_depth -= usize::from(inline);
    }
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
    let parsed = match syn::parse_file(text) {
        Ok(parsed) => parsed,
        Err(e) => return vec![format!("{}: does not parse: {e}", file.display())],
    };
    let mut names = Names {
        file_depth: module.len(),
        inline_depth: 0,
        found: Vec::new(),
    };
    names.visit_file(&parsed);
    names.found.sort_by_key(|(_, line)| *line);
    let mut found: Vec<String> = Vec::new();
    for (name, line) in names.found {
        if &name == own || name == "self" {
            continue;
        }
        let what = match rank(&name) {
            Some(r) if r < own_rank => continue,
            Some(_) => format!("`{own}` names `{name}`, a module of its own or a higher layer"),
            None => format!("`{own}` names `crate::{name}`, a root re-export: name its module"),
        };
        let v = format!("{}:{line}: {what}", file.display());
        if !found.contains(&v) {
            found.push(v);
        }
    }
    found
}

fn too_long(file: &Path, text: &str) -> Option<String> {
    let lines = text.lines().count();
    (lines > MAX_LINES).then(|| {
        format!(
            "{}: {lines} lines, over {MAX_LINES}: split it",
            file.display()
        )
    })
}

#[test]
fn a_module_names_only_lower_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("dynomodel/src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    assert!(files.len() > 20, "the sources are at {}", src.display());
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        found.extend(violations(&src, file, &text));
        found.extend(too_long(file, &text));
    }
    let mut derive = Vec::new();
    sources(&root.join("dynomodel-derive/src"), &mut derive);
    derive.sort();
    assert!(derive.len() > 5, "the derive's sources are missing");
    for file in &derive {
        found.extend(too_long(file, &std::fs::read_to_string(file).unwrap()));
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_check_finds_an_arrow_that_points_up() {
    let src = Path::new("/src");
    let text = r#"
use crate::codec::Item;
use crate::{error::Error, ops::Get};
// crate::ops in a comment is no import
fn f() -> crate::Result<()> { super::super::db::x() }
use crate::{
    codec::{Item as I, AttrValue},
    expr::{
        update::Update,
        Path,
    },
};
macro_rules! m { () => { $crate::ops::x() } }
const S: &str = "crate::ops::in_a_string";
fn g() -> Vec<u8> { vec![crate::local::X] }
#[cfg(test)]
fn helper() {}
fn after() -> crate::db::Db { todo!() }
#[cfg(test)]
mod tests {
    use crate::ops::Get;
    fn t() { super::super::super::lambda::x(); super::super::codec::y(); }
}
"#;
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
            "`model` names `expr`, a module of its own or a higher layer",
            "`model` names `local`, a module of its own or a higher layer",
            "`model` names `db`, a module of its own or a higher layer",
            "`model` names `ops`, a module of its own or a higher layer",
            "`model` names `lambda`, a module of its own or a higher layer",
        ]
    );
    // Each at its line: the group's `expr` on the line of `expr::{`.
    let lines: Vec<String> = violations(src, Path::new("/src/model/key.rs"), text)
        .iter()
        .map(|f| f.split(':').nth(1).unwrap().to_owned())
        .collect();
    assert_eq!(lines, ["3", "5", "5", "8", "15", "18", "21", "22"]);
    let ops: Vec<String> = violations(src, Path::new("/src/ops/get.rs"), text);
    assert_eq!(ops.len(), 3, "{ops:?}");
    assert!(ops[0].contains("crate::Result"));
    assert!(ops[1].contains("`local`") && ops[2].contains("`lambda`"));
    assert_eq!(violations(src, Path::new("/src/widgets.rs"), "").len(), 1);
    assert!(violations(src, Path::new("/src/model/key.rs"), "fn (")[0].contains("does not parse"));
}
