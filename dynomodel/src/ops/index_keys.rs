//! Updates of a model in a shared table: the index keys composed of the fields that an
//! update sets are recomputed in the same request, and what would leave a key stale is
//! refused before sending.
//! Layer: ops.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::codec::Item;
use crate::error::{Error, Result};
use crate::expr::update::{Action, Actions};
use crate::model::{Entity, Key, Path};

/// Adds the actions that keep the keys and the entity attribute right: an index key whose
/// fields are all set is recomputed, one whose field is removed is removed (the item leaves
/// the sparse index), and an upsert writes the key fields and the entity name. A change of
/// a table key field, an index key changed in part, or a key field changed by anything but
/// `set` or `remove` is `InvalidRequest`.
pub(crate) fn update_keys<M>(
    e: &Entity,
    actions: &mut Actions<M>,
    key: &Key<M>,
    upsert: bool,
) -> Result<()> {
    let mut set = Item::new();
    let mut removed: Vec<String> = Vec::new();
    let mut other: Vec<String> = Vec::new();
    for a in &actions.actions {
        let Some(top) = a.top() else { continue };
        match a {
            Action::Set(p, v) if p.elems().len() == 1 => {
                set.insert(top.to_owned(), v.clone());
            }
            Action::Remove(p) if p.elems().len() == 1 => removed.push(top.to_owned()),
            _ => other.push(top.to_owned()),
        }
    }
    let touched = |f: &str| {
        set.contains_key(f) || removed.iter().any(|r| r == f) || other.iter().any(|o| o == f)
    };
    for t in e.keys.iter().filter(|t| t.index.is_none()) {
        if let Some(f) = t.fields().find(|f| touched(f)) {
            return Err(Error::InvalidRequest(format!(
                "`{f}` is part of the item's key {} = \"{}\": an update cannot move an item to another key (delete it and create it under the new one)",
                t.attr, t.text
            )));
        }
    }
    let mut added = Vec::new();
    for t in e.keys.iter().filter(|t| t.index.is_some()) {
        let fields: Vec<&str> = t.fields().collect();
        if !fields.iter().any(|f| touched(f)) {
            continue;
        }
        if let Some(f) = fields.iter().find(|f| other.iter().any(|o| o == *f)) {
            return Err(Error::InvalidRequest(format!(
                "`{f}` is part of the index key {} = \"{}\": change it with `set`, so that the key is recomputed",
                t.attr, t.text
            )));
        }
        if fields.iter().any(|f| removed.iter().any(|r| r == f)) {
            added.push(Action::Remove(Path::root(t.attr)));
            continue;
        }
        let missing: Vec<&&str> = fields.iter().filter(|f| !set.contains_key(**f)).collect();
        if !missing.is_empty() {
            return Err(Error::InvalidRequest(format!(
                "the update sets part of the index key {} = \"{}\" and not {}: set every field of the key, so that it can be recomputed",
                t.attr,
                t.text,
                missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
            )));
        }
        match e.compose(t, |n| set.get(n))? {
            Some(v) => added.push(Action::Set(Path::root(t.attr), AttributeValue::S(v))),
            None => added.push(Action::Remove(Path::root(t.attr))),
        }
    }
    if upsert {
        // The item may be created: an index key made of the key fields and the fields this
        // update sets is written too (on a stored item it is rewritten as it was).
        for t in e.keys.iter().filter(|t| t.index.is_some()) {
            if t.fields().any(&touched) {
                continue;
            }
            let value = |n: &str| set.get(n).or_else(|| key.fields().get(n));
            if let Some(v) = e.compose(t, value)? {
                added.push(Action::Set(Path::root(t.attr), AttributeValue::S(v)));
            }
        }
        for (name, value) in key.fields() {
            added.push(Action::Set(Path::root(name), value.clone()));
        }
        added.push(Action::Set(
            Path::root(e.attr),
            AttributeValue::S(e.name.to_owned()),
        ));
    }
    actions.actions.extend(added);
    Ok(())
}
