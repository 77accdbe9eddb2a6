//! [`UpdateActions`]: the typed actions that every update builder (`update`, upserts,
//! transactions) takes, each collected into [`Actions`].
//! Layer: expr.

use serde::Serialize;

use super::{Action, Actions};
use crate::expr::condition::IntoField;
use crate::expr::operand::{Addable, ListOf, Numeric};
use crate::expr::path::Attr;

/// The typed update actions that [`crate::ops::Update`] and transactions share. The
/// prelude imports it, so its methods are at hand on every update.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let f = Pet::fields();
/// let r = Pet::update(Pet::key("1"))
///     .set(&f.name, "Rex")
///     .append(&f.scores, vec![10u32])
///     .set(f.meta.key("color"), "brown".to_owned())
///     .remove(&f.address)
///     .to_request()?;
/// assert_eq!(
///     r.update.as_deref(),
///     Some("SET #n0 = :v0, #n1 = list_append(if_not_exists(#n1, :v1), :v2), #n2.#n3 = :v3 ADD #n5 :v4 REMOVE #n4")
/// );
/// # Ok::<(), Error>(())
/// ```
pub trait UpdateActions<M>: Sized {
    #[doc(hidden)]
    fn actions_mut(&mut self) -> &mut Actions<M>;

    /// `SET attribute = value`, after the field's `set` transform and validation. A value that
    /// writes nothing (`None`, an empty set) removes the attribute.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).set(Pet::fields().name, " Rex ").to_request()?;
    /// assert_eq!(r.values[":v0"], aws_sdk_dynamodb::types::AttributeValue::S("Rex".into()), "trimmed");
    /// # Ok::<(), Error>(())
    /// ```
    fn set<T: Serialize, V: IntoField<T>>(
        mut self,
        field: impl AsRef<Attr<M, T>>,
        value: V,
    ) -> Self {
        self.actions_mut().set(field.as_ref(), value);
        self
    }

    /// `SET attribute = if_not_exists(attribute, value)`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).set_if_not_exists(Pet::fields().age, 1u32).to_request()?;
    /// assert!(r.update.unwrap().starts_with("SET #n0 = if_not_exists(#n0, :v0)"));
    /// # Ok::<(), Error>(())
    /// ```
    fn set_if_not_exists<T: Serialize, V: IntoField<T>>(
        mut self,
        field: impl AsRef<Attr<M, T>>,
        value: V,
    ) -> Self {
        self.actions_mut().with_value(
            field.as_ref(),
            value,
            "set_if_not_exists",
            Action::SetIfNotExists,
        );
        self
    }

    /// `ADD attribute value`: adds to a number (a missing number counts as 0) or adds the
    /// elements of a set.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).add(Pet::fields().age, 1u32).to_request()?;
    /// assert!(r.update.unwrap().starts_with("ADD #n0 :v0"));
    /// # Ok::<(), Error>(())
    /// ```
    fn add<T: Serialize + Addable, V: IntoField<T>>(
        mut self,
        field: impl AsRef<Attr<M, T>>,
        value: V,
    ) -> Self {
        self.actions_mut()
            .number(field.as_ref(), value, false, T::type_range());
        self
    }

    /// `SET attribute = attribute - value`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).subtract(Pet::fields().age, 1u32).to_request()?;
    /// assert!(r.update.unwrap().starts_with("SET #n0 = #n0 - :v0"));
    /// # Ok::<(), Error>(())
    /// ```
    fn subtract<T: Serialize + Numeric, V: IntoField<T>>(
        mut self,
        field: impl AsRef<Attr<M, T>>,
        value: V,
    ) -> Self {
        self.actions_mut()
            .number(field.as_ref(), value, true, T::type_range());
        self
    }

    /// Appends elements to a list (a missing list counts as empty).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).append(Pet::fields().scores, [7, 8]).to_request()?;
    /// assert!(r.update.unwrap().contains("list_append(if_not_exists(#n0, :v0), :v1)"));
    /// # Ok::<(), Error>(())
    /// ```
    fn append<E, L: ListOf<E> + Serialize>(
        mut self,
        field: impl AsRef<Attr<M, L>>,
        items: impl IntoIterator<Item = E>,
    ) -> Self {
        let items = items.into_iter().collect();
        self.actions_mut()
            .list(field.as_ref(), items, Action::Append);
        self
    }

    /// Prepends elements to a list (a missing list counts as empty).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).prepend(Pet::fields().scores, [0]).to_request()?;
    /// assert!(r.update.unwrap().contains("list_append(:v1, if_not_exists(#n0, :v0))"));
    /// # Ok::<(), Error>(())
    /// ```
    fn prepend<E, L: ListOf<E> + Serialize>(
        mut self,
        field: impl AsRef<Attr<M, L>>,
        items: impl IntoIterator<Item = E>,
    ) -> Self {
        let items = items.into_iter().collect();
        self.actions_mut()
            .list(field.as_ref(), items, Action::Prepend);
        self
    }

    /// `DELETE attribute elements`: removes elements from a set.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let shy = std::collections::BTreeSet::from(["shy".to_owned()]);
    /// let r = Pet::update(Pet::key("1")).delete(Pet::fields().tags, shy).to_request()?;
    /// assert!(r.update.unwrap().contains("DELETE #n0 :v0"));
    /// # Ok::<(), Error>(())
    /// ```
    fn delete<T: Serialize + Addable, V: IntoField<T>>(
        mut self,
        field: impl AsRef<Attr<M, T>>,
        elements: V,
    ) -> Self {
        self.actions_mut()
            .with_value(field.as_ref(), elements, "delete", Action::Delete);
        self
    }

    /// `REMOVE attribute`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).remove(Pet::fields().address).to_request()?;
    /// assert!(r.update.unwrap().contains("REMOVE #n0"));
    /// # Ok::<(), Error>(())
    /// ```
    fn remove<T>(mut self, field: impl AsRef<Attr<M, T>>) -> Self {
        self.actions_mut().remove(field.as_ref());
        self
    }
}
