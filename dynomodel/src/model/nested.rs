//! The rules of nested documents: in options, lists and maps.
//! Layer: model.

use std::collections::{BTreeMap, HashMap};

use crate::error::ValidationErrors;

use super::*;

/// The nested-document rules of a field type: documents, and options, lists and maps of
/// them. The derive reaches it through [`crate::__private::Rules`], which does nothing for
/// other types.
#[doc(hidden)]
pub trait Nested {
    /// See [`Document::apply_defaults`].
    fn nested_defaults(&mut self);
    /// See [`Document::apply_set_transforms`].
    fn nested_set(&mut self);
    /// See [`Document::validate_at`].
    fn nested_validate(&self, path: &str, errors: &mut ValidationErrors);
}

impl<D: Document> Nested for D {
    fn nested_defaults(&mut self) {
        self.apply_defaults()
    }
    fn nested_set(&mut self) {
        self.apply_set_transforms()
    }
    fn nested_validate(&self, path: &str, errors: &mut ValidationErrors) {
        self.validate_at(path, errors)
    }
}

impl<D: Document> Nested for Vec<D> {
    fn nested_defaults(&mut self) {
        self.iter_mut().for_each(D::apply_defaults)
    }
    fn nested_set(&mut self) {
        self.iter_mut().for_each(D::apply_set_transforms)
    }
    fn nested_validate(&self, path: &str, errors: &mut ValidationErrors) {
        for (i, d) in self.iter().enumerate() {
            d.validate_at(&format!("{path}[{i}]"), errors)
        }
    }
}

macro_rules! nested_maps {
    ($($map:ident),*) => {$(
        impl<D: Document> Nested for $map<String, D> {
            fn nested_defaults(&mut self) {
                self.values_mut().for_each(D::apply_defaults)
            }
            fn nested_set(&mut self) {
                self.values_mut().for_each(D::apply_set_transforms)
            }
            fn nested_validate(&self, path: &str, errors: &mut ValidationErrors) {
                for (k, d) in self {
                    d.validate_at(&format!("{path}.{k}"), errors)
                }
            }
        }
    )*};
}
nested_maps!(HashMap, BTreeMap);

impl<D: Document> Nested for Option<D> {
    fn nested_defaults(&mut self) {
        if let Some(d) = self {
            d.apply_defaults()
        }
    }
    fn nested_set(&mut self) {
        if let Some(d) = self {
            d.apply_set_transforms()
        }
    }
    fn nested_validate(&self, path: &str, errors: &mut ValidationErrors) {
        if let Some(d) = self {
            d.validate_at(path, errors)
        }
    }
}
