//! Validation failures, each with its attribute path and rule.
//!
//! ```
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::{pet, Pet};
//! let mut p = pet("1", "");
//! p.age = 500;
//! let Err(Error::Validation(errors)) = p.validate() else { panic!() };
//! assert_eq!(errors.len(), 2);
//! assert_eq!(
//!     errors.to_string(),
//!     "validation failed: `name` (length): length must be 1 to 64, is 0; `age` (range): must be at most 100, is 500"
//! );
//! ```
//!
//! Layer: error.

use std::fmt;

/// One rule that one value broke.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let mut p = pet("1", "Rex");
/// p.age = 101;
/// let Err(Error::Validation(errors)) = p.validate() else { panic!("age 101 is out of range") };
/// let e = errors.iter().next().unwrap();
/// assert_eq!((e.path.as_str(), e.rule.as_str()), ("age", "range"));
/// assert_eq!(e.to_string(), "`age` (range): must be at most 100, is 101");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The attribute path, such as `name`, `address.street` or `tags[2]`.
    pub path: String,
    /// The rule, such as `length`, `range`, `regex`, `one_of`, `required` or a custom name.
    pub rule: String,
    /// What the rule asks for and what the value was.
    pub message: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` ({}): {}", self.path, self.rule, self.message)
    }
}

/// Every rule that a document broke, in field order.
///
/// ```
/// use dynomodel::validate::{ValidationError, ValidationErrors};
///
/// let mut errors = ValidationErrors::default();
/// errors.push("address.street", "length", "must have at least 1 character, has 0");
/// assert_eq!(errors.len(), 1);
/// assert_eq!(errors.iter().next().unwrap().path, "address.street");
/// assert_eq!(
///     errors.to_string(),
///     "validation failed: `address.street` (length): must have at least 1 character, has 0"
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors {
    errors: Vec<ValidationError>,
}

impl ValidationErrors {
    /// Records that the value at `path` broke `rule`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let mut e = dynomodel::ValidationErrors::default();
    /// e.push("tags[2]", "length", "must have at most 10 characters");
    /// assert_eq!(e.to_string(), "validation failed: `tags[2]` (length): must have at most 10 characters");
    /// ```
    pub fn push(
        &mut self,
        path: impl Into<String>,
        rule: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.errors.push(ValidationError {
            path: path.into(),
            rule: rule.into(),
            message: message.into(),
        });
    }

    /// Whether no rule was broken.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert!(dynomodel::ValidationErrors::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// How many rules were broken.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let mut e = dynomodel::ValidationErrors::default();
    /// e.push("age", "range", "must be at most 100, is 101");
    /// assert_eq!(e.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// The failures, in field order.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let mut e = dynomodel::ValidationErrors::default();
    /// e.push("age", "range", "must be at most 100, is 101");
    /// assert_eq!(e.iter().map(|e| e.rule.as_str()).collect::<Vec<_>>(), ["range"]);
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, ValidationError> {
        self.errors.iter()
    }

    /// The failure at `path`, if any.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let mut e = dynomodel::ValidationErrors::default();
    /// e.push("address.street", "length", "must have at least 1 character");
    /// assert!(e.at("address.street").is_some());
    /// ```
    pub fn at(&self, path: &str) -> Option<&ValidationError> {
        self.errors.iter().find(|e| e.path == path)
    }

    /// `Ok(())` where nothing was broken, else `Error::Validation(self)`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert!(dynomodel::ValidationErrors::default().into_result().is_ok());
    /// ```
    pub fn into_result(self) -> super::Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(super::Error::Validation(self))
        }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("validation failed: ")?;
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl<'a> IntoIterator for &'a ValidationErrors {
    type Item = &'a ValidationError;
    type IntoIter = std::slice::Iter<'a, ValidationError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl IntoIterator for ValidationErrors {
    type Item = ValidationError;
    type IntoIter = std::vec::IntoIter<ValidationError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}
