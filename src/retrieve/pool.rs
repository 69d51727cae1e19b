//! One pass over the lexical matches keeps the best chunks of each kind
//! apart, so the hits, the municipality's own rules and the example
//! passage all come from a single query.
//!
//! A kind filter inside the query (a MUST or MUST NOT clause) would cost a
//! full pass per filter; here every filter is a choice among the kept lists.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, ColumnIndex};
use tantivy::schema::Field;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader, Term};

use crate::index::schema::KIND_CODE;
use crate::ingest::DocKind;

/// The best `limit` matches of every kind, best first.
#[derive(Debug, Default)]
pub struct PerKind {
    lists: [Vec<(Score, DocAddress)>; 3],
}

impl PerKind {
    /// The best `limit` matches of the kinds `allowed` lets through, best first.
    pub fn best(
        &self,
        allowed: impl Fn(DocKind) -> bool,
        limit: usize,
    ) -> Vec<(Score, DocAddress)> {
        let mut merged: Vec<(Score, DocAddress)> = DocKind::ALL
            .into_iter()
            .filter(|&k| allowed(k))
            .flat_map(|k| self.lists[k.code() as usize].iter().copied())
            .collect();
        merged.sort_by(better_first);
        merged.truncate(limit);
        merged
    }
}

/// Order of matches: higher score first, then lower address (stable ranks).
fn better_first(a: &(Score, DocAddress), b: &(Score, DocAddress)) -> Ordering {
    b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1))
}

/// Collects the best `limit` matches per kind.
pub struct TopPerKind {
    pub limit: usize,
    /// The indexed `kind` field (which kinds a segment holds at all).
    pub kind_field: Field,
}

impl Collector for TopPerKind {
    type Fruit = PerKind;
    type Child = SegmentTop;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTop> {
        let postings = reader.inverted_index(self.kind_field)?;
        let mut present = [false; 3];
        for kind in DocKind::ALL {
            let term = Term::from_field_text(self.kind_field, kind.as_str());
            present[kind.code() as usize] = postings.doc_freq(&term)? > 0;
        }
        Ok(SegmentTop {
            segment,
            present,
            kinds: reader.fast_fields().u64(KIND_CODE)?,
            limit: self.limit,
            heaps: Default::default(),
            floor: Score::NEG_INFINITY,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<PerKind>) -> tantivy::Result<PerKind> {
        let mut all = PerKind::default();
        for fruit in fruits {
            for (list, part) in all.lists.iter_mut().zip(fruit.lists) {
                list.extend(part);
            }
        }
        for list in &mut all.lists {
            list.sort_by(better_first);
            list.truncate(self.limit);
        }
        Ok(all)
    }
}

/// A match in a heap whose top is the worst kept match.
#[derive(Clone, Copy)]
struct Kept {
    score: Score,
    doc: DocId,
}

impl Ord for Kept {
    fn cmp(&self, other: &Self) -> Ordering {
        // "Greater" is worse: lower score, or the same score further back.
        other
            .score
            .total_cmp(&self.score)
            .then_with(|| self.doc.cmp(&other.doc))
    }
}

impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Kept {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Kept {}

pub struct SegmentTop {
    segment: SegmentOrdinal,
    /// Kinds with chunks in this segment: only their lists set the floor.
    present: [bool; 3],
    kinds: Column<u64>,
    limit: usize,
    heaps: [BinaryHeap<Kept>; 3],
    /// The lowest score any list still takes, once all are full.
    floor: Score,
}

impl SegmentCollector for SegmentTop {
    type Fruit = PerKind;

    fn collect(&mut self, doc: DocId, score: Score) {
        // Most matches of a large index beat no list: skip them before
        // looking up their kind.
        if score < self.floor {
            return;
        }
        let code = match self.kinds.index {
            ColumnIndex::Full => Some(self.kinds.values.get_val(doc)),
            _ => self.kinds.first(doc),
        };
        let kind = code
            .and_then(DocKind::from_code)
            .unwrap_or(DocKind::Kommunal);
        let heap = &mut self.heaps[kind.code() as usize];
        let kept = Kept { score, doc };
        if heap.len() < self.limit {
            heap.push(kept);
        } else if heap.peek().is_some_and(|worst| kept < *worst) {
            heap.pop();
            heap.push(kept);
        } else {
            return;
        }
        let lists = || {
            self.heaps
                .iter()
                .zip(self.present)
                .filter(|(_, present)| *present)
                .map(|(h, _)| h)
        };
        if lists().all(|h| h.len() >= self.limit) {
            self.floor = lists()
                .filter_map(|h| h.peek().map(|k| k.score))
                .fold(Score::INFINITY, Score::min);
        }
    }

    fn harvest(self) -> PerKind {
        let segment = self.segment;
        PerKind {
            lists: self.heaps.map(|heap| {
                heap.into_sorted_vec()
                    .into_iter()
                    .map(|k| (k.score, DocAddress::new(segment, k.doc)))
                    .collect()
            }),
        }
    }
}
