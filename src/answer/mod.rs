//! Answers composed from retrieved passages. The extractive answerer needs
//! no model: it picks the sentences that cover the question best and cites
//! the passage each came from.

mod extractive;
pub mod grounded;

pub use extractive::{extractive_answer, Answer, AnswerSentence};
