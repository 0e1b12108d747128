//! The retention sweep on the embedded store: the shared contract, on a database of
//! its own (the sweep sweeps everything).

use satark_embedded::{FileVault, LocalKeys, Store};

#[tokio::test]
async fn the_sweep_applies_every_lifetime() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("db.sqlite3")).expect("store");
    let vault = FileVault::new(dir.path().join("evidence"), LocalKeys::random().0, store.clone());
    satark_contract::retention(&store, &vault).await;
}
