//! The model of the annotated struct, with each part keeping its tokens for error spans;
//! `table` has the table's struct and the collection's enum.

pub mod table;

use syn::{Data, DeriveInput, Fields, GenericArgument, Ident, PathArguments, Type, Visibility};

use crate::attr::{self, FieldAttrs, StructAttrs};
use crate::case;
use crate::ctxt::Ctxt;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Model,
    Document,
}

pub struct Container<'a> {
    pub kind: Kind,
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    pub attrs: StructAttrs,
    pub fields: Vec<Field<'a>>,
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    /// The attribute name in DynamoDB: serde's name for the field.
    pub name: String,
    pub attrs: FieldAttrs,
    /// The `T` of an `Option<T>` field.
    pub option_of: Option<&'a Type>,
    /// What the value type (the `T` of an option) looks like.
    pub shape: Shape,
}

/// What a type looks like by its name; enough to pick a codec and to check that an attribute
/// fits its field.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Shape {
    String,
    Integer,
    Float,
    Bool,
    Bytes,
    DateTime,
    Set,
    Vec,
    Map,
    AttributeMap,
    Other,
}

impl Shape {
    pub fn of(ty: &Type) -> Shape {
        let Some((name, args)) = last_segment(ty) else {
            return Shape::Other;
        };
        match name.as_str() {
            "String" => Shape::String,
            "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64"
            | "u128" | "usize" => Shape::Integer,
            "f32" | "f64" => Shape::Float,
            "bool" => Shape::Bool,
            "DateTime" | "OffsetDateTime" => Shape::DateTime,
            "HashSet" | "BTreeSet" => Shape::Set,
            "Vec" if args.first().is_some_and(|t| is_named(t, "u8")) => Shape::Bytes,
            "Vec" => Shape::Vec,
            "HashMap" | "BTreeMap"
                if args.get(1).is_some_and(|t| is_named(t, "AttributeValue")) =>
            {
                Shape::AttributeMap
            }
            "HashMap" | "BTreeMap" => Shape::Map,
            _ => Shape::Other,
        }
    }

    /// Whether values of this shape can hold a nested document, whose rules must run.
    pub fn may_nest(self) -> bool {
        matches!(self, Shape::Vec | Shape::Map | Shape::Other)
    }
}

/// The type inside the invisible group of a macro's `$t:ty` (and inside parentheses): a
/// `Vec<u8>` that arrives through a macro is still a `Vec<u8>`.
pub fn ungroup(ty: &Type) -> &Type {
    match ty {
        Type::Group(g) => ungroup(&g.elem),
        Type::Paren(p) => ungroup(&p.elem),
        other => other,
    }
}

fn last_segment(ty: &Type) -> Option<(String, Vec<&Type>)> {
    let Type::Path(p) = ungroup(ty) else {
        return None;
    };
    let seg = p.path.segments.last()?;
    let args = match &seg.arguments {
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    Some((seg.ident.to_string(), args))
}

fn is_named(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|(n, _)| n == name)
}

/// The constant of an index name: `by_owner` and `byOwner` are `BY_OWNER`. The name is one
/// that `check` accepted: 3 to 255 of `a-z A-Z 0-9 _ - .`.
pub fn const_name(index: &str) -> syn::Ident {
    let mut out = String::new();
    let mut prev_lower = false;
    for ch in index.chars() {
        if ch.is_ascii_alphanumeric() {
            if ch.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
            out.push(ch.to_ascii_uppercase());
        } else {
            out.push('_');
            prev_lower = false;
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    quote::format_ident!("{}", out)
}

/// The `T` of `Option<T>`.
pub fn option_inner(ty: &Type) -> Option<&Type> {
    match last_segment(ty) {
        Some((name, args)) if name == "Option" && args.len() == 1 => Some(args[0]),
        _ => None,
    }
}

impl<'a> Container<'a> {
    pub fn from_ast(cx: &mut Ctxt, input: &'a DeriveInput, kind: Kind) -> Option<Self> {
        let attrs = attr::struct_attrs(cx, &input.attrs);
        let named = match &input.data {
            Data::Struct(s) => match &s.fields {
                Fields::Named(named) => Some(named),
                _ => None,
            },
            _ => None,
        };
        let Some(named) = named else {
            cx.error_at(
                &input.ident,
                "dynomodel derives Model and Document for structs with named fields only",
            );
            return None;
        };
        if !input.generics.params.is_empty() {
            cx.error_at(
                &input.generics,
                "dynomodel models and documents cannot be generic",
            );
        }
        let rename_all = attrs.rename_all.clone();
        let fields = named
            .named
            .iter()
            .map(|f| {
                let ident = f.ident.as_ref().expect("named fields have names");
                let attrs = attr::field_attrs(cx, &f.attrs);
                let plain = ident.to_string();
                let plain = plain.strip_prefix("r#").unwrap_or(&plain).to_owned();
                let name = attrs.rename.clone().unwrap_or_else(|| {
                    rename_all
                        .as_deref()
                        .and_then(|rule| case::rename(rule, &plain))
                        .unwrap_or(plain)
                });
                let option_of = option_inner(&f.ty);
                let shape = Shape::of(option_of.unwrap_or(&f.ty));
                Field {
                    ident,
                    ty: &f.ty,
                    name,
                    attrs,
                    option_of,
                    shape,
                }
            })
            .collect();
        Some(Container {
            kind,
            ident: &input.ident,
            vis: &input.vis,
            attrs,
            fields,
        })
    }

    /// The fields that are stored as attributes of their own.
    pub fn stored(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields
            .iter()
            .filter(|f| !f.attrs.skip && f.attrs.extra.is_none())
    }

    pub fn field_named(&self, name: &str) -> Option<&Field<'a>> {
        self.stored().find(|f| f.name == name || f.ident == name)
    }

    pub fn extra(&self) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.attrs.extra.is_some())
    }
}
