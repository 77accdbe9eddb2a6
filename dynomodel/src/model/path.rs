//! Attribute paths: where a value sits in an item, such as `address.city` or `scores[0]`.
//!
//! ```
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::{pet, Pet};
//! let f = Pet::fields();
//! assert_eq!(f.address.city.path().to_string(), "address.city");
//! assert_eq!(f.scores.at(0).path().to_string(), "scores[0]");
//! assert_eq!(f.meta.key("color").path().to_string(), "meta.color");
//! ```
//!
//! Layer: model (the typed handles over paths are in `expr`).

use std::fmt;

/// One step of an attribute path: an attribute (or map key) name, or a list index.
///
/// ```
/// use dynomodel::path::{Path, PathElem};
/// let p = Path::root("scores").index(1);
/// assert_eq!(p.elems(), [PathElem::Name("scores".into()), PathElem::Index(1)]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathElem {
    /// A top-level attribute, a nested document's attribute, or a map entry.
    Name(String),
    /// An element of a list.
    Index(usize),
}

/// A path to an attribute inside an item, such as `address.street` or `tags[2]`.
///
/// ```
/// use dynomodel::path::Path;
///
/// let path = Path::root("address").name("street");
/// assert_eq!(path.to_string(), "address.street");
/// assert_eq!(Path::root("tags").index(2).to_string(), "tags[2]");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Path(Vec<PathElem>);

impl Path {
    /// A top-level attribute.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(dynomodel::Path::root("age").to_string(), "age");
    /// ```
    pub fn root(name: impl Into<String>) -> Self {
        Path(vec![PathElem::Name(name.into())])
    }

    /// The attribute `name` below this one.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(dynomodel::Path::root("address").name("city").to_string(), "address.city");
    /// ```
    pub fn name(&self, name: impl Into<String>) -> Self {
        let mut p = self.clone();
        p.0.push(PathElem::Name(name.into()));
        p
    }

    /// Element `i` of the list at this path.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(dynomodel::Path::root("scores").index(0).to_string(), "scores[0]");
    /// ```
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(PathElem::Index(i));
        p
    }

    /// The steps from the top.
    ///
    /// ```
    /// use dynomodel::path::{Path, PathElem};
    /// assert_eq!(Path::root("address").name("city").elems().len(), 2);
    /// assert!(matches!(Path::root("tags").index(0).elems()[1], PathElem::Index(0)));
    /// ```
    pub fn elems(&self) -> &[PathElem] {
        &self.0
    }

    /// The path without its last step (empty for a top-level attribute).
    ///
    /// ```
    /// use dynomodel::Path;
    /// assert_eq!(Path::root("address").name("city").parent(), Path::root("address"));
    /// assert_eq!(Path::root("age").parent().to_string(), "");
    /// ```
    pub fn parent(&self) -> Path {
        let mut p = self.clone();
        p.0.pop();
        p
    }

    /// The top-level attribute name.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(dynomodel::Path::root("address").name("city").top(), Some("address"));
    /// ```
    pub fn top(&self) -> Option<&str> {
        match self.0.first() {
            Some(PathElem::Name(n)) => Some(n),
            _ => None,
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            match e {
                PathElem::Name(n) if i == 0 => f.write_str(n)?,
                PathElem::Name(n) => write!(f, ".{n}")?,
                PathElem::Index(j) => write!(f, "[{j}]")?,
            }
        }
        Ok(())
    }
}
