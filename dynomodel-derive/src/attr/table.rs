//! Reads the `#[dynomodel(...)]` of `#[derive(Table)]` and of `#[derive(Collection)]`.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr};

use super::{projection_of, skip_value, Projection};
use crate::ctxt::Ctxt;

const TABLE_KEYS: &str = "name, pk, sk, entity_attr, delimiter, ttl, gsi, lsi, crate";

/// `gsi(name = "...", pk = "...", sk = "...")` or `lsi(name = "...", sk = "...")` of a table.
pub struct TableIndex {
    pub local: bool,
    pub name: LitStr,
    pub pk: Option<LitStr>,
    pub sk: Option<LitStr>,
    pub projection: Projection,
}

#[derive(Default)]
pub struct TableAttrs {
    pub name: Option<LitStr>,
    pub pk: Option<LitStr>,
    pub sk: Option<LitStr>,
    pub entity_attr: Option<LitStr>,
    pub delimiter: Option<LitStr>,
    pub ttl: Option<LitStr>,
    pub indexes: Vec<TableIndex>,
    pub krate: Option<syn::Path>,
}

#[derive(Default)]
pub struct CollectionAttrs {
    /// The index whose partition the members share; the table's key without one.
    pub index: Option<LitStr>,
    pub krate: Option<syn::Path>,
}

fn lit(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    meta.value()?.parse()
}

fn key_of(path: &syn::Path) -> String {
    path.get_ident().map(|i| i.to_string()).unwrap_or_default()
}

/// `crate = "..."`: a path in a string.
fn krate(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    slot: &mut Option<syn::Path>,
) -> syn::Result<()> {
    match lit(meta)?.parse() {
        Ok(path) => *slot = Some(path),
        Err(e) => cx.syn_error(e),
    }
    Ok(())
}

/// Reads each `#[dynomodel(...)]` with `item`, and goes on after a mistake in the meaning of an
/// item, so that every one is reported; a mistake of syntax ends its attribute.
fn each_item(
    cx: &mut Ctxt,
    attrs: &[Attribute],
    mut item: impl FnMut(&mut Ctxt, &ParseNestedMeta<'_>) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("dynomodel")) {
        let result = attr.parse_nested_meta(|meta| item(cx, &meta));
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
}

pub fn table_attrs(cx: &mut Ctxt, attrs: &[Attribute]) -> TableAttrs {
    let mut out = TableAttrs::default();
    each_item(cx, attrs, |cx, meta| {
        let key = key_of(&meta.path);
        match key.as_str() {
            "crate" => krate(cx, meta, &mut out.krate)?,
            "name" => out.name = Some(lit(meta)?),
            "pk" => out.pk = Some(lit(meta)?),
            "sk" => out.sk = Some(lit(meta)?),
            "entity_attr" => out.entity_attr = Some(lit(meta)?),
            "delimiter" => out.delimiter = Some(lit(meta)?),
            "ttl" => out.ttl = Some(lit(meta)?),
            "gsi" | "lsi" => out.indexes.extend(table_index(cx, meta, key == "lsi")?),
            _ => {
                cx.syn_error(meta.error(format!(
                    "unknown table attribute `{key}`; expected one of: {TABLE_KEYS}"
                )));
                skip_value(meta);
            }
        }
        Ok(())
    });
    out
}

/// One `gsi(...)` or `lsi(...)`; none when it has no name to be known by.
fn table_index(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    local: bool,
) -> syn::Result<Option<TableIndex>> {
    let (mut name, mut pk, mut sk) = (None, None, None);
    let mut projection = Projection::All;
    meta.parse_nested_meta(|inner| {
        let k = key_of(&inner.path);
        match k.as_str() {
            "name" => name = Some(lit(&inner)?),
            "pk" if !local => pk = Some(lit(&inner)?),
            "sk" => sk = Some(lit(&inner)?),
            "projection" => projection = projection_of(&inner)?,
            _ => {
                let valid = if local {
                    "name, sk, projection"
                } else {
                    "name, pk, sk, projection"
                };
                cx.syn_error(inner.error(format!(
                    "unknown index attribute `{k}`; expected one of: {valid}"
                )));
                skip_value(&inner);
            }
        }
        Ok(())
    })?;
    if name.is_none() {
        cx.syn_error(meta.error("an index needs `name = \"...\"`"));
    }
    if !local && pk.is_none() {
        cx.syn_error(meta.error("a global index needs `pk = \"attribute\"`"));
    }
    if local && sk.is_none() {
        cx.syn_error(meta.error("a local index needs `sk = \"attribute\"`"));
    }
    Ok(name.map(|name| TableIndex {
        local,
        name,
        pk,
        sk,
        projection,
    }))
}

pub fn collection_attrs(cx: &mut Ctxt, attrs: &[Attribute]) -> CollectionAttrs {
    let mut out = CollectionAttrs::default();
    each_item(cx, attrs, |cx, meta| {
        let key = key_of(&meta.path);
        match key.as_str() {
            "crate" => krate(cx, meta, &mut out.krate)?,
            "index" => out.index = Some(lit(meta)?),
            _ => {
                cx.syn_error(meta.error(format!(
                    "unknown collection attribute `{key}`; expected one of: index, crate"
                )));
                skip_value(meta);
            }
        }
        Ok(())
    });
    out
}
