//! Reads `#[dynomodel(...)]` (and the serde attributes that name attributes); `table` reads
//! those of `#[derive(Table)]` and `#[derive(Collection)]`.

mod index;
pub mod table;

use index::{index_attr, index_template};
pub use index::{projection_of, IndexAttr, IndexTemplate, Projection};

use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, LitInt, LitStr, Token};

use crate::case;
use crate::ctxt::Ctxt;

const STRUCT_KEYS: &str =
    "table, gsi, lsi, hooks, crate, entity, adopt_untagged, pk, sk, index, native, schema_version, upgrade";
const FIELD_KEYS: &str = "hash_key, range_key, default, required, set, get, validate, \
     string_set, number_set, binary_set, epoch, version, created_at, updated_at, ttl, \
     gsi_hash, gsi_range, lsi_range, extra";
const VALIDATE_KEYS: &str = "length, range, regex, one_of, custom";

/// A flag such as `hash_key`, kept with its token for error spans.
pub type Flag = Option<syn::Path>;

#[derive(Default)]
pub struct StructAttrs {
    pub table: Option<LitStr>,
    /// `table = SomeTable`: a table declared with `#[derive(Table)]`.
    pub shared: Option<syn::Path>,
    pub entity: Option<LitStr>,
    pub pk: Option<LitStr>,
    pub sk: Option<LitStr>,
    pub index_templates: Vec<IndexTemplate>,
    pub indexes: Vec<IndexAttr>,
    pub hooks: Flag,
    /// `adopt_untagged`: items of a shared table without the entity attribute are this
    /// model's (a table written before the single-table design).
    pub adopt_untagged: Flag,
    pub krate: Option<syn::Path>,
    pub rename_all: Option<String>,
    /// `schema_version = N`: the version that the model writes into every item.
    pub schema_version: Option<LitInt>,
    /// `upgrade = "path"`: the function that brings an older item up to `schema_version`
    /// (the path keeps the span of its literal).
    pub upgrade: Option<(LitStr, syn::Path)>,
    /// `native(by_status, ..)`: the native indexes of the shared table that the model's items
    /// fill with its own fields.
    pub native: Vec<syn::Ident>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SetKind {
    String,
    Number,
    Binary,
}

pub enum Transform {
    Builtin(&'static str),
    Func(syn::Path),
}

pub enum Rule {
    Length {
        token: syn::Path,
        min: Option<LitInt>,
        max: Option<LitInt>,
    },
    Range {
        token: syn::Path,
        min: Option<Box<Expr>>,
        max: Option<Box<Expr>>,
    },
    Regex(LitStr),
    OneOf {
        token: syn::Path,
        values: Vec<Expr>,
    },
    Custom(syn::Path),
}

#[derive(Default)]
pub struct FieldAttrs {
    pub hash_key: Flag,
    pub range_key: Flag,
    pub default: Option<Expr>,
    pub required: Flag,
    pub set: Option<(syn::Path, Transform)>,
    pub get: Option<syn::Path>,
    pub rules: Vec<Rule>,
    pub set_kind: Option<(syn::Path, SetKind)>,
    pub epoch: Flag,
    pub version: Flag,
    pub created_at: Flag,
    pub updated_at: Flag,
    pub ttl: Flag,
    pub extra: Flag,
    pub gsi_hash: Vec<LitStr>,
    pub gsi_range: Vec<LitStr>,
    pub lsi_range: Vec<LitStr>,
    pub rename: Option<String>,
    pub skip: bool,
    /// `#[serde(default)]` (`None` inside) or `#[serde(default = "path")]`.
    pub serde_default: Option<Option<syn::Path>>,
}

fn set_once<T>(cx: &mut Ctxt, slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>) {
    if slot.is_some() {
        let name = meta
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        cx.error_at(
            &meta.path,
            format!("duplicate dynomodel attribute `{name}`"),
        );
    } else {
        *slot = Some(value);
    }
}

fn unknown(meta: &ParseNestedMeta<'_>, what: &str, valid: &str) -> syn::Error {
    let name = meta
        .path
        .get_ident()
        .map(|i| i.to_string())
        .unwrap_or_else(|| "this".into());
    meta.error(format!("unknown {what} `{name}`; expected one of: {valid}"))
}

/// Skips the rest of a meta item after an error, so that parsing goes on with the next one.
fn skip_value(meta: &ParseNestedMeta<'_>) {
    if meta.input.peek(Token![=]) {
        let _ = meta.value().and_then(|v| v.parse::<Expr>());
    } else if meta.input.peek(syn::token::Paren) {
        let _ = meta.parse_nested_meta(|inner| {
            skip_value(&inner);
            Ok(())
        });
    }
}

pub fn struct_attrs(cx: &mut Ctxt, attrs: &[Attribute]) -> StructAttrs {
    let mut out = StructAttrs::default();
    for attr in attrs {
        if attr.path().is_ident("serde") {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename_all") {
                    let lit: LitStr = meta.value()?.parse()?;
                    if case::rename(&lit.value(), "x").is_none() {
                        cx.error_at(
                            &lit,
                            format!("unknown rename_all rule; expected one of: {}", case::RULES),
                        );
                    }
                    out.rename_all = Some(lit.value());
                } else {
                    skip_value(&meta);
                }
                Ok(())
            });
            continue;
        }
        if !attr.path().is_ident("dynomodel") {
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("table") {
                let value = meta.value()?;
                if value.peek(LitStr) {
                    let lit: LitStr = value.parse()?;
                    if lit.value().len() < 3 || lit.value().len() > 255 {
                        cx.error_at(&lit, "a DynamoDB table name has 3 to 255 characters");
                    }
                    set_once(cx, &mut out.table, lit, &meta);
                } else {
                    let path: syn::Path = value.parse()?;
                    set_once(cx, &mut out.shared, path, &meta);
                }
            } else if meta.path.is_ident("entity") {
                let lit: LitStr = meta.value()?.parse()?;
                if lit.value().is_empty() {
                    cx.error_at(&lit, "an entity name cannot be empty");
                }
                set_once(cx, &mut out.entity, lit, &meta);
            } else if meta.path.is_ident("pk") {
                let lit: LitStr = meta.value()?.parse()?;
                set_once(cx, &mut out.pk, lit, &meta);
            } else if meta.path.is_ident("sk") {
                let lit: LitStr = meta.value()?.parse()?;
                set_once(cx, &mut out.sk, lit, &meta);
            } else if meta.path.is_ident("native") {
                meta.parse_nested_meta(|inner| {
                    match inner.path.get_ident() {
                        Some(i) if inner.input.is_empty() || inner.input.peek(Token![,]) => {
                            out.native.push(i.clone())
                        }
                        _ => {
                            cx.error_at(&inner.path, "`native(..)` lists the names of the table's native indexes, such as `native(by_status)`");
                            skip_value(&inner);
                        }
                    }
                    Ok(())
                })?;
            } else if meta.path.is_ident("index")
                || (meta.path.get_ident().is_some()
                    && meta.input.peek(syn::token::Paren)
                    && !meta.path.is_ident("gsi")
                    && !meta.path.is_ident("lsi"))
            {
                out.index_templates.push(index_template(cx, &meta)?);
            } else if meta.path.is_ident("gsi") || meta.path.is_ident("lsi") {
                out.indexes.push(index_attr(cx, &meta)?);
            } else if meta.path.is_ident("hooks") {
                set_once(cx, &mut out.hooks, meta.path.clone(), &meta);
            } else if meta.path.is_ident("adopt_untagged") {
                set_once(cx, &mut out.adopt_untagged, meta.path.clone(), &meta);
            } else if meta.path.is_ident("schema_version") {
                let lit: LitInt = meta.value()?.parse()?;
                set_once(cx, &mut out.schema_version, lit, &meta);
            } else if meta.path.is_ident("upgrade") {
                let lit: LitStr = meta.value()?.parse()?;
                let path = match lit.parse::<syn::Path>() {
                    Ok(path) => path,
                    Err(_) => {
                        cx.error_at(
                            &lit,
                            "`upgrade` takes the path of a function, such as \"upgrade_account\"",
                        );
                        // Given, though unusable: the checks that need an upgrade hold, and
                        // the error above stops the expansion.
                        syn::parse_quote!(unusable)
                    }
                };
                set_once(cx, &mut out.upgrade, (lit, path), &meta);
            } else if meta.path.is_ident("crate") {
                let lit: LitStr = meta.value()?.parse()?;
                match lit.parse::<syn::Path>() {
                    Ok(path) => set_once(cx, &mut out.krate, path, &meta),
                    Err(_) => cx.error_at(&lit, "`crate` takes a path, such as \"::dynomodel\""),
                }
            } else {
                cx.syn_error(unknown(&meta, "struct attribute", STRUCT_KEYS));
                skip_value(&meta);
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

pub fn field_attrs(cx: &mut Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in attrs {
        if attr.path().is_ident("serde") {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    if meta.input.peek(Token![=]) {
                        let lit: LitStr = meta.value()?.parse()?;
                        out.rename = Some(lit.value());
                    } else {
                        skip_value(&meta);
                    }
                } else if meta.path.is_ident("skip") {
                    out.skip = true;
                } else if meta.path.is_ident("default") {
                    if meta.input.peek(Token![=]) {
                        let lit: LitStr = meta.value()?.parse()?;
                        out.serde_default = Some(lit.parse::<syn::Path>().ok());
                    } else {
                        out.serde_default = Some(None);
                    }
                } else {
                    skip_value(&meta);
                }
                Ok(())
            });
            continue;
        }
        if !attr.path().is_ident("dynomodel") {
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            let p = meta.path.clone();
            let flag = |cx: &mut Ctxt, slot: &mut Flag| set_once(cx, slot, p.clone(), &meta);
            match p.get_ident().map(|i| i.to_string()).as_deref() {
                Some("hash_key") => flag(cx, &mut out.hash_key),
                Some("range_key") => flag(cx, &mut out.range_key),
                Some("required") => flag(cx, &mut out.required),
                Some("version") => flag(cx, &mut out.version),
                Some("created_at") => flag(cx, &mut out.created_at),
                Some("updated_at") => flag(cx, &mut out.updated_at),
                Some("ttl") => flag(cx, &mut out.ttl),
                Some("epoch") => flag(cx, &mut out.epoch),
                Some("extra") => flag(cx, &mut out.extra),
                Some("string_set") => {
                    set_once(cx, &mut out.set_kind, (p.clone(), SetKind::String), &meta)
                }
                Some("number_set") => {
                    set_once(cx, &mut out.set_kind, (p.clone(), SetKind::Number), &meta)
                }
                Some("binary_set") => {
                    set_once(cx, &mut out.set_kind, (p.clone(), SetKind::Binary), &meta)
                }
                Some("default") => {
                    let e: Expr = meta.value()?.parse()?;
                    set_once(cx, &mut out.default, e, &meta);
                }
                Some("set") => {
                    let t = transform(&meta)?;
                    set_once(cx, &mut out.set, (p.clone(), t), &meta);
                }
                Some("get") => {
                    let path: syn::Path = meta.value()?.parse()?;
                    set_once(cx, &mut out.get, path, &meta);
                }
                Some("gsi_hash") => out.gsi_hash.push(meta.value()?.parse()?),
                Some("gsi_range") => out.gsi_range.push(meta.value()?.parse()?),
                Some("lsi_range") => out.lsi_range.push(meta.value()?.parse()?),
                Some("validate") => meta.parse_nested_meta(|rule| {
                    match validate_rule(cx, &rule) {
                        Ok(Some(r)) => out.rules.push(r),
                        Ok(None) => {}
                        Err(e) => cx.syn_error(e),
                    }
                    Ok(())
                })?,
                _ => {
                    cx.syn_error(unknown(&meta, "field attribute", FIELD_KEYS));
                    skip_value(&meta);
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

fn transform(meta: &ParseNestedMeta<'_>) -> syn::Result<Transform> {
    let value = meta.value()?;
    if value.peek(LitStr) {
        let lit: LitStr = value.parse()?;
        match lit.value().as_str() {
            "trim" => Ok(Transform::Builtin("trim")),
            "lowercase" => Ok(Transform::Builtin("lowercase")),
            "uppercase" => Ok(Transform::Builtin("uppercase")),
            _ => Err(syn::Error::new_spanned(
                lit,
                "unknown transform; expected one of: \"trim\", \"lowercase\", \"uppercase\", or a path to a fn(&mut T)",
            )),
        }
    } else {
        Ok(Transform::Func(value.parse()?))
    }
}

fn validate_rule(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<Rule>> {
    let token = meta.path.clone();
    match token.get_ident().map(|i| i.to_string()).as_deref() {
        Some("length") => {
            let (mut min, mut max) = (None, None);
            meta.parse_nested_meta(|b| {
                if b.path.is_ident("min") {
                    min = Some(b.value()?.parse::<LitInt>()?);
                } else if b.path.is_ident("max") {
                    max = Some(b.value()?.parse::<LitInt>()?);
                } else {
                    cx.syn_error(unknown(&b, "length bound", "min, max"));
                    skip_value(&b);
                }
                Ok(())
            })?;
            if min.is_none() && max.is_none() {
                cx.error_at(&token, "`length` needs `min`, `max` or both");
            }
            Ok(Some(Rule::Length { token, min, max }))
        }
        Some("range") => {
            let (mut min, mut max) = (None, None);
            meta.parse_nested_meta(|b| {
                if b.path.is_ident("min") {
                    min = Some(Box::new(b.value()?.parse::<Expr>()?));
                } else if b.path.is_ident("max") {
                    max = Some(Box::new(b.value()?.parse::<Expr>()?));
                } else {
                    cx.syn_error(unknown(&b, "range bound", "min, max"));
                    skip_value(&b);
                }
                Ok(())
            })?;
            if min.is_none() && max.is_none() {
                cx.error_at(&token, "`range` needs `min`, `max` or both");
            }
            Ok(Some(Rule::Range { token, min, max }))
        }
        Some("regex") => {
            let lit: LitStr = meta.value()?.parse()?;
            if let Err(e) = regex::Regex::new(&lit.value()) {
                let first = e.to_string().lines().last().unwrap_or_default().to_owned();
                cx.error_at(&lit, format!("invalid regex: {first}"));
            }
            Ok(Some(Rule::Regex(lit)))
        }
        Some("one_of") => {
            let array: syn::ExprArray = meta.value()?.parse()?;
            if array.elems.is_empty() {
                cx.error_at(&array, "`one_of` needs at least one value");
            }
            Ok(Some(Rule::OneOf {
                token,
                values: array.elems.into_iter().collect(),
            }))
        }
        Some("custom") => Ok(Some(Rule::Custom(meta.value()?.parse()?))),
        _ => {
            cx.syn_error(unknown(meta, "validation rule", VALIDATE_KEYS));
            skip_value(meta);
            Ok(None)
        }
    }
}
