//! Workspace-level tests: `contract.rs` runs one table of CONTRACT.md §1 cases against the tower
//! and the actix adapter, so a behaviour added to one and not the other fails a test.
