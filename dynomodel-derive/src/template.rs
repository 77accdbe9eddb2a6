//! Key templates of a model in a shared table: `pk = "CUSTOMER#{id}"`, read and checked
//! against the model's fields.

use syn::LitStr;

use crate::ast::{Container, Field, Shape};
use crate::ctxt::Ctxt;

pub struct Template {
    pub lit: LitStr,
    pub parts: Vec<Part>,
}

pub enum Part {
    Text(String),
    Field { name: String, width: u8 },
}

impl Template {
    /// The attribute names of its fields, in order.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Field { name, .. } => Some(name.as_str()),
            Part::Text(_) => None,
        })
    }
}

/// The digits of an integer type, so that zero-padded text sorts as the numbers do.
fn integer_width(ty: &syn::Type) -> Option<u8> {
    let syn::Type::Path(p) = crate::ast::ungroup(ty) else {
        return None;
    };
    let name = p.path.segments.last()?.ident.to_string();
    Some(match name.as_str() {
        "u8" | "i8" => 3,
        "u16" | "i16" => 5,
        "u32" | "i32" => 10,
        "u64" | "usize" => 20,
        "i64" | "isize" => 19,
        "u128" | "i128" => 39,
        _ => return None,
    })
}

/// Reads a template; `optional` where a field may be an `Option` (an index key, left out
/// where the field is `None`).
pub fn parse(cx: &mut Ctxt, c: &Container<'_>, lit: &LitStr, optional: bool) -> Option<Template> {
    let text = lit.value();
    let mut parts = Vec::new();
    let mut rest = text.as_str();
    let mut ok = true;
    while !rest.is_empty() {
        match rest.find(['{', '}']) {
            Some(0) if rest.starts_with('}') => {
                cx.error_at(lit, "a `}` without its `{` in the key template");
                return None;
            }
            Some(0) => {
                let Some(end) = rest.find('}') else {
                    cx.error_at(lit, "a `{` without its `}` in the key template");
                    return None;
                };
                let inner = rest.get(1..end).unwrap_or_default();
                rest = rest.get(end + 1..).unwrap_or_default();
                if matches!(parts.last(), Some(Part::Field { .. })) {
                    cx.error_at(
                        lit,
                        "two fields in a row: put text (such as the delimiter `#`) between the fields of a key template, so that the key can be read back",
                    );
                    ok = false;
                }
                let (name, width) = match inner.split_once(':') {
                    Some((n, w)) => match w.parse::<u8>() {
                        Ok(w) if (1..=39).contains(&w) => (n.trim(), Some(w)),
                        _ => {
                            cx.error_at(
                                lit,
                                format!(
                                    "`{{{inner}}}`: a width is a number of digits from 1 to 39"
                                ),
                            );
                            ok = false;
                            (n.trim(), None)
                        }
                    },
                    None => (inner.trim(), None),
                };
                let Some(f) = c.field_named(name) else {
                    let names: Vec<&str> = c.stored().map(|f| f.name.as_str()).collect();
                    cx.error_at(
                        lit,
                        format!(
                            "no field `{name}` in {}: a key template names the model's fields ({})",
                            c.ident,
                            names.join(", ")
                        ),
                    );
                    ok = false;
                    continue;
                };
                // A managed value changes on every write (a version, a timestamp): a key
                // composed of it would move under the item, or go stale after an update.
                let managed = [
                    (&f.attrs.version, "version"),
                    (&f.attrs.created_at, "created_at"),
                    (&f.attrs.updated_at, "updated_at"),
                ];
                if let Some((_, what)) = managed.iter().find(|(flag, _)| flag.is_some()) {
                    cx.error_at(
                        lit,
                        format!(
                            "`{{{name}}}` is the model's `{what}`, which every write changes: a key template cannot hold it (a key must not move under its item)"
                        ),
                    );
                    ok = false;
                }
                ok &= field_fits(cx, lit, f, optional, width.is_some());
                let width = width.or_else(|| {
                    (f.shape == Shape::Integer)
                        .then(|| integer_width(f.option_of.unwrap_or(f.ty)))
                        .flatten()
                });
                parts.push(Part::Field {
                    name: f.name.clone(),
                    width: width.unwrap_or(0),
                });
            }
            Some(n) => {
                parts.push(Part::Text(rest.get(..n).unwrap_or_default().to_owned()));
                rest = rest.get(n..).unwrap_or_default();
            }
            None => {
                parts.push(Part::Text(rest.to_owned()));
                rest = "";
            }
        }
    }
    if parts.is_empty() {
        cx.error_at(
            lit,
            "a key template cannot be empty: DynamoDB refuses an empty key",
        );
        ok = false;
    }
    ok.then(|| Template {
        lit: lit.clone(),
        parts,
    })
}

fn field_fits(cx: &mut Ctxt, lit: &LitStr, f: &Field<'_>, optional: bool, width: bool) -> bool {
    if f.option_of.is_some() && !optional {
        cx.error_at(
            lit,
            format!(
                "`{}` is an Option: a field of the table's key must have a value in every item (an index key may be an Option: the item is left out of the index)",
                f.name
            ),
        );
        return false;
    }
    match f.shape {
        Shape::String | Shape::DateTime | Shape::Other | Shape::Bool if !width => true,
        Shape::Integer | Shape::DateTime | Shape::Other => true,
        Shape::String | Shape::Bool => {
            cx.error_at(
                lit,
                format!("`{}` is not a number: a width pads numbers only", f.name),
            );
            false
        }
        _ => {
            cx.error_at(
                lit,
                format!(
                    "`{}` cannot be part of a key: a key template takes strings, whole numbers, booleans and date-times",
                    f.name
                ),
            );
            false
        }
    }
}
