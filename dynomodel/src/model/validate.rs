//! The rules and transforms that `validate(...)` and `set = ...` name, and the validation
//! failures (defined in `error`, re-exported here).
//!
//! ```
//! use dynomodel::validate::{rules, transforms};
//! assert!(rules::length("", Some(1), None).is_some());
//! let mut name = String::from("  Rex ");
//! transforms::trim(&mut name);
//! assert_eq!(name, "Rex");
//! ```
//!
//! Layer: model.

pub use crate::error::{ValidationError, ValidationErrors};

/// The rules that `validate(...)` names; the derive calls them. Each returns the message of a
/// broken rule, or `None`.
///
/// ```
/// use dynomodel::validate::rules;
/// assert_eq!(rules::range(&5, Some(1), Some(10)), None);
/// assert!(rules::length("", Some(1), None).is_some());
/// ```
pub mod rules {
    use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
    use std::fmt::Display;

    /// A value with a length: characters of a string, elements of a collection.
    ///
    /// ```
    /// use dynomodel::validate::rules::Length;
    /// assert_eq!("héllo".length(), 5); // characters, not bytes
    /// assert_eq!(vec![1, 2].length(), 2);
    /// ```
    pub trait Length {
        /// The length, in characters for strings.
        ///
        /// ```
        /// use dynomodel::validate::rules::Length;
        /// assert_eq!(String::from("日本").length(), 2);
        /// ```
        fn length(&self) -> usize;
    }

    impl Length for String {
        fn length(&self) -> usize {
            self.chars().count()
        }
    }
    impl Length for str {
        fn length(&self) -> usize {
            self.chars().count()
        }
    }
    impl<T> Length for Vec<T> {
        fn length(&self) -> usize {
            self.len()
        }
    }
    impl<T, S> Length for HashSet<T, S> {
        fn length(&self) -> usize {
            self.len()
        }
    }
    impl<T> Length for BTreeSet<T> {
        fn length(&self) -> usize {
            self.len()
        }
    }
    impl<K, V, S> Length for HashMap<K, V, S> {
        fn length(&self) -> usize {
            self.len()
        }
    }
    impl<K, V> Length for BTreeMap<K, V> {
        fn length(&self) -> usize {
            self.len()
        }
    }

    /// `length(min, max)`.
    ///
    /// ```
    /// use dynomodel::validate::rules::length;
    /// assert_eq!(length("Rex", Some(1), Some(64)), None);
    /// assert_eq!(length("", Some(1), None).as_deref(), Some("length must be at least 1, is 0"));
    /// ```
    pub fn length<T: Length + ?Sized>(
        value: &T,
        min: Option<usize>,
        max: Option<usize>,
    ) -> Option<String> {
        let n = value.length();
        match (min, max) {
            (Some(min), Some(max)) if n < min || n > max => {
                Some(format!("length must be {min} to {max}, is {n}"))
            }
            (Some(min), None) if n < min => Some(format!("length must be at least {min}, is {n}")),
            (None, Some(max)) if n > max => Some(format!("length must be at most {max}, is {n}")),
            _ => None,
        }
    }

    /// `range(min, max)`, both ends included.
    ///
    /// ```
    /// use dynomodel::validate::rules::range;
    /// assert_eq!(range(&10, Some(0), Some(10)), None);
    /// assert_eq!(range(&11, Some(0), Some(10)).as_deref(), Some("must be 0 to 10, is 11"));
    /// ```
    pub fn range<T: PartialOrd + Display>(
        value: &T,
        min: Option<T>,
        max: Option<T>,
    ) -> Option<String> {
        use std::cmp::Ordering::{Greater, Less};
        // A value that does not compare with a bound (a float NaN) is outside the range.
        let below = min
            .as_ref()
            .is_some_and(|m| value.partial_cmp(m).is_none_or(|o| o == Less));
        let above = max
            .as_ref()
            .is_some_and(|m| value.partial_cmp(m).is_none_or(|o| o == Greater));
        if !below && !above {
            return None;
        }
        match (min, max) {
            (Some(min), Some(max)) => Some(format!("must be {min} to {max}, is {value}")),
            (Some(min), None) => Some(format!("must be at least {min}, is {value}")),
            (None, Some(max)) => Some(format!("must be at most {max}, is {value}")),
            (None, None) => None,
        }
    }

    /// `regex = "..."`.
    ///
    /// ```
    /// use dynomodel::validate::rules::regex;
    /// let re = regex::Regex::new("^[a-z]+$").unwrap();
    /// assert_eq!(regex("rex", &re), None);
    /// assert_eq!(regex("Rex", &re).as_deref(), Some("must match /^[a-z]+$/, is \"Rex\""));
    /// ```
    pub fn regex(value: &str, re: &regex::Regex) -> Option<String> {
        (!re.is_match(value)).then(|| format!("must match /{}/, is {value:?}", re.as_str()))
    }

    /// `one_of = [...]`.
    ///
    /// ```
    /// use dynomodel::validate::rules::one_of;
    /// assert_eq!(one_of(&"free".to_owned(), &["free", "pro"]), None);
    /// assert_eq!(one_of(&"gold".to_owned(), &["free", "pro"]).as_deref(), Some(r#"must be one of ["free", "pro"], is "gold""#));
    /// ```
    pub fn one_of<T: PartialEq<U> + std::fmt::Debug + ?Sized, U: std::fmt::Debug>(
        value: &T,
        allowed: &[U],
    ) -> Option<String> {
        (!allowed.iter().any(|a| value == a))
            .then(|| format!("must be one of {allowed:?}, is {value:?}"))
    }
}

/// The built-in `set` transforms: `set = "trim"`, `"lowercase"`, `"uppercase"`.
///
/// ```
/// let mut email = String::from("  Ann@Example.COM ");
/// dynomodel::validate::transforms::trim(&mut email);
/// dynomodel::validate::transforms::lowercase(&mut email);
/// assert_eq!(email, "ann@example.com");
/// ```
pub mod transforms {
    /// `set = "trim"`.
    ///
    /// ```
    /// let mut s = String::from("  Rex ");
    /// dynomodel::validate::transforms::trim(&mut s);
    /// assert_eq!(s, "Rex");
    /// ```
    pub fn trim(s: &mut String) {
        let t = s.trim();
        if t.len() != s.len() {
            *s = t.to_owned();
        }
    }
    /// `set = "lowercase"`.
    ///
    /// ```
    /// let mut s = String::from("ReX");
    /// dynomodel::validate::transforms::lowercase(&mut s);
    /// assert_eq!(s, "rex");
    /// ```
    pub fn lowercase(s: &mut String) {
        *s = s.to_lowercase();
    }
    /// `set = "uppercase"`.
    ///
    /// ```
    /// let mut s = String::from("ReX");
    /// dynomodel::validate::transforms::uppercase(&mut s);
    /// assert_eq!(s, "REX");
    /// ```
    pub fn uppercase(s: &mut String) {
        *s = s.to_uppercase();
    }
}
