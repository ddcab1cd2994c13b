//! Values the manifest holds that have a grammar of their own, parsed once into types.
//!
//! Each type parses itself (`FromStr`, and `Deserialize` where the manifest holds it): the one
//! place its grammar lives. Validation reports a parse error at the value's line and column;
//! rendering uses the parsed value. Image references are [`crate::reference`]; secret names and
//! values are [`crate::secrets`].

pub mod duration;
pub mod path;

pub use duration::Duration;
pub use path::{PathShape, PlainPath};
