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
        native(cx, a, i);
        if i.local && a.sk.is_none() {
            cx.error_at(
                &i.name,
                "a local index needs a table with a sort key (`sk = \"...\"`)",
            );
        }
        names.push(n);
    }
    // An attribute has one type in the table's attribute definitions: every native index
    // that keys it declares the same.
    let mut typed: Vec<(String, String, String)> = Vec::new();
    for i in a.indexes.iter().filter(|i| i.is_native()) {
        for (name, ty) in i.native_pk.iter().chain(&i.native_sk) {
            let n = syn::ext::IdentExt::unraw(name).to_string();
            let t = ty.to_string();
            match typed.iter().find(|(other, ..)| *other == n) {
                Some((_, first, index)) if *first != t => cx.error_at(
                    ty,
                    format!("`{n}` is {first} in the index `{index}`: an attribute has one type in every index of the table"),
                ),
                Some(_) => {}
                None => typed.push((n, t, i.name.value())),
            }
        }
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

/// A native index of a table: one to four attributes a side, each of type S, N or B, none
/// twice, none a key or the entity attribute of the table, and a template index's
/// attributes kept apart (a template index is filled with composed strings).
fn native(cx: &mut Ctxt, a: &crate::attr::table::TableAttrs, i: &crate::attr::table::TableIndex) {
    if !i.is_native() {
        return;
    }
    let mut seen: Vec<String> = Vec::new();
    let table_keys: Vec<String> =
        a.pk.iter()
            .chain(&a.sk)
            .chain(&a.entity_attr)
            .map(|l| l.value())
            .chain(
                a.indexes
                    .iter()
                    .filter(|o| !o.is_native())
                    .flat_map(|o| o.pk.iter().chain(&o.sk).map(|l| l.value())),
            )
            .collect();
    let entity_default = a.entity_attr.is_none().then(|| "_et".to_owned());
    for (side, keys) in [("partition", &i.native_pk), ("sort", &i.native_sk)] {
        if !keys.is_empty() && keys.len() > 4 {
            cx.error_at(
                &keys[4].0,
                format!("a global secondary index has at most 4 {side} key attributes"),
            );
        }
        for (name, ty) in keys {
            let n = syn::ext::IdentExt::unraw(name).to_string();
            if !["S", "N", "B"].contains(&ty.to_string().as_str()) {
                cx.error_at(ty, format!("the type of a key attribute is S (a string), N (a number) or B (bytes), not `{ty}`"));
            }
            if seen.contains(&n) {
                cx.error_at(name, format!("`{n}` is already a key attribute of the index: each attribute appears once"));
            }
            if table_keys.contains(&n) || entity_default.as_deref() == Some(n.as_str()) {
                cx.error_at(name, format!("`{n}` is a key attribute of the table or of a template index, or its entity attribute: a native index keys attributes that the models store as fields"));
            }
            seen.push(n);
        }
    }
    if i.native_pk.is_empty() {
        cx.error_at(
            &i.name,
            "a native index needs its partition key attributes too: `pk = [attribute: S, ...]`",
        );
    }
}
