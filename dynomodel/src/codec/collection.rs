//! Options, boxes, lists, maps and sets, and raw attribute values.
//! Layer: codec.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::Result;

use super::*;

/// In a list or map, `None` is written as NULL; as a model field, `None` writes nothing.
impl<T: AttrValue> AttrValue for Option<T> {
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        match self {
            Some(v) => v.to_attr(),
            None => Ok(AttributeValue::Null(true)),
        }
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        match value {
            AttributeValue::Null(_) => Ok(None),
            other => T::from_attr(other).map(Some),
        }
    }
}

impl<T: AttrValue> AttrValue for Box<T> {
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        (**self).to_attr()
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        T::from_attr(value).map(Box::new)
    }
}

impl<T: AttrValue> AttrValue for Vec<T> {
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        let mut list = Vec::with_capacity(self.len());
        for (i, v) in self.iter().enumerate() {
            list.push(v.to_attr().map_err(|e| at(e, &format!("[{i}]")))?);
        }
        Ok(AttributeValue::L(list))
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        match value {
            AttributeValue::L(list) => list
                .iter()
                .enumerate()
                .map(|(i, v)| T::from_attr(v).map_err(|e| at(e, &format!("[{i}]"))))
                .collect(),
            other => Err(expected("L (list)", other)),
        }
    }
}

pub(crate) fn map_to_attr<'a, T: AttrValue + 'a>(
    entries: impl Iterator<Item = (&'a String, &'a T)>,
    len: usize,
) -> Result<AttributeValue> {
    let mut map = HashMap::with_capacity(len);
    for (k, v) in entries {
        map.insert(k.clone(), v.to_attr().map_err(|e| at(e, k))?);
    }
    Ok(AttributeValue::M(map))
}

pub(crate) fn map_from_attr<T: AttrValue, C: FromIterator<(String, T)>>(
    value: &AttributeValue,
) -> Result<C> {
    match value {
        AttributeValue::M(map) => map
            .iter()
            .map(|(k, v)| Ok((k.clone(), T::from_attr(v).map_err(|e| at(e, k))?)))
            .collect(),
        other => Err(expected("M (map)", other)),
    }
}

/// Maps with string keys are M.
macro_rules! map_of_strings {
    ($($map:ty where [$($bounds:tt)*]),*) => {$(
        impl<$($bounds)*> AttrValue for $map {
            #[inline]
            fn to_attr(&self) -> Result<AttributeValue> {
                map_to_attr(self.iter(), self.len())
            }
            #[inline]
            fn from_attr(value: &AttributeValue) -> Result<Self> {
                map_from_attr(value)
            }
        }
    )*};
}

map_of_strings!(
    HashMap<String, T, S> where [T: AttrValue, S: BuildHasher + Default],
    BTreeMap<String, T> where [T: AttrValue]
);

/// Sets without a `string_set`/`number_set` attribute are lists (L), as serde writes them.
macro_rules! set_as_list {
    ($($set:ty where [$($bounds:tt)*]),*) => {$(
        impl<$($bounds)*> AttrValue for $set {
            #[inline]
            fn to_attr(&self) -> Result<AttributeValue> {
                let list: Result<Vec<_>> = self.iter().map(AttrValue::to_attr).collect();
                list.map(AttributeValue::L)
            }
            #[inline]
            fn from_attr(value: &AttributeValue) -> Result<Self> {
                Vec::<T>::from_attr(value).map(|v| v.into_iter().collect())
            }
        }
    )*};
}

set_as_list!(
    BTreeSet<T> where [T: AttrValue + Ord],
    HashSet<T, S> where [T: AttrValue + Eq + Hash, S: BuildHasher + Default]
);

impl AttrValue for AttributeValue {
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        Ok(self.clone())
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        Ok(value.clone())
    }
}
