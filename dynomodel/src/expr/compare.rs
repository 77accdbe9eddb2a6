//! The condition methods of attribute handles: comparisons, functions and sizes.
//! Layer: expr.

use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use crate::error::{Error, Result};

use super::condition::{from_result, AttrType, Cmp, Condition, Node, Subject};
use super::operand::{ElementOf, IntoField};
use crate::expr::path::{single, Attr, Path};

impl<R, T: Serialize> Attr<R, T> {
    fn operand<V: IntoField<T>>(&self, v: V) -> Result<AttributeValue> {
        // The field's `set` transform applies, as it did to the stored value.
        let value = self.transform(v.into_field())?;
        self.encode(value)?.ok_or_else(|| {
            Error::InvalidRequest(format!(
                "a condition on `{}` compares with a value that writes nothing (None or an empty set); use not_exists()",
                self.path()
            ))
        })
    }

    fn cmp<V: IntoField<T>>(&self, op: Cmp, v: V) -> Condition<R> {
        Condition::from_node(from_result(
            self.operand(v)
                .map(|v| Node::Cmp(Subject::Path(self.path().clone()), op, v)),
        ))
    }

    /// `attribute = value`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let (e, names, _) = Pet::fields().owner.eq("rachel").to_expression()?;
    /// assert_eq!((e.as_str(), names["#n0"].as_str()), ("#n0 = :v0", "owner"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn eq<V: IntoField<T>>(&self, v: V) -> Condition<R> {
        self.cmp(Cmp::Eq, v)
    }
    /// `attribute <> value`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().age.ne(3u32).to_expression()?.0, "#n0 <> :v0");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn ne<V: IntoField<T>>(&self, v: V) -> Condition<R> {
        self.cmp(Cmp::Ne, v)
    }
    /// `attribute < value`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().age.lt(3u32).to_expression()?.0, "#n0 < :v0");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn lt<V: IntoField<T>>(&self, v: V) -> Condition<R> {
        self.cmp(Cmp::Lt, v)
    }
    /// `attribute <= value`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().age.le(3u32).to_expression()?.0, "#n0 <= :v0");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn le<V: IntoField<T>>(&self, v: V) -> Condition<R> {
        self.cmp(Cmp::Le, v)
    }
    /// `attribute > value`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().age.gt(3u32).to_expression()?.0, "#n0 > :v0");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn gt<V: IntoField<T>>(&self, v: V) -> Condition<R> {
        self.cmp(Cmp::Gt, v)
    }
    /// `attribute >= value`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().age.ge(3u32).to_expression()?.0, "#n0 >= :v0");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn ge<V: IntoField<T>>(&self, v: V) -> Condition<R> {
        self.cmp(Cmp::Ge, v)
    }

    /// `attribute BETWEEN low AND high` (both included).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().age.between(1u32, 3u32).to_expression()?.0, "#n0 BETWEEN :v0 AND :v1");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn between<V: IntoField<T>>(&self, low: V, high: V) -> Condition<R> {
        let node = self.operand(low).and_then(|lo| {
            Ok(Node::Between(
                Subject::Path(self.path().clone()),
                lo,
                self.operand(high)?,
            ))
        });
        Condition::from_node(from_result(node))
    }

    /// `attribute IN (values...)`: 1 to 100 values.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().owner.is_in(["a", "b"]).to_expression()?.0, "#n0 IN (:v0, :v1)");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn is_in<V: IntoField<T>>(&self, values: impl IntoIterator<Item = V>) -> Condition<R> {
        let node = values
            .into_iter()
            .map(|v| self.operand(v))
            .collect::<Result<Vec<_>>>()
            .map(|vs| Node::In(self.path().clone(), vs));
        Condition::from_node(from_result(node))
    }

    /// `begins_with(attribute, prefix)`, for strings and binary.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().name.begins_with("B").to_expression()?.0, "begins_with(#n0, :v0)");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn begins_with<V: IntoField<T>>(&self, prefix: V) -> Condition<R> {
        Condition::from_node(from_result(
            self.operand(prefix)
                .map(|v| Node::BeginsWith(self.path().clone(), v)),
        ))
    }

    /// `contains(attribute, element)`: a substring of a string, an element of a set or list.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().tags.contains("shy").to_expression()?.0, "contains(#n0, :v0)");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn contains<E: ElementOf<T>>(&self, element: E) -> Condition<R> {
        Condition::from_node(from_result(
            self.element_operand(element)
                .map(|v| Node::Contains(self.path().clone(), v)),
        ))
    }

    /// An element of this list or set, written as the field writes its elements: through
    /// the field's codec on a container of one.
    fn element_operand<E: ElementOf<T>>(&self, element: E) -> Result<AttributeValue> {
        match element.into_container() {
            Ok(c) => {
                let c = self.transform(c)?;
                self.encode(c)?.and_then(single).ok_or_else(|| {
                    Error::InvalidRequest(format!(
                        "the element for `{}` does not write as one element",
                        self.path()
                    ))
                })
            }
            Err(v) => v,
        }
    }

    /// `NOT contains(attribute, element)`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().tags.not_contains("shy").to_expression()?.0, "(NOT contains(#n0, :v0))");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn not_contains<E: ElementOf<T>>(&self, element: E) -> Condition<R> {
        !self.contains(element)
    }

    /// The attribute is stored.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().address.exists().to_expression()?.0, "attribute_exists(#n0)");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn exists(&self) -> Condition<R> {
        Condition::from_node(Node::Exists(self.path().clone()))
    }

    /// The attribute is not stored.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().address.not_exists().to_expression()?.0, "attribute_not_exists(#n0)");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn not_exists(&self) -> Condition<R> {
        Condition::from_node(Node::NotExists(self.path().clone()))
    }

    /// `attribute_type(attribute, type)`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// use dynomodel::condition::AttrType;
    /// assert_eq!(Pet::fields().tags.attribute_type(AttrType::Ss).to_expression()?.0, "attribute_type(#n0, :v0)");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn attribute_type(&self, t: AttrType) -> Condition<R> {
        Condition::from_node(Node::Type(self.path().clone(), t))
    }

    /// Compares this attribute with another attribute of the same type.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// use dynomodel::condition::Cmp;
    /// let f = Pet::fields();
    /// assert_eq!(f.name.cmp_attr(Cmp::Ne, &f.owner).to_expression()?.0, "#n0 <> #n1");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn cmp_attr(&self, op: Cmp, other: &Attr<R, T>) -> Condition<R> {
        Condition::from_node(Node::CmpPaths(
            self.path().clone(),
            op,
            other.path().clone(),
        ))
    }

    /// `size(attribute)`: the length of a string, binary, set, list or map.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().tags.size().gt(2).to_expression()?.0, "size(#n0) > :v0");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn size(&self) -> Size<R> {
        Size {
            path: self.path().clone(),
            _model: PhantomData,
        }
    }
}

/// `size(attribute)`, compared with numbers: the length of a string or binary, or the
/// number of elements of a list, map or set.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let c = Pet::fields().scores.size().between(1, 10);
/// assert_eq!(c.to_expression()?.0, "size(#n0) BETWEEN :v0 AND :v1");
/// # Ok::<(), Error>(())
/// ```
pub struct Size<R> {
    path: Path,
    _model: PhantomData<fn() -> R>,
}

impl<R> Size<R> {
    fn cmp(&self, op: Cmp, n: usize) -> Condition<R> {
        Condition::from_node(Node::Cmp(
            Subject::Size(self.path.clone()),
            op,
            AttributeValue::N(n.to_string()),
        ))
    }
    /// `size(attribute) = n`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().tags.size().eq(2).to_expression()?.0, "size(#n0) = :v0");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn eq(&self, n: usize) -> Condition<R> {
        self.cmp(Cmp::Eq, n)
    }
    /// `size(attribute) <> n`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().tags.size().ne(2).to_expression()?.0, "size(#n0) <> :v0");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn ne(&self, n: usize) -> Condition<R> {
        self.cmp(Cmp::Ne, n)
    }
    /// `size(attribute) < n`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().name.size().lt(64).to_expression()?.0, "size(#n0) < :v0");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn lt(&self, n: usize) -> Condition<R> {
        self.cmp(Cmp::Lt, n)
    }
    /// `size(attribute) <= n`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().name.size().le(64).to_expression()?.0, "size(#n0) <= :v0");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn le(&self, n: usize) -> Condition<R> {
        self.cmp(Cmp::Le, n)
    }
    /// `size(attribute) > n`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().scores.size().gt(0).to_expression()?.0, "size(#n0) > :v0");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn gt(&self, n: usize) -> Condition<R> {
        self.cmp(Cmp::Gt, n)
    }
    /// `size(attribute) >= n`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().scores.size().ge(1).to_expression()?.0, "size(#n0) >= :v0");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn ge(&self, n: usize) -> Condition<R> {
        self.cmp(Cmp::Ge, n)
    }
    /// `size(attribute) BETWEEN low AND high`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().name.size().between(1, 64).to_expression()?.0, "size(#n0) BETWEEN :v0 AND :v1");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn between(&self, low: usize, high: usize) -> Condition<R> {
        Condition::from_node(Node::Between(
            Subject::Size(self.path.clone()),
            AttributeValue::N(low.to_string()),
            AttributeValue::N(high.to_string()),
        ))
    }
}
