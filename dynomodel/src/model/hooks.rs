//! Mongoose-style middleware: `before_save`, `after_load`, `before_delete`.
//! Layer: model.

use crate::error::Result;

use super::*;

/// Mongoose-style middleware: opt in with `#[dynomodel(hooks)]` and implement the methods
/// that you need; the others do nothing.
///
/// ```
/// use dynomodel::prelude::*;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Model, Serialize, Deserialize, Debug, Clone)]
/// #[dynomodel(table = "notes", hooks)]
/// struct Note {
///     #[dynomodel(hash_key)]
///     id: String,
///     body: String,
/// }
///
/// #[dynomodel::async_trait]
/// impl Hooks for Note {
///     async fn before_save(&mut self) -> Result<()> {
///         if self.body.contains("password") {
///             return Err(Error::InvalidRequest("notes must not hold passwords".into()));
///         }
///         Ok(())
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait Hooks: Model {
    /// Runs at save after defaults and `set` transforms, before validation.
    ///
    /// An error stops the save before anything is written.
    ///
    /// ```
    /// use dynomodel::prelude::*;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Model, Serialize, Deserialize)]
    /// #[dynomodel(table = "slugs", hooks)]
    /// struct Page {
    ///     #[dynomodel(hash_key)]
    ///     id: String,
    ///     title: String,
    ///     slug: String,
    /// }
    ///
    /// #[dynomodel::async_trait]
    /// impl Hooks for Page {
    ///     async fn before_save(&mut self) -> Result<()> {
    ///         self.slug = self.title.to_lowercase().replace(' ', "-");
    ///         Ok(())
    ///     }
    /// }
    ///
    /// # futures::executor::block_on(async {
    /// let mut p = Page { id: "1".into(), title: "Hello World".into(), slug: String::new() };
    /// dynomodel::model::prepare_save(&mut p).await?;
    /// assert_eq!(p.slug, "hello-world");
    /// # Ok::<(), Error>(()) })?;
    /// # Ok::<(), Error>(())
    /// ```
    async fn before_save(&mut self) -> Result<()> {
        Ok(())
    }
    /// Runs after an item is read and decoded.
    ///
    /// An error is returned by the read instead of the item.
    ///
    /// ```
    /// use dynomodel::prelude::*;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Model, Serialize, Deserialize)]
    /// #[dynomodel(table = "users", hooks)]
    /// struct User {
    ///     #[dynomodel(hash_key)]
    ///     id: String,
    ///     #[serde(skip)]
    ///     loaded: bool,
    /// }
    ///
    /// #[dynomodel::async_trait]
    /// impl Hooks for User {
    ///     async fn after_load(&mut self) -> Result<()> {
    ///         self.loaded = true;
    ///         Ok(())
    ///     }
    /// }
    /// ```
    async fn after_load(&mut self) -> Result<()> {
        Ok(())
    }
    /// Runs before an item is deleted.
    ///
    /// An error stops the delete before anything is sent.
    ///
    /// ```
    /// use dynomodel::prelude::*;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Model, Serialize, Deserialize)]
    /// #[dynomodel(table = "accounts", hooks)]
    /// struct Account {
    ///     #[dynomodel(hash_key)]
    ///     id: String,
    /// }
    ///
    /// #[dynomodel::async_trait]
    /// impl Hooks for Account {
    ///     async fn before_delete(key: &Key<Self>) -> Result<()> {
    ///         if key == &Account::key("root") {
    ///             return Err(Error::InvalidRequest("the root account stays".into()));
    ///         }
    ///         Ok(())
    ///     }
    /// }
    ///
    /// # futures::executor::block_on(async {
    /// assert!(Account::run_before_delete(&Account::key("root")).await.is_err());
    /// assert!(Account::run_before_delete(&Account::key("ann")).await.is_ok());
    /// # });
    /// ```
    async fn before_delete(_key: &Key<Self>) -> Result<()> {
        Ok(())
    }
}
