use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "pets", gsi(name = "by_owner", hash = "owner"))]
struct Pet {
    #[dynomodel(hash_key)]
    id: String,
    #[dynomodel(requird)]
    name: String,
    owner: String,
}

// The rest of the program uses the model as if the attribute were right: the typo is the
// only error.
async fn uses(db: &Db) -> Result<Vec<Pet>> {
    let _ = Pet::get(Pet::key("1")).exec(db).await?;
    Pet::update(Pet::key("1")).set(Pet::fields().name, "Rex").exec(db).await?;
    let f = Pet::fields();
    let page = Pet::query(f.owner.eq("ann")).filter(f.name.begins_with("R")).exec(db).await?;
    let mut pet = Pet { id: "2".into(), name: "Bo".into(), owner: "ann".into() };
    pet.save(db).await?;
    Ok(page.items)
}

fn main() {
    let _ = uses;
}
