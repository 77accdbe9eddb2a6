//! Reads the indexes of `#[dynomodel(...)]`: a model's own (`gsi(..)`, `lsi(..)`, with one
//! attribute a side or a native index's lists) and the templates with which a model in a
//! shared table fills the table's indexes.

use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::{LitStr, Token};

use super::{set_once, skip_value, unknown};
use crate::ctxt::Ctxt;

const INDEX_KEYS: &str = "name, hash, range, pk, sk, projection";

/// `gsi1(pk = "...", sk = "...")` or `index(name = "...", pk = "...", sk = "...")`: the key
/// templates of one index of a shared table.
pub struct IndexTemplate {
    pub token: syn::Path,
    pub name: String,
    pub pk: Option<LitStr>,
    pub sk: Option<LitStr>,
}

pub struct IndexAttr {
    pub local: bool,
    pub token: syn::Path,
    pub name: Option<LitStr>,
    pub hash: Option<LitStr>,
    pub range: Option<LitStr>,
    /// `pk = [a, b]`: the partition key attributes of a native multi-attribute index, with
    /// the token of `pk`.
    pub pk: Option<(syn::Path, Vec<syn::Ident>)>,
    /// `sk = [c, d]`: its sort key attributes.
    pub sk: Option<(syn::Path, Vec<syn::Ident>)>,
    pub projection: Projection,
}

#[derive(Clone)]
pub enum Projection {
    All,
    KeysOnly,
    Include(Vec<LitStr>),
}

pub(super) fn index_template(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<IndexTemplate> {
    let named = meta.path.is_ident("index");
    let mut t = IndexTemplate {
        token: meta.path.clone(),
        name: if named {
            String::new()
        } else {
            meta.path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default()
        },
        pk: None,
        sk: None,
    };
    let mut name = None;
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("pk") {
            let lit: LitStr = inner.value()?.parse()?;
            set_once(cx, &mut t.pk, lit, &inner);
        } else if inner.path.is_ident("sk") {
            let lit: LitStr = inner.value()?.parse()?;
            set_once(cx, &mut t.sk, lit, &inner);
        } else if inner.path.is_ident("name") && named {
            let lit: LitStr = inner.value()?.parse()?;
            set_once(cx, &mut name, lit, &inner);
        } else {
            let valid = if named { "name, pk, sk" } else { "pk, sk" };
            cx.syn_error(unknown(&inner, "index template attribute", valid));
            skip_value(&inner);
        }
        Ok(())
    })?;
    if named {
        match name {
            Some(n) => t.name = n.value(),
            None => cx.error_at(&meta.path, "`index(...)` needs `name = \"...\"`"),
        }
    }
    if t.pk.is_none() && t.sk.is_none() {
        cx.error_at(
            &meta.path,
            "an index template needs `pk = \"...\"`, `sk = \"...\"` or both",
        );
    }
    Ok(t)
}

pub(super) fn index_attr(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<IndexAttr> {
    let local = meta.path.is_ident("lsi");
    let mut index = IndexAttr {
        local,
        token: meta.path.clone(),
        name: None,
        hash: None,
        range: None,
        pk: None,
        sk: None,
        projection: Projection::All,
    };
    let mut projection = None;
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("name") {
            let lit: LitStr = inner.value()?.parse()?;
            set_once(cx, &mut index.name, lit, &inner);
        } else if inner.path.is_ident("hash") && !local {
            let lit: LitStr = inner.value()?.parse()?;
            set_once(cx, &mut index.hash, lit, &inner);
        } else if inner.path.is_ident("range") {
            let lit: LitStr = inner.value()?.parse()?;
            set_once(cx, &mut index.range, lit, &inner);
        } else if inner.path.is_ident("projection") {
            let p = projection_of(&inner)?;
            set_once(cx, &mut projection, p, &inner);
        } else if (inner.path.is_ident("pk") || inner.path.is_ident("sk")) && !local {
            let fields = (inner.path.clone(), attribute_list(&inner)?);
            let slot = if inner.path.is_ident("pk") {
                &mut index.pk
            } else {
                &mut index.sk
            };
            set_once(cx, slot, fields, &inner);
        } else if inner.path.is_ident("hash") {
            cx.error_at(
                &inner.path,
                "a local secondary index shares the table's hash key: give it only `range`",
            );
            skip_value(&inner);
        } else {
            let valid = if local {
                "name, range, projection"
            } else {
                INDEX_KEYS
            };
            cx.syn_error(unknown(&inner, "index attribute", valid));
            skip_value(&inner);
        }
        Ok(())
    })?;
    if let Some(p) = projection {
        index.projection = p;
    }
    if index.name.is_none() {
        cx.error_at(&meta.path, "an index needs `name = \"...\"`");
    }
    let native = index.pk.as_ref().or(index.sk.as_ref());
    match (&index.hash, &index.range, native) {
        (Some(lit), _, Some(_)) | (_, Some(lit), Some(_)) => cx.error_at(
            lit,
            "an index has either `hash`/`range` (one attribute each) or `pk = [...]`/`sk = [...]` (native multi-attribute keys), not both",
        ),
        (None, _, _) if !local && index.pk.is_none() => cx.error_at(
            &meta.path,
            "a global secondary index needs `hash = \"attribute\"` or `pk = [field, ...]`",
        ),
        _ => {}
    }
    if local && index.range.is_none() {
        cx.error_at(
            &meta.path,
            "a local secondary index needs `range = \"attribute\"`",
        );
    }
    Ok(index)
}

/// `[field, ...]`: the fields of a native multi-attribute key, each kept for its span.
fn attribute_list(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<syn::Ident>> {
    let value = meta.value()?;
    let content;
    syn::bracketed!(content in value);
    let fields = content.parse_terminated(syn::Ident::parse_any, Token![,])?;
    Ok(fields.into_iter().collect())
}

pub fn projection_of(meta: &ParseNestedMeta<'_>) -> syn::Result<Projection> {
    let value = meta.value()?;
    let ident: syn::Ident = value.parse()?;
    match ident.to_string().as_str() {
        "all" => Ok(Projection::All),
        "keys_only" => Ok(Projection::KeysOnly),
        "include" => {
            let content;
            syn::parenthesized!(content in value);
            let names = content.parse_terminated(|p| p.parse::<LitStr>(), Token![,])?;
            Ok(Projection::Include(names.into_iter().collect()))
        }
        _ => Err(syn::Error::new_spanned(
            ident,
            "unknown projection; expected one of: all, keys_only, include(\"attr\", ...)",
        )),
    }
}
