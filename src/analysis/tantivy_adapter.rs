//! Makes [`Analyzer`] usable as a tantivy tokenizer, so the index and every
//! query use the same analysis.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::Analyzer;

#[derive(Clone)]
pub struct TantivyGerman {
    analyzer: Analyzer,
}

impl TantivyGerman {
    pub fn new(analyzer: Analyzer) -> Self {
        TantivyGerman { analyzer }
    }
}

pub struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for TantivyGerman {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = self
            .analyzer
            .analyze(text)
            .into_iter()
            .map(|t| Token {
                offset_from: t.offset_from,
                offset_to: t.offset_to,
                position: t.position,
                text: t.text,
                position_length: 1,
            })
            .collect();
        VecTokenStream { tokens, next: 0 }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}
