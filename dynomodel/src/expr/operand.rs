//! Operand typing: which Rust values a field's conditions and updates take.
//! Layer: expr.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use crate::error::{Error, Result};

/// A value that can stand for a field of type `T` in a condition or an update: a `T`, the
/// `T` of an `Option<T>` field, or a `&str` for a `String`.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let f = Pet::fields();
/// let by_str = f.name.eq("Rex"); // &str for a String field
/// let by_value = f.name.eq(String::from("Rex"));
/// assert_eq!(by_str.to_expression()?, by_value.to_expression()?);
/// // An Option<Address> field takes a plain Address for Some(address).
/// let home = dynomodel::doc_support::Address { street: "Main St".into(), city: "Oslo".into() };
/// let _ = f.address.eq(home);
/// # Ok::<(), Error>(())
/// ```
pub trait IntoField<T> {
    /// The value as the field's type.
    ///
    /// ```
    /// use dynomodel::condition::IntoField;
    /// let v: Option<String> = "Rex".into_field();
    /// assert_eq!(v.as_deref(), Some("Rex"));
    /// ```
    fn into_field(self) -> T;
}

impl<T> IntoField<T> for T {
    fn into_field(self) -> T {
        self
    }
}

impl<T> IntoField<Option<T>> for T {
    fn into_field(self) -> Option<T> {
        Some(self)
    }
}

impl IntoField<String> for &str {
    fn into_field(self) -> String {
        self.to_owned()
    }
}

impl IntoField<Option<String>> for &str {
    fn into_field(self) -> Option<String> {
        Some(self.to_owned())
    }
}

/// A value that can be an element of a collection field of type `C`, for `contains`: an
/// element of a list or set, or a substring of a string.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let f = Pet::fields();
/// let _ = f.tags.contains("shy"); // BTreeSet<String>
/// let _ = f.scores.contains(10u32); // Vec<u32>
/// let _ = f.name.contains("ex"); // a substring
/// ```
pub trait ElementOf<C> {
    /// The element as an attribute value.
    ///
    /// ```
    /// use dynomodel::condition::ElementOf;
    /// use aws_sdk_dynamodb::types::AttributeValue;
    /// let v = ElementOf::<Vec<u32>>::into_element(7u32).unwrap();
    /// assert_eq!(v, AttributeValue::N("7".into()));
    /// ```
    fn into_element(self) -> Result<AttributeValue>;

    /// The element in a container of its own, so that the field's codec writes it as it
    /// writes the field's elements (a byte string in a binary set as B, say).
    /// Where there is no such container (a substring of a string), the element as an
    /// attribute value.
    #[doc(hidden)]
    fn into_container(self) -> std::result::Result<C, Result<AttributeValue>>
    where
        Self: Sized,
    {
        Err(self.into_element())
    }
}

pub(crate) fn serde_value<T: Serialize + ?Sized>(v: &T) -> Result<AttributeValue> {
    serde_dynamo::to_attribute_value(v).map_err(|e| Error::Encode {
        path: String::new(),
        message: e.to_string(),
    })
}

use std::collections::{BTreeSet, HashSet};
use std::hash::{BuildHasher, Hash};

impl<E: Serialize> ElementOf<Vec<E>> for E {
    fn into_element(self) -> Result<AttributeValue> {
        serde_value(&self)
    }
    fn into_container(self) -> std::result::Result<Vec<E>, Result<AttributeValue>> {
        Ok(vec![self])
    }
}

impl<E: Serialize + Ord> ElementOf<BTreeSet<E>> for E {
    fn into_element(self) -> Result<AttributeValue> {
        serde_value(&self)
    }
    fn into_container(self) -> std::result::Result<BTreeSet<E>, Result<AttributeValue>> {
        Ok(BTreeSet::from([self]))
    }
}

impl<E: Serialize + Eq + Hash, S: BuildHasher + Default> ElementOf<HashSet<E, S>> for E {
    fn into_element(self) -> Result<AttributeValue> {
        serde_value(&self)
    }
    fn into_container(self) -> std::result::Result<HashSet<E, S>, Result<AttributeValue>> {
        let mut set = HashSet::with_hasher(S::default());
        set.insert(self);
        Ok(set)
    }
}

impl ElementOf<Vec<String>> for &str {
    fn into_element(self) -> Result<AttributeValue> {
        Ok(AttributeValue::S(self.to_owned()))
    }
    fn into_container(self) -> std::result::Result<Vec<String>, Result<AttributeValue>> {
        Ok(vec![self.to_owned()])
    }
}

impl ElementOf<BTreeSet<String>> for &str {
    fn into_element(self) -> Result<AttributeValue> {
        Ok(AttributeValue::S(self.to_owned()))
    }
    fn into_container(self) -> std::result::Result<BTreeSet<String>, Result<AttributeValue>> {
        Ok(BTreeSet::from([self.to_owned()]))
    }
}

impl<S: BuildHasher + Default> ElementOf<HashSet<String, S>> for &str {
    fn into_element(self) -> Result<AttributeValue> {
        Ok(AttributeValue::S(self.to_owned()))
    }
    fn into_container(self) -> std::result::Result<HashSet<String, S>, Result<AttributeValue>> {
        let mut set = HashSet::with_hasher(S::default());
        set.insert(self.to_owned());
        Ok(set)
    }
}

impl ElementOf<String> for &str {
    fn into_element(self) -> Result<AttributeValue> {
        Ok(AttributeValue::S(self.to_owned()))
    }
}

impl ElementOf<String> for String {
    fn into_element(self) -> Result<AttributeValue> {
        Ok(AttributeValue::S(self))
    }
}

impl<C, X: ElementOf<C>> ElementOf<Option<C>> for X {
    fn into_element(self) -> Result<AttributeValue> {
        self.into_element()
    }
    fn into_container(self) -> std::result::Result<Option<C>, Result<AttributeValue>> {
        ElementOf::<C>::into_container(self).map(Some)
    }
}

/// A number or a set: what `add` takes. Adding to a field of another type is a compile
/// error.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let f = Pet::fields();
/// let r = Pet::update(Pet::key("1"))
///     .add(&f.age, 1u32) // a number
///     .add(&f.tags, std::collections::BTreeSet::from(["shy".to_owned()])) // a set
///     .to_request()?;
/// assert!(r.update.unwrap().starts_with("ADD #n0 :v0, #n1 :v1"));
/// # Ok::<(), Error>(())
/// ```
///
/// ```compile_fail
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let _ = Pet::update(Pet::key("1")).add(&Pet::fields().name, "x".to_owned());
/// ```
pub trait Addable {
    /// The smallest and largest value of the type, as number text, where DynamoDB's
    /// numbers go beyond them: an `add` must keep the stored result within them.
    ///
    /// ```
    /// use dynomodel::update::Addable;
    /// assert_eq!(<i8 as Addable>::type_range(), Some(("-128".into(), "127".into())));
    /// ```
    fn type_range() -> Option<(String, String)> {
        None
    }
}
/// The range of a number type, as number text.
macro_rules! ranged {
    ($tr:ident: $($t:ty),*) => {$(
        impl $tr for $t {
            fn type_range() -> Option<(String, String)> {
                Some((<$t>::MIN.to_string(), <$t>::MAX.to_string()))
            }
        }
    )*};
}
ranged!(Addable: i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32);
impl Addable for f64 {}
impl<T> Addable for BTreeSet<T> {}
impl<T, S> Addable for HashSet<T, S> {}
impl<T: Addable> Addable for Option<T> {
    fn type_range() -> Option<(String, String)> {
        T::type_range()
    }
}

/// A list field: what `append` and `prepend` take, a `Vec` or an `Option<Vec>` (a missing
/// list is an empty one).
///
/// ```
/// # use dynomodel::prelude::*;
/// use dynomodel::update::ListOf;
/// let items: Option<Vec<u32>> = ListOf::from_items(vec![1, 2]);
/// assert_eq!(items, Some(vec![1, 2]));
/// ```
pub trait ListOf<E> {
    /// The list of these items.
    ///
    /// ```
    /// use dynomodel::update::ListOf;
    /// assert_eq!(<Vec<u8> as ListOf<u8>>::from_items(vec![7]), vec![7]);
    /// ```
    fn from_items(items: Vec<E>) -> Self;
}

impl<E> ListOf<E> for Vec<E> {
    fn from_items(items: Vec<E>) -> Self {
        items
    }
}

impl<E> ListOf<E> for Option<Vec<E>> {
    fn from_items(items: Vec<E>) -> Self {
        Some(items)
    }
}

/// A number: what `subtract` takes.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let r = Pet::update(Pet::key("1")).subtract(&Pet::fields().age, 1u32).to_request()?;
/// assert!(r.update.unwrap().starts_with("SET #n0 = #n0 - :v0"));
/// # Ok::<(), Error>(())
/// ```
pub trait Numeric {
    /// The smallest and largest value of the type, as number text: a `subtract` must keep
    /// the stored result within them.
    ///
    /// ```
    /// use dynomodel::update::Numeric;
    /// assert_eq!(<u8 as Numeric>::type_range(), Some(("0".into(), "255".into())));
    /// ```
    fn type_range() -> Option<(String, String)> {
        None
    }
}
ranged!(Numeric: i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32);
impl Numeric for f64 {}
impl<T: Numeric> Numeric for Option<T> {
    fn type_range() -> Option<(String, String)> {
        T::type_range()
    }
}
