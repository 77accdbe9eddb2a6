//! The native multi-attribute keys of a global index: `pk = [..]` and `sk = [..]`.

use crate::ast::Container;
use crate::attr::IndexAttr;
use crate::ctxt::Ctxt;

/// DynamoDB's limit on each side of a multi-attribute key.
const MOST: usize = 4;

/// Each side has one to four attributes, each a stored field of the model whose type can be
/// a key (S, N or B; an `Option` makes the index sparse), and no attribute twice.
pub fn check(cx: &mut Ctxt, c: &Container<'_>, index: &IndexAttr) {
    let mut seen: Vec<String> = Vec::new();
    for (side, keys) in [("partition", &index.pk), ("sort", &index.sk)] {
        let Some((token, fields)) = keys else {
            continue;
        };
        if fields.is_empty() {
            cx.error_at(
                token,
                format!("a native index key lists one to {MOST} {side} key fields, such as `[tenant, status]`"),
            );
        }
        for (n, ident) in fields.iter().enumerate() {
            let name = ident.to_string();
            if n >= MOST {
                cx.error_at(
                    ident,
                    format!("a global secondary index has at most {MOST} {side} key attributes; `{name}` is the {}", ordinal(n)),
                );
            }
            match c.field_named(&name) {
                None => cx.error_at(
                    ident,
                    format!(
                        "no field `{name}` in {}; its fields are: {}",
                        c.ident,
                        super::names(c)
                    ),
                ),
                Some(f) if !super::key_shape_ok(f) => cx.error_at(
                    ident,
                    format!("`{name}` cannot be an index key attribute: a key attribute is a String, an integer or Vec<u8> (DynamoDB's S, N or B), or an Option of one"),
                ),
                Some(f) => {
                    if seen.contains(&f.name) {
                        cx.error_at(
                            ident,
                            format!("`{name}` is already a key attribute of the index: each attribute appears once"),
                        );
                    }
                    seen.push(f.name.clone());
                }
            }
        }
    }
}

fn ordinal(n: usize) -> String {
    match n {
        4 => "fifth".into(),
        5 => "sixth".into(),
        6 => "seventh".into(),
        _ => format!("number {}", n.saturating_add(1)),
    }
}
