//! The annotated unit struct of `#[derive(Table)]` and enum of `#[derive(Collection)]`.

use syn::{Data, DeriveInput, Fields, Ident, Type};

use crate::attr::table::{self as attr, CollectionAttrs, TableAttrs};
use crate::ctxt::Ctxt;

pub struct Table<'a> {
    pub ident: &'a Ident,
    pub attrs: TableAttrs,
}

pub struct Collection<'a> {
    pub ident: &'a Ident,
    pub attrs: CollectionAttrs,
    pub variants: Vec<Variant<'a>>,
}

pub struct Variant<'a> {
    pub ident: &'a Ident,
    /// The model that the variant holds; none when it holds anything but one value.
    pub model: Option<&'a Type>,
}

impl<'a> Table<'a> {
    pub fn from_ast(cx: &mut Ctxt, input: &'a DeriveInput) -> Self {
        let attrs = attr::table_attrs(cx, &input.attrs);
        let ident = &input.ident;
        let unit = matches!(&input.data, Data::Struct(s) if matches!(s.fields, Fields::Unit));
        if !unit {
            cx.error_at(
                ident,
                "#[derive(Table)] declares a table on a unit struct, such as `struct Groceries;`",
            );
        }
        if !input.generics.params.is_empty() {
            cx.error_at(&input.generics, "a table type cannot be generic");
        }
        Table { ident, attrs }
    }
}

impl<'a> Collection<'a> {
    pub fn from_ast(cx: &mut Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let attrs = attr::collection_attrs(cx, &input.attrs);
        let ident = &input.ident;
        let Data::Enum(data) = &input.data else {
            cx.error_at(
                ident,
                "#[derive(Collection)] is for an enum with one variant per model, such as `enum CustomerView { Customer(Customer), Order(Order) }`",
            );
            return None;
        };
        if !input.generics.params.is_empty() {
            cx.error_at(&input.generics, "a collection cannot be generic");
        }
        let variants = data
            .variants
            .iter()
            .map(|v| Variant {
                ident: &v.ident,
                model: match &v.fields {
                    Fields::Unnamed(f) if f.unnamed.len() == 1 => Some(&f.unnamed[0].ty),
                    _ => None,
                },
            })
            .collect();
        Some(Collection {
            ident,
            attrs,
            variants,
        })
    }

    /// Each variant's name and model, once `check` has found that every variant holds one.
    pub fn members(&self) -> impl Iterator<Item = (&'a Ident, &'a Type)> + '_ {
        self.variants
            .iter()
            .filter_map(|v| Some((v.ident, v.model?)))
    }
}
