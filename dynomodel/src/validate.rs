//! Validation failures, each with its attribute path and rule.

use std::fmt;

/// One rule that one value broke.
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
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// How many rules were broken.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// The failures, in field order.
    pub fn iter(&self) -> std::slice::Iter<'_, ValidationError> {
        self.errors.iter()
    }

    /// The failure at `path`, if any.
    pub fn at(&self, path: &str) -> Option<&ValidationError> {
        self.errors.iter().find(|e| e.path == path)
    }

    /// `Ok(())` where nothing was broken, else `Error::Validation(self)`.
    pub fn into_result(self) -> crate::Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(crate::Error::Validation(self))
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
