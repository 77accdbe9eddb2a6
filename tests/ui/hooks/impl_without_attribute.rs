use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

// Without `#[dynomodel(hooks)]` this impl would never run: it is a compile error instead.
#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "notes")]
struct Note {
    #[dynomodel(hash_key)]
    id: String,
}

#[dynomodel::async_trait]
impl Hooks for Note {
    async fn before_save(&mut self) -> Result<()> {
        Ok(())
    }
}

fn main() {}
