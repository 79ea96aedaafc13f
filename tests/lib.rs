//! Workspace-level tests: `contract.rs` runs one table of the response cases of `docs/behaviour.md` against the tower
//! and the actix adapter, so a behaviour added to one and not the other fails a test.
