//! The parts of the `Model` impl of a model in a shared table (`table = SomeTable`): key
//! templates, the entity, the key from its logical fields, and the checks against the
//! table that run at compile time.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::{Container, Field};
use crate::ctxt::Ctxt;
use crate::template::{self, Part, Template};

/// The templates of a model, read again (the checks reported their mistakes already).
pub struct Templates {
    pub pk: Option<Template>,
    pub sk: Option<Template>,
    pub indexes: Vec<(String, syn::Path, Option<Template>, Option<Template>)>,
}

pub fn templates(c: &Container<'_>, cx: &mut Ctxt) -> Templates {
    let a = &c.attrs;
    Templates {
        pk: a.pk.as_ref().and_then(|l| template::parse(cx, c, l, false)),
        sk: a.sk.as_ref().and_then(|l| template::parse(cx, c, l, false)),
        indexes: a
            .index_templates
            .iter()
            .map(|i| {
                (
                    i.name.clone(),
                    i.token.clone(),
                    i.pk.as_ref().and_then(|l| template::parse(cx, c, l, true)),
                    i.sk.as_ref().and_then(|l| template::parse(cx, c, l, true)),
                )
            })
            .collect(),
    }
}

fn parts(t: &Template) -> TokenStream {
    let parts = t.parts.iter().map(|p| match p {
        Part::Text(s) => quote!(__dm::Part::Text(#s)),
        Part::Field { name, width } => quote!(__dm::Part::Field { name: #name, width: #width }),
    });
    quote!(&[#(#parts),*])
}

fn key_template(
    c: &Container<'_>,
    attr: TokenStream,
    index: Option<&str>,
    sort: bool,
    t: &Template,
) -> TokenStream {
    let text = t.lit.value();
    let parts = parts(t);
    let sparse = t
        .fields()
        .any(|n| c.field_named(n).is_some_and(|f| f.option_of.is_some()));
    let index = match index {
        Some(i) => quote!(Some(#i)),
        None => quote!(None),
    };
    quote! {
        __dm::KeyTemplate {
            attr: #attr, index: #index, sort: #sort, text: #text, parts: #parts, sparse: #sparse,
        }
    }
}

/// `<Table as Table>`.
fn table(c: &Container<'_>) -> TokenStream {
    let t = c.attrs.shared.as_ref().expect("a shared table");
    quote!(<#t as __dm::Table>)
}

/// The `Entity` constant.
pub fn entity(c: &Container<'_>, ts: &Templates) -> TokenStream {
    let t = table(c);
    let name = c
        .attrs
        .entity
        .as_ref()
        .map(|e| e.value())
        .unwrap_or_default();
    let mut keys = Vec::new();
    if let Some(pk) = &ts.pk {
        keys.push(key_template(c, quote!(#t::PK), None, false, pk));
    }
    if let Some(sk) = &ts.sk {
        keys.push(key_template(
            c,
            quote!(__dm::table::sort_key(#t::SK)),
            None,
            true,
            sk,
        ));
    }
    for (name, _, pk, sk) in &ts.indexes {
        let index = quote!(__dm::table::index(#t::INDEXES, #name));
        if let Some(pk) = pk {
            keys.push(key_template(c, quote!(#index.pk), Some(name), false, pk));
        }
        if let Some(sk) = sk {
            keys.push(key_template(
                c,
                quote!(__dm::table::sort_key(#index.sk)),
                Some(name),
                true,
                sk,
            ));
        }
    }
    let adopts = c.attrs.adopt_untagged.is_some();
    quote! {
        Some(&__dm::Entity {
            name: #name,
            table: #t::NAME,
            attr: #t::ENTITY_ATTR,
            delimiter: #t::DELIMITER,
            keys: &[#(#keys),*],
            adopts_untagged: #adopts,
            indexes: #t::INDEXES,
        })
    }
}

/// The checks against the table, as constants that fail to compile at the offending token.
pub fn checks(c: &Container<'_>, ts: &Templates) -> TokenStream {
    let t = table(c);
    let path = c.attrs.shared.as_ref().expect("a shared table");
    let table_name = quote!(#path).to_string().replace(' ', "");
    let ident = c.ident;
    let mut out = Vec::new();
    let names = c.stored().map(|f| &f.name);
    let msg = format!(
        "a field of `{ident}` is stored under a key attribute or the entity attribute of the table `{table_name}`: rename the field"
    );
    out.push(quote_spanned!(path.span()=>
        const _: () = ::core::assert!(__dm::table::free_names::<#path>(&[#(#names),*]), #msg);
    ));
    let all = ts.pk.iter().chain(&ts.sk).chain(
        ts.indexes
            .iter()
            .flat_map(|(_, _, pk, sk)| pk.iter().chain(sk)),
    );
    for tpl in all {
        let parts = parts(tpl);
        let msg = format!(
            "a text between two fields of the key template \"{}\" lacks the delimiter of the table `{table_name}`: values such as (\"a-b\", \"c\") and (\"a\", \"b-c\") would compose one key; separate the fields with text that holds the delimiter (`#` unless the table says otherwise)",
            tpl.lit.value()
        )
        .replace('{', "{{")
        .replace('}', "}}");
        out.push(quote_spanned!(tpl.lit.span()=>
            const _: () = ::core::assert!(__dm::separators_hold(#parts, #t::DELIMITER), #msg);
        ));
    }
    match &ts.sk {
        Some(sk) => {
            let msg =
                format!("the table `{table_name}` has no sort key: `sk = ...` has nothing to fill");
            out.push(quote_spanned!(sk.lit.span()=>
                const _: () = ::core::assert!(#t::SK.is_some(), #msg);
            ));
        }
        None => {
            let msg = format!(
                "the table `{table_name}` has a sort key: give `{ident}` a template for it, `sk = \"...\"`"
            );
            out.push(quote_spanned!(path.span()=>
                const _: () = ::core::assert!(#t::SK.is_none(), #msg);
            ));
        }
    }
    for (name, token, pk, sk) in &ts.indexes {
        let find = quote!(__dm::table::find_index(#t::INDEXES, #name));
        let msg = format!("the table `{table_name}` declares no index `{name}`");
        out.push(quote_spanned!(token.span()=>
            const _: () = ::core::assert!(#find.is_some(), #msg);
        ));
        let (cond, msg) = match pk {
            Some(_) => (
                quote!(!::core::matches!(i.kind, __dm::IndexKind::Local)),
                format!("`{name}` is a local index: it shares the table's partition key, so give it only `sk = \"...\"`"),
            ),
            None => (
                quote!(::core::matches!(i.kind, __dm::IndexKind::Local)),
                format!("`{name}` is a global index: give it a partition key template, `pk = \"...\"`"),
            ),
        };
        out.push(quote_spanned!(token.span()=>
            const _: () = ::core::assert!(match #find { Some(i) => #cond, None => true }, #msg);
        ));
        let (cond, msg) = match sk {
            Some(_) => (
                quote!(i.sk.is_some()),
                format!("the index `{name}` of `{table_name}` has no sort key: `sk = ...` has nothing to fill"),
            ),
            None => (
                quote!(i.sk.is_none()),
                format!("the index `{name}` has a sort key: give `sk = \"...\"` too, or no item of `{ident}` is in the index"),
            ),
        };
        let span = sk.as_ref().map_or(token.span(), |s| s.lit.span());
        out.push(quote_spanned!(span=>
            const _: () = ::core::assert!(match #find { Some(i) => i.is_native() || #cond, None => true }, #msg);
        ));
        let msg = format!("the index `{name}` of `{table_name}` is native: its models fill it with their own fields, not templates; name it in `native({name})`");
        out.push(quote_spanned!(token.span()=>
            const _: () = ::core::assert!(match #find { Some(i) => !i.is_native(), None => true }, #msg);
        ));
    }
    native_checks(c, &table_name, &mut out);
    quote!(#(#out)*)
}

/// The fields of the table's key templates, each once, in order: `M::key(...)`'s arguments.
pub fn key_fields<'c, 'a>(c: &'c Container<'a>, ts: &Templates) -> Vec<&'c Field<'a>> {
    let mut out: Vec<&Field<'_>> = Vec::new();
    for t in ts.pk.iter().chain(&ts.sk) {
        for name in t.fields() {
            if let Some(f) = c.stored().find(|f| f.name == name) {
                if !out.iter().any(|g| g.name == f.name) {
                    out.push(f);
                }
            }
        }
    }
    out
}

/// The statements that encode the key fields (bound as locals of their names) into `item`.
pub fn encode_fields(fields: &[&Field<'_>], owner: Option<TokenStream>) -> TokenStream {
    let inserts = fields.iter().map(|f| {
        let (i, ty, name) = (f.ident, f.ty, &f.name);
        let encode = crate::expand::codec::field_encode(f);
        let value = match &owner {
            Some(o) => quote!(&#o.#i),
            None => quote!(&#i),
        };
        quote! {
            {
                let value: &#ty = #value;
                if let Some(av) = (#encode).map_err(|e| __dm::at(e, #name))? {
                    item.insert(::std::string::String::from(#name), av);
                }
            }
        }
    });
    quote!(#(#inserts)*)
}

/// The index constants and `Model::indexes()` entries: the indexes that the model fills with
/// templates, then those it fills with its own fields (`native(..)`); each is the table's, by
/// name (a template index has no attributes past its first).
pub fn indexes(c: &Container<'_>, ts: &Templates) -> Vec<(String, TokenStream)> {
    let t = table(c);
    let ident = c.ident;
    let templated = ts.indexes.iter().map(|(name, ..)| name.clone());
    let native = c.attrs.native.iter().map(|n| n.to_string());
    templated
        .chain(native)
        .map(|name| {
            let i = quote!(__dm::table::index(#t::INDEXES, #name));
            let index = quote! {
                __dm::Index::<#ident> {
                    name: #name,
                    kind: #i.kind,
                    hash_key: #i.pk,
                    range_key: #i.sk,
                    hash_rest: #i.pk_rest,
                    range_rest: #i.sk_rest,
                    projection: #i.projection,
                    model: ::core::marker::PhantomData,
                }
            };
            (name, index)
        })
        .collect()
}

/// The key type that a field is stored as: `S`, `N` or `B`; `-` for a type that cannot be a
/// key; `?` for a type whose encoding the derive does not know (a serde type).
fn key_type(f: &Field<'_>) -> char {
    use crate::ast::Shape;
    match f.shape {
        Shape::String => 'S',
        Shape::Integer | Shape::Float => 'N',
        Shape::Bytes => 'B',
        Shape::DateTime if f.attrs.epoch.is_some() => 'N',
        Shape::DateTime => 'S',
        Shape::Other => '?',
        _ => '-',
    }
}

/// The checks of the native indexes that the model fills: each is a native index of the
/// table whose key attributes are all fields of the model; and every field that a native
/// index of the table keys is stored with the index's type.
fn native_checks(c: &Container<'_>, table_name: &str, out: &mut Vec<TokenStream>) {
    let path = c.attrs.shared.as_ref().expect("a shared table");
    let ident = c.ident;
    let names: Vec<&String> = c.stored().map(|f| &f.name).collect();
    for n in &c.attrs.native {
        let name = n.to_string();
        let msg = format!(
            "`{ident}` fills the index `{name}` with its own fields: the table `{table_name}` needs a native index of that name (`gsi(name = \"{name}\", pk = [attribute: S, ..])`), and `{ident}` a field for each of its key attributes"
        );
        out.push(quote_spanned!(n.span()=>
            const _: () = ::core::assert!(__dm::table::fills_native::<#path>(#name, &[#(#names),*]), #msg);
        ));
    }
    for f in c.stored() {
        let (name, ty) = (&f.name, key_type(f));
        if ty == '?' {
            continue;
        }
        let msg = format!(
            "`{name}` is a key attribute of a native index of the table `{table_name}`, of another type than this field's (stored as {}): give the field the index's type, or another name",
            match ty { 'S' => "a string, S", 'N' => "a number, N", 'B' => "bytes, B", _ => "a value that cannot be a key" }
        );
        let span = f.ty.span();
        out.push(quote_spanned!(span=>
            const _: () = ::core::assert!(__dm::table::native_type_fits::<#path>(#name, #ty), #msg);
        ));
    }
}
