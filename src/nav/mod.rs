//! Navigation trees, as pure logic shared by server and host: the tree document and its checks
//! (`model`), planning (`graph`: shortest paths and the edge-covering walk), what an execution
//! reports (`report`), and generated trees for benchmarks. No I/O here.

pub mod generate;
pub mod graph;
pub mod model;
pub mod report;

pub use graph::{Direction, Graph, MeasuredTimes, Move, PlanError};
pub use model::{Action, Command, Edge, Node, TreeDoc, TreeError};
