//! Defaults, `set` transforms and validation.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::{Container, Field, Shape};
use crate::attr::{Rule, Transform};
use crate::expand::codec::default_value;

/// The nested-document pass of a field: only for types that may hold documents.
fn nested(f: &Field<'_>, call: TokenStream) -> Option<TokenStream> {
    (f.attrs.set_kind.is_none() && f.shape.may_nest()).then_some(call)
}

/// The field's `set` transform on `target` (a `&mut` of the field's type).
pub(crate) fn set_call(f: &Field<'_>, target: TokenStream) -> Option<TokenStream> {
    let (_, transform) = f.attrs.set.as_ref()?;
    let func = match transform {
        Transform::Builtin(name) => {
            let name = syn::Ident::new(name, proc_macro2::Span::call_site());
            quote!(__dm::transforms::#name)
        }
        Transform::Func(path) => quote!(#path),
    };
    Some(if f.option_of.is_some() {
        quote!(if let Some(value) = #target { #func(value); })
    } else {
        quote!(#func(#target);)
    })
}

pub fn defaults(c: &Container<'_>) -> TokenStream {
    let steps = c.stored().map(|f| {
        let ident = f.ident;
        let ty = f.ty;
        let own = match (&f.attrs.default, f.option_of) {
            (Some(expr), Some(_)) => {
                let d = default_value(f, expr);
                quote!(if self.#ident.is_none() { self.#ident = Some(#d); })
            }
            _ => TokenStream::new(),
        };
        let inner = nested(
            f,
            quote!((&&__dm::Rules::<#ty>::new()).defaults(&mut self.#ident);),
        );
        quote!(#own #inner)
    });
    quote! {
        fn apply_defaults(&mut self) {
            #(#steps)*
        }
    }
}

pub fn set_transforms(c: &Container<'_>) -> TokenStream {
    let steps = c.stored().map(|f| {
        let ident = f.ident;
        let ty = f.ty;
        let own = set_call(f, quote!(&mut self.#ident));
        let inner = nested(
            f,
            quote!((&&__dm::Rules::<#ty>::new()).set(&mut self.#ident);),
        );
        quote!(#own #inner)
    });
    quote! {
        fn apply_set_transforms(&mut self) {
            #(#steps)*
        }
    }
}

fn rule_check(f: &Field<'_>, rule: &Rule) -> TokenStream {
    let name = &f.name;
    let push = |rule_name: TokenStream, message: TokenStream| quote!(errors.push(__dm::join(base, #name), #rule_name, #message));
    let bound = |b: &Option<syn::LitInt>| match b {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    };
    let value_ty = f.option_of.unwrap_or(f.ty);
    match rule {
        Rule::Length { min, max, .. } => {
            let (min, max) = (bound(min), bound(max));
            let push = push(quote!("length"), quote!(message));
            quote!(if let Some(message) = __dm::rules::length(value, #min, #max) { #push; })
        }
        Rule::Range { min, max, .. } => {
            let opt = |b: &Option<Box<syn::Expr>>| match b {
                Some(v) => quote!(Some({ let bound: #value_ty = #v; bound })),
                None => quote!(None),
            };
            let (min, max) = (opt(min), opt(max));
            let push = push(quote!("range"), quote!(message));
            quote!(if let Some(message) = __dm::rules::range(value, #min, #max) { #push; })
        }
        Rule::Regex(lit) => {
            let push = push(quote!("regex"), quote!(message));
            quote! {
                static RE: __dm::LazyLock<__dm::Regex> = __dm::LazyLock::new(|| {
                    __dm::Regex::new(#lit).expect("the derive checked this regex")
                });
                if let Some(message) = __dm::rules::regex(value, &RE) { #push; }
            }
        }
        Rule::OneOf { values, .. } => {
            let push = push(quote!("one_of"), quote!(message));
            quote!(if let Some(message) = __dm::rules::one_of(value, &[#(#values),*]) { #push; })
        }
        Rule::Custom(path) => {
            let rule_name = path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            let push = push(quote!(#rule_name), quote!(message.to_string()));
            quote!(if let Err(message) = #path(value) { #push; })
        }
    }
}

pub fn validate(c: &Container<'_>) -> TokenStream {
    let steps = c.stored().map(|f| {
        let ident = f.ident;
        let ty = f.ty;
        let name = &f.name;
        let checks: Vec<TokenStream> = f.attrs.rules.iter().map(|r| rule_check(f, r)).collect();
        let own = if f.option_of.is_some() {
            let required = f.attrs.required.as_ref().map(|_| {
                quote!(else { errors.push(__dm::join(base, #name), "required", "is required"); })
            });
            if checks.is_empty() && required.is_none() {
                TokenStream::new()
            } else {
                quote!(if let Some(value) = &self.#ident { #(#checks)* } #required)
            }
        } else if checks.is_empty() {
            TokenStream::new()
        } else {
            quote!({ let value = &self.#ident; #(#checks)* })
        };
        let inner = nested(
            f,
            quote!((&&__dm::Rules::<#ty>::new()).validate(&self.#ident, &__dm::join(base, #name), errors);),
        );
        quote!(#own #inner)
    });
    quote! {
        #[allow(unused_variables)]
        fn validate_at(&self, base: &str, errors: &mut __dm::ValidationErrors) {
            #(#steps)*
        }
    }
}

/// The body of a field handle's `check`: the `set` transform, the field's own rules and its
/// nested documents' defaults, transforms and rules, on `field: &mut T` below `base`.
pub fn field_check(f: &Field<'_>) -> TokenStream {
    let ty = f.ty;
    let name = &f.name;
    let set = set_call(f, quote!(&mut *field));
    let checks: Vec<TokenStream> = f.attrs.rules.iter().map(|r| rule_check(f, r)).collect();
    let own = if f.option_of.is_some() {
        let required = f.attrs.required.as_ref().map(
            |_| quote!(else { errors.push(__dm::join(base, #name), "required", "is required"); }),
        );
        quote!(if let Some(value) = &*field { #(#checks)* } #required)
    } else {
        quote!({ let value = &*field; #(#checks)* })
    };
    let inner = nested(
        f,
        quote! {
            (&&__dm::Rules::<#ty>::new()).defaults(field);
            (&&__dm::Rules::<#ty>::new()).set(field);
            (&&__dm::Rules::<#ty>::new()).validate(&*field, &__dm::join(base, #name), errors);
        },
    );
    quote!(#set #own #inner)
}

/// The body of a field handle's `transform`: the `set` transform and its nested documents'
/// transforms, on `field: &mut T`.
pub fn field_transform(f: &Field<'_>) -> TokenStream {
    let ty = f.ty;
    let set = set_call(f, quote!(&mut *field));
    let inner = nested(f, quote!((&&__dm::Rules::<#ty>::new()).set(field);));
    quote!(#set #inner)
}

/// Whether an item without the field's attribute fails to decode.
pub fn field_required(f: &Field<'_>) -> bool {
    let a = &f.attrs;
    // `required` on an `Option`: the model promises a value, which no update may remove.
    a.required.is_some()
        || !(f.option_of.is_some()
            || a.default.is_some()
            || a.serde_default.is_some()
            || a.set_kind.is_some()
            || a.version.is_some()
            || a.skip
            || matches!(
                f.shape,
                Shape::Vec | Shape::Map | Shape::Set | Shape::AttributeMap
            ))
}

/// The body of a field handle's `bounds`: its `range` rule and integer type as number text,
/// and its `length` rule.
pub fn field_bounds(f: &Field<'_>) -> TokenStream {
    let value_ty = f.option_of.unwrap_or(f.ty);
    let numeric = matches!(f.shape, Shape::Integer | Shape::Float);
    let text = |e: &Option<Box<syn::Expr>>| match e {
        Some(e) if numeric => {
            quote!(__dm::Number::to_n({ let bound: #value_ty = #e; bound }).ok())
        }
        _ => quote!(None),
    };
    let (mut min, mut max) = (quote!(None), quote!(None));
    let (mut length_min, mut length_max) = (quote!(None), quote!(None));
    for rule in &f.attrs.rules {
        match rule {
            Rule::Range {
                min: lo, max: hi, ..
            } => {
                min = text(lo);
                max = text(hi);
            }
            Rule::Length {
                min: lo, max: hi, ..
            } => {
                let n = |b: &Option<syn::LitInt>| match b {
                    Some(v) => quote!(Some(#v)),
                    None => quote!(None),
                };
                length_min = n(lo);
                length_max = n(hi);
            }
            _ => {}
        }
    }
    let (type_min, type_max) = if f.shape == Shape::Integer {
        (
            quote!(Some(::std::string::ToString::to_string(&<#value_ty>::MIN))),
            quote!(Some(::std::string::ToString::to_string(&<#value_ty>::MAX))),
        )
    } else {
        (quote!(None), quote!(None))
    };
    quote! {
        __dm::Bounds {
            min: #min,
            max: #max,
            type_min: #type_min,
            type_max: #type_max,
            length_min: #length_min,
            length_max: #length_max,
        }
    }
}
