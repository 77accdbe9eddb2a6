//! Reads the `#[dynomodel(...)]` of `#[derive(Table)]` and of `#[derive(Collection)]`.

use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr};

use super::{projection_of, skip_value, Projection};
use crate::ctxt::Ctxt;

const TABLE_KEYS: &str = "name, pk, sk, entity_attr, delimiter, ttl, gsi, lsi, crate";

/// `gsi(name = "...", pk = "...", sk = "...")`, `gsi(name = "...", pk = [a: S], sk = [b: N])`
/// or `lsi(name = "...", sk = "...")` of a table.
pub struct TableIndex {
    pub local: bool,
    pub name: LitStr,
    /// The partition key attribute; the first of a native index's.
    pub pk: Option<LitStr>,
    /// The sort key attribute; the first of a native index's.
    pub sk: Option<LitStr>,
    /// A native index (`pk = [status: S], sk = [placed_at: N, number: N]`): its partition
    /// and sort key attributes, each with its type, in key order.
    pub native_pk: Vec<(syn::Ident, syn::Ident)>,
    pub native_sk: Vec<(syn::Ident, syn::Ident)>,
    pub projection: Projection,
}

impl TableIndex {
    /// Whether the models fill the index with their own fields.
    pub fn is_native(&self) -> bool {
        !self.native_pk.is_empty() || !self.native_sk.is_empty()
    }
}

/// `[status: S, placed_at: N]`: the attributes of a native key, each with its type.
fn native_list(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<(syn::Ident, syn::Ident)>> {
    let value = meta.value()?;
    let content;
    syn::bracketed!(content in value);
    let mut out = Vec::new();
    while !content.is_empty() {
        let name = syn::Ident::parse_any(&content)?;
        content.parse::<syn::Token![:]>()?;
        let ty: syn::Ident = content.parse()?;
        out.push((name, ty));
        if content.is_empty() {
            break;
        }
        content.parse::<syn::Token![,]>()?;
    }
    Ok(out)
}

/// `pk = "attribute"` (filled by the models' templates) or `pk = [a: S, b: N]` (native).
fn key_side(
    meta: &ParseNestedMeta<'_>,
    slot: &mut Option<LitStr>,
    native: &mut Vec<(syn::Ident, syn::Ident)>,
) -> syn::Result<()> {
    let fork = meta.input.fork();
    let bracketed = fork.parse::<syn::Token![=]>().is_ok() && fork.peek(syn::token::Bracket);
    if bracketed {
        *native = native_list(meta)?;
        if let Some((first, _)) = native.first() {
            *slot = Some(LitStr::new(&first.unraw().to_string(), first.span()));
        }
    } else {
        *slot = Some(lit(meta)?);
    }
    Ok(())
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
    let (mut native_pk, mut native_sk) = (Vec::new(), Vec::new());
    let mut projection = Projection::All;
    meta.parse_nested_meta(|inner| {
        let k = key_of(&inner.path);
        match k.as_str() {
            "name" => name = Some(lit(&inner)?),
            "pk" if !local => key_side(&inner, &mut pk, &mut native_pk)?,
            "sk" if !local => key_side(&inner, &mut sk, &mut native_sk)?,
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
        native_pk,
        native_sk,
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
