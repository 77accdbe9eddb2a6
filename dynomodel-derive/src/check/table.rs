//! The checks of a table (its name, key and indexes) and of a collection (one model a variant).

use quote::quote;

use crate::ast::table::{Collection, Table};
use crate::ctxt::Ctxt;

pub fn table(cx: &mut Ctxt, t: &Table<'_>) {
    let a = &t.attrs;
    match &a.name {
        None => cx.error_at(t.ident, "a table needs `name = \"...\"`"),
        Some(n) if !(3..=255).contains(&n.value().len()) => {
            cx.error_at(n, "a DynamoDB table name has 3 to 255 characters")
        }
        Some(_) => {}
    }
    if a.pk.is_none() {
        cx.error_at(
            t.ident,
            "a table needs `pk = \"attribute\"`, its partition key",
        );
    }
    if let Some(d) = &a.delimiter {
        if d.value().is_empty() || d.value().contains(['{', '}']) {
            cx.error_at(d, "a delimiter is text other than `{` and `}`");
        }
    }
    super::index_name_rules(cx, a.indexes.iter().map(|i| &i.name));
    let mut names: Vec<String> = Vec::new();
    for i in &a.indexes {
        let n = i.name.value();
        if names.contains(&n) {
            cx.error_at(&i.name, format!("a second index named `{n}`"));
        }
        if i.local && a.sk.is_none() {
            cx.error_at(
                &i.name,
                "a local index needs a table with a sort key (`sk = \"...\"`)",
            );
        }
        names.push(n);
    }
}

pub fn collection(cx: &mut Ctxt, c: &Collection<'_>) {
    let mut models: Vec<&syn::Type> = Vec::new();
    for v in &c.variants {
        match v.model {
            Some(ty) => {
                if models
                    .iter()
                    .any(|t| quote!(#t).to_string() == quote!(#ty).to_string())
                {
                    cx.error_at(ty, "a second variant of this model");
                }
                models.push(ty);
            }
            None => cx.error_at(
                v.ident,
                "a collection's variant holds one model: `Order(Order)`",
            ),
        }
    }
    if models.is_empty() {
        cx.error_at(c.ident, "a collection needs at least one model");
    }
}
