//! Key templates: a single-table model's physical keys (`pk = "CUSTOMER#{id}"`) composed
//! from its fields, and the entity attribute that tells its items from the others.
//!
//! ```
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::single::order;
//! assert_eq!(order("c1", 7).to_item()?["sk"].as_s().unwrap(), "ORDER#2026-11-30#0000000007");
//! # Ok::<(), Error>(())
//! ```
//!
//! Layer: model.

// Each index here is below the length that its loop compares it with (the constants above
// cannot use `get()`).
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use aws_sdk_dynamodb::types::AttributeValue;

use crate::codec::Item;
use crate::error::{Error, Result, ValidationErrors};

/// Whether two strings are equal, in a constant.
///
/// ```
/// assert!(dynomodel::model::single_table::str_eq("gsi1", "gsi1"));
/// assert!(!dynomodel::model::single_table::str_eq("gsi1", "gsi2"));
/// ```
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `text` contains `needle`, in a constant.
///
/// ```
/// assert!(dynomodel::model::template::str_contains("A#B", "#"));
/// assert!(!dynomodel::model::template::str_contains("A-B", "#"));
/// ```
pub const fn str_contains(text: &str, needle: &str) -> bool {
    let (t, n) = (text.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return true;
    }
    let mut i = 0;
    while i + n.len() <= t.len() {
        let mut j = 0;
        while j < n.len() && t[i + j] == n[j] {
            j += 1;
        }
        if j == n.len() {
            return true;
        }
        i += 1;
    }
    false
}

/// Whether every text between two fields of a template contains the delimiter: what keeps
/// the composition of a template injective, since no value may contain the delimiter (the
/// derive refuses other templates at compile time). `{first}-{last}` would compose one key
/// from `("a-b", "c")` and `("a", "b-c")`.
///
/// ```
/// use dynomodel::model::template::{separators_hold, Part};
/// let f = |name| Part::Field { name, width: 0 };
/// assert!(separators_hold(&[f("a"), Part::Text("#"), f("b")], "#"));
/// assert!(!separators_hold(&[f("a"), Part::Text("-"), f("b")], "#"));
/// assert!(separators_hold(&[Part::Text("X-"), f("a"), Part::Text("-")], "#")); // no field follows
/// ```
pub const fn separators_hold(parts: &[Part], delimiter: &str) -> bool {
    let mut i = 0;
    while i + 2 < parts.len() {
        if let (Part::Field { .. }, Part::Text(t), Part::Field { .. }) =
            (&parts[i], &parts[i + 1], &parts[i + 2])
        {
            if !str_contains(t, delimiter) {
                return false;
            }
        }
        i += 1;
    }
    true
}

/// A part of a key template: literal text, or a field's value.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::single::Order;
/// use dynomodel::model::template::Part;
/// let sk = Order::ENTITY.unwrap().keys[1];
/// assert_eq!(sk.parts[0], Part::Text("ORDER#"));
/// assert_eq!(sk.parts[1], Part::Field { name: "placed_at", width: 0 });
/// assert_eq!(sk.parts[3], Part::Field { name: "number", width: 10 }); // a u32
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Text written as it is.
    Text(&'static str),
    /// The value of the attribute `name`: a string as it is, a number zero-padded to
    /// `width` digits (0 for a string), so that text order is number order.
    Field {
        /// The attribute name of the field.
        name: &'static str,
        /// The digits of a number (from its type, or `{field:width}`); 0 for text.
        width: u8,
    },
}

/// One key attribute of a single-table model, and how its value is composed.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::single::Order;
/// let pk = Order::ENTITY.unwrap().keys[0];
/// assert_eq!((pk.attr, pk.index, pk.sort, pk.text), ("pk", None, false, "CUSTOMER#{customer_id}"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyTemplate {
    /// The key attribute that it fills, such as `pk` or `gsi1sk`.
    pub attr: &'static str,
    /// The index whose key it is; `None` for the table's key.
    pub index: Option<&'static str>,
    /// Whether it is a sort key.
    pub sort: bool,
    /// The template as written.
    pub text: &'static str,
    /// The template, parsed.
    pub parts: &'static [Part],
    /// Whether a field of it is an `Option`: an item without that field has no such key
    /// (and, an index's keys being whole or absent, none of that index's keys).
    pub sparse: bool,
}

/// A model stored in a shared [`Table`](super::Table): its entity name, and its key
/// templates. `Model::ENTITY` holds it for a model declared with `table = SomeTable`.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::single::Order;
/// let e = Order::ENTITY.unwrap();
/// assert_eq!((e.name, e.attr, e.table), ("order", "_et", "groceries"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entity {
    /// The entity name, stored in `attr` by every write.
    pub name: &'static str,
    /// The table name.
    pub table: &'static str,
    /// The table's entity attribute.
    pub attr: &'static str,
    /// The table's delimiter, which no value in a template may contain.
    pub delimiter: &'static str,
    /// The key templates: the table's keys first.
    pub keys: &'static [KeyTemplate],
    /// Whether an item without the entity attribute is this entity's
    /// (`#[dynomodel(adopt_untagged)]`, for a table written before the single-table design).
    /// Without it, such an item is no entity's: reads leave it out and writes leave it alone.
    pub adopts_untagged: bool,
    /// The table's indexes: a native one declares the type of each key attribute, which
    /// every item of the table that holds the attribute must give it.
    pub indexes: &'static [super::TableIndex],
}

impl KeyTemplate {
    /// The fields that the template is composed of, in order.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::Order;
    /// let sk = Order::ENTITY.unwrap().keys[1];
    /// assert_eq!(sk.fields().collect::<Vec<_>>(), ["placed_at", "number"]);
    /// ```
    pub fn fields(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.parts.iter().filter_map(|p| match p {
            Part::Field { name, .. } => Some(*name),
            Part::Text(_) => None,
        })
    }

    /// The text before the first field (the whole key where it has no field).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::Order;
    /// assert_eq!(Order::ENTITY.unwrap().keys[1].prefix(), "ORDER#");
    /// ```
    pub fn prefix(&self) -> String {
        self.parts
            .iter()
            .map_while(|p| match p {
                Part::Text(t) => Some(*t),
                Part::Field { .. } => None,
            })
            .collect()
    }
}

impl Entity {
    /// The partition template of index `index` (`None`: the table's key), in a constant.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::Customer;
    /// assert_eq!(Customer::ENTITY.unwrap().partition(Some("gsi1")).unwrap().len(), 2);
    /// ```
    pub const fn partition(&self, index: Option<&str>) -> Option<&'static [Part]> {
        let mut i = 0;
        while i < self.keys.len() {
            let k = &self.keys[i];
            let same = match (k.index, index) {
                (None, None) => true,
                (Some(a), Some(b)) => str_eq(a, b),
                _ => false,
            };
            if same && !k.sort {
                return Some(k.parts);
            }
            i += 1;
        }
        None
    }

    /// The key template of `attr`.
    pub(crate) fn template(&self, index: Option<&str>, sort: bool) -> Option<&'static KeyTemplate> {
        self.keys
            .iter()
            .find(|k| k.index == index && k.sort == sort)
    }

    /// The value of one template, from the attributes that `value` gives: `None` where a
    /// field has no value (an index key that is not written: a sparse index).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::Order;
    /// use aws_sdk_dynamodb::types::AttributeValue as V;
    /// let e = Order::ENTITY.unwrap();
    /// let item: dynomodel::codec::Item = [
    ///     ("placed_at".to_owned(), V::S("2026-11-30".into())),
    ///     ("number".to_owned(), V::N("42".into())),
    /// ].into();
    /// assert_eq!(e.compose(&e.keys[1], |n| item.get(n))?.as_deref(), Some("ORDER#2026-11-30#0000000042"));
    /// let bad: dynomodel::codec::Item = [("placed_at".to_owned(), V::S("a#b".into())), ("number".to_owned(), V::N("1".into()))].into();
    /// assert!(e.compose(&e.keys[1], |n| bad.get(n)).is_err()); // the delimiter
    /// # Ok::<(), Error>(())
    /// ```
    pub fn compose<'a>(
        &self,
        t: &KeyTemplate,
        value: impl Fn(&str) -> Option<&'a AttributeValue>,
    ) -> Result<Option<String>> {
        let mut out = String::new();
        let mut texts = Vec::new();
        let mut errors = ValidationErrors::default();
        let mut missing = false;
        for part in t.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Field { name, width } => match value(name) {
                    None | Some(AttributeValue::Null(_)) => missing = true,
                    Some(v) => match self.part_text(t, v, *width) {
                        Ok(text) => {
                            out.push_str(&text);
                            texts.push((*name, text));
                        }
                        Err(message) => errors.push(*name, "template", message),
                    },
                },
            }
        }
        errors.into_result()?;
        if missing {
            return Ok(None);
        }
        if out.is_empty() {
            return Err(Error::InvalidRequest(format!(
                "the key attribute `{}` ({}) would be an empty string, which DynamoDB does not allow{}",
                t.attr,
                t.text,
                texts
                    .iter()
                    .map(|(name, _)| format!(": `{name}` is empty"))
                    .collect::<String>()
            )));
        }
        // A key must read back as the values it was composed of, or two items could share it
        // (a value that ends with part of a two-character delimiter, say).
        let back = self.parse(t, &out);
        if back.as_deref() != Some(texts.as_slice()) {
            let name = back
                .iter()
                .flat_map(|b| texts.iter().zip(b).find(|(a, b)| a != b))
                .map(|(a, _)| a.0)
                .next()
                .or_else(|| texts.first().map(|(n, _)| *n))
                .unwrap_or(t.attr);
            let mut errors = ValidationErrors::default();
            errors.push(
                name,
                "template",
                format!(
                    "cannot be read back from the key `{}` = \"{}\" (\"{out}\"): with the text around it, it reads as another value; leave out the characters of the delimiter `{}`",
                    t.attr, t.text, self.delimiter
                ),
            );
            return Err(Error::Validation(errors));
        }
        Ok(Some(out))
    }

    /// The text that each field of template `t` wrote into `key`, in template order: the
    /// inverse of [`Entity::compose`]. `None` where `key` is not a key of the template. A
    /// field is read up to the first place where the text after it follows (a number of a
    /// fixed width, by its width); no value holds the delimiter, which every text between two
    /// fields holds, so there is one way to read a key.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::Order;
    /// let e = Order::ENTITY.unwrap();
    /// let back = e.parse(&e.keys[1], "ORDER#2026-11-30#0000000042").unwrap();
    /// assert_eq!(back, [("placed_at", "2026-11-30".to_owned()), ("number", "0000000042".to_owned())]);
    /// assert!(e.parse(&e.keys[1], "LINE#1").is_none());
    /// ```
    pub fn parse(&self, t: &KeyTemplate, key: &str) -> Option<Vec<(&'static str, String)>> {
        let mut rest = key;
        let mut out = Vec::new();
        let mut parts = t.parts.iter().peekable();
        while let Some(part) = parts.next() {
            match part {
                Part::Text(text) => rest = rest.strip_prefix(text)?,
                Part::Field { name, width } => {
                    let w = usize::from(*width);
                    let fixed = w > 0
                        && rest
                            .get(..w)
                            .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()));
                    let end = match parts.peek() {
                        _ if fixed => w,
                        Some(Part::Text(next)) => match parts.clone().nth(1) {
                            // The last text: it ends the key.
                            None => rest.len().checked_sub(next.len())?,
                            Some(_) => rest.find(next)?,
                        },
                        Some(Part::Field { .. }) => return None,
                        None => rest.len(),
                    };
                    out.push((*name, rest.get(..end)?.to_owned()));
                    rest = rest.get(end..)?;
                }
            }
        }
        rest.is_empty().then_some(out)
    }

    /// The fields of the table's key, as the text that `key` (a table key) holds of each: what
    /// an update composes an index key from, beside the fields it sets.
    pub(crate) fn key_texts(&self, key: &Item) -> Item {
        let mut out = Item::new();
        for t in self.keys.iter().filter(|k| k.index.is_none()) {
            if let Some(AttributeValue::S(s)) = key.get(t.attr) {
                for (name, text) in self.parse(t, s).into_iter().flatten() {
                    out.insert(name.to_owned(), AttributeValue::S(text));
                }
            }
        }
        out
    }

    /// One field's value as the template writes it.
    pub(crate) fn part_value(
        &self,
        t: &KeyTemplate,
        field: &str,
        v: &AttributeValue,
    ) -> Result<String> {
        let width = t
            .parts
            .iter()
            .find_map(|p| match p {
                Part::Field { name, width } if *name == field => Some(*width),
                _ => None,
            })
            .unwrap_or(0);
        self.part_text(t, v, width).map_err(|message| {
            let mut errors = ValidationErrors::default();
            errors.push(field, "template", message);
            Error::Validation(errors)
        })
    }

    fn part_text(
        &self,
        t: &KeyTemplate,
        v: &AttributeValue,
        width: u8,
    ) -> std::result::Result<String, String> {
        match v {
            AttributeValue::S(s) if s.contains(self.delimiter) => Err(format!(
                "contains `{}`, the delimiter of the key template `{}` = \"{}\"",
                self.delimiter, t.attr, t.text
            )),
            AttributeValue::S(s) => Ok(s.clone()),
            AttributeValue::Bool(b) => Ok(b.to_string()),
            AttributeValue::N(n) => pad(n, if width == 0 { 20 } else { width }).map_err(|why| {
                format!(
                    "is {n}: {why}, in the key template `{}` = \"{}\"",
                    t.attr, t.text
                )
            }),
            other => Err(format!(
                "is {}: only strings, numbers and booleans can be part of the key template `{}`",
                crate::codec::type_name(other),
                t.attr
            )),
        }
    }

    /// Writes the composed keys and the entity name into an item encoded from the model's
    /// fields; an index key with a field that has no value is left out (a sparse index).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::{order, Order};
    /// let item = order("c1", 7).to_item()?; // the derive's `to_item` calls it
    /// assert_eq!(item["pk"].as_s().unwrap(), "CUSTOMER#c1");
    /// assert_eq!(item["_et"].as_s().unwrap(), "order");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn write_keys(&self, item: &mut Item) -> Result<()> {
        let mut composed: Vec<(&KeyTemplate, Option<String>)> = Vec::with_capacity(self.keys.len());
        let mut errors = ValidationErrors::default();
        for t in self.keys {
            match self.compose(t, |n| item.get(n)) {
                Ok(Some(v)) => composed.push((t, Some(v))),
                Ok(None) if t.index.is_some() => composed.push((t, None)),
                Ok(None) => {
                    for f in t
                        .fields()
                        .filter(|f| matches!(item.get(*f), None | Some(AttributeValue::Null(_))))
                    {
                        errors.push(
                            f,
                            "required",
                            format!(
                                "has no value, and is part of the key `{}` = \"{}\"",
                                t.attr, t.text
                            ),
                        );
                    }
                }
                Err(Error::Validation(e)) => {
                    for e in e {
                        errors.push(e.path, e.rule, e.message);
                    }
                }
                Err(other) => return Err(other),
            }
        }
        errors.into_result()?;
        // An index's keys are whole or absent: where one of them has a field without a value,
        // the item is in none of the index.
        let absent: Vec<Option<&str>> = composed
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(t, _)| t.index)
            .collect();
        for (t, v) in composed {
            // No attribute of the item's own (an `extra` map, say) stands in for a key.
            item.remove(t.attr);
            match v {
                Some(v) if !absent.contains(&t.index) => {
                    item.insert(t.attr.to_owned(), AttributeValue::S(v));
                }
                _ => {}
            }
        }
        item.insert(
            self.attr.to_owned(),
            AttributeValue::S(self.name.to_owned()),
        );
        Ok(())
    }

    /// Refuses an item that another entity wrote (an item without the attribute, written
    /// by other code, is read as this entity).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::{customer, order, Order};
    /// let item = customer("c1").to_item()?;
    /// let err = Order::from_item(&item).unwrap_err();
    /// assert!(matches!(err, Error::WrongEntity { ref found, .. } if found == "customer"), "{err}");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn check(&self, item: &Item) -> Result<()> {
        match item.get(self.attr) {
            Some(AttributeValue::S(found)) if found == self.name => Ok(()),
            None if self.adopts_untagged => Ok(()),
            found => Err(Error::WrongEntity {
                expected: self.name.to_owned(),
                found: match found {
                    Some(AttributeValue::S(f)) => f.clone(),
                    _ => format!("item without `{}`", self.attr),
                },
                key: self.describe_key(item),
            }),
        }
    }

    /// The item's table key, as `pk=... sk=...`, for messages.
    pub(crate) fn describe_key(&self, item: &Item) -> String {
        self.keys
            .iter()
            .filter(|k| k.index.is_none())
            .map(|k| match item.get(k.attr) {
                Some(AttributeValue::S(s)) => format!("{}={s}", k.attr),
                _ => format!("{}=?", k.attr),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The table key composed from the key fields in `fields`, and the fields themselves
    /// (which an upsert writes).
    pub(crate) fn table_key(&self, fields: &Item) -> Result<Item> {
        let mut key = Item::with_capacity(2);
        for t in self.keys.iter().filter(|k| k.index.is_none()) {
            match self.compose(t, |n| fields.get(n))? {
                Some(v) => {
                    key.insert(t.attr.to_owned(), AttributeValue::S(v));
                }
                None => {
                    return Err(Error::InvalidRequest(format!(
                        "the key `{}` = \"{}\" needs {}",
                        t.attr,
                        t.text,
                        t.fields()
                            .filter(|f| fields.get(*f).is_none())
                            .map(|f| format!("`{f}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )))
                }
            }
        }
        Ok(key)
    }
}

/// A number as text of `width` digits: a whole number from 0 up.
fn pad(n: &str, width: u8) -> std::result::Result<String, &'static str> {
    let canonical = crate::codec::canonical_number(n).unwrap_or_else(|| n.to_owned());
    if canonical.starts_with('-') {
        return Err("a negative number, which cannot keep its order in a key");
    }
    if !canonical.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not a whole number");
    }
    let width = usize::from(width);
    if canonical.len() > width {
        return Err("more digits than the width of its place");
    }
    Ok(format!("{canonical:0>width$}"))
}

#[cfg(test)]
mod tests {
    use super::pad;

    #[test]
    fn numbers_are_padded_and_refused_where_order_would_break() {
        assert_eq!(pad("42", 5).unwrap(), "00042");
        assert_eq!(pad("0", 3).unwrap(), "000");
        assert_eq!(pad("1.0", 3).unwrap(), "001");
        assert!(pad("-1", 3).is_err());
        assert!(pad("1.5", 3).is_err());
        assert!(pad("1234", 3).is_err());
    }
}
