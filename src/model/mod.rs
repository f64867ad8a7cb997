//! The OneRoster 1.2 data model, declared as data (see [`catalogue`]), with the writer and
//! validator that serve every entity kind.

pub mod catalogue;
pub mod datetime;
pub mod entities;
pub mod input;
pub mod render;

pub use catalogue::{Entity, Field, Kind, Service, Ty};
