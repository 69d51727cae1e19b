//! Judging one draft topic by topic: which sentences fulfil a topic's
//! features (merkmale), which contradict it (widerspruch rules), which only
//! mention it (bezug), and the resulting [`Verdict`].
//!
//! The rule is fixed and explainable: a contradiction outranks everything;
//! otherwise `abgedeckt` when the required features are present, `teilweise`
//! when the topic is touched at all, else `fehlt`.

use serde::Serialize;

use super::catalogue::{Catalogue, ConflictRule, Requirement, Topic};
use super::lexicon::Hit;
use super::modality::{self, Modality};
use super::stance::{Stance, StanceSet};
use super::tokens::{Token, Tokenizer};
use super::units::{LeadKind, Unit};

/// The judgement of one topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Abgedeckt,
    Teilweise,
    Fehlt,
    Widerspruechlich,
}

impl Verdict {
    pub const ALL: [Verdict; 4] = [
        Verdict::Abgedeckt,
        Verdict::Teilweise,
        Verdict::Fehlt,
        Verdict::Widerspruechlich,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Abgedeckt => "abgedeckt",
            Verdict::Teilweise => "teilweise",
            Verdict::Fehlt => "fehlt",
            Verdict::Widerspruechlich => "widerspruechlich",
        }
    }

    /// The German label for people ("widersprüchlich").
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Abgedeckt => "abgedeckt",
            Verdict::Teilweise => "teilweise",
            Verdict::Fehlt => "fehlt",
            Verdict::Widerspruechlich => "widersprüchlich",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        let s = s.trim().to_lowercase().replace('ü', "ue");
        Verdict::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// What a sentence is evidence of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Role {
    /// It contradicts the guideline (rule name).
    Conflict(String),
    /// It fulfils a feature (name, description).
    Feature(String, String),
    /// It only mentions the topic.
    Mention,
}

/// A unit analysed once for all topics.
pub(crate) struct Analysed {
    pub hits: Vec<Vec<Hit>>,
    pub stance: Stance,
    /// Tokens of the clause that carries the stance ([`Modality::focus`]).
    pub focus: std::ops::Range<usize>,
    /// [`Modality::outer_position`] of the unit's own tokens.
    pub outer_position: Vec<usize>,
    /// The sentence holds a pronoun that points back (`rueckverweis`).
    pub refers_back: bool,
}

/// Analyses every unit: concept hits (with the lead's) and stance.
pub(crate) fn analyse_units(
    units: &[Unit],
    catalogue: &Catalogue,
    tokenizer: &mut Tokenizer,
) -> Vec<Analysed> {
    units
        .iter()
        .map(|u| analyse_unit(u, catalogue, tokenizer))
        .collect()
}

fn analyse_text(
    text: &str,
    catalogue: &Catalogue,
    tokenizer: &mut Tokenizer,
) -> (Vec<Vec<Hit>>, Modality, bool) {
    let text = super::units::without_numbering(text);
    let tokens = tokenizer.tokenize(text, &catalogue.grammar);
    let modality = modality::analyze(&tokens, text, &catalogue.grammar);
    let hits = catalogue
        .lexicon
        .match_tokens(&tokens, text, &modality.negated);
    let refers_back = (0..tokens.len()).any(|i| points_back(&tokens, i, catalogue));
    (hits, modality, refers_back)
}

/// True if token `i` is a pronoun of `rueckverweis`. A capitalised "Sie"
/// is the polite address, unless it opens the sentence before a verb in
/// the third person singular ("Sie wird jährlich überprüft").
fn points_back(tokens: &[Token], i: usize, catalogue: &Catalogue) -> bool {
    let t = &tokens[i];
    if t.joined || !catalogue.grammar.back_references.contains(&t.folded) {
        return false;
    }
    if t.text != "Sie" {
        return true;
    }
    let verb = tokens.get(i + 1).map_or("", |n| n.folded.as_str());
    i == 0
        && (matches!(verb, "wird" | "soll" | "muss" | "kann" | "darf")
            || (verb.ends_with('t') && !verb.ends_with("en")))
}

fn analyse_unit(unit: &Unit, catalogue: &Catalogue, tokenizer: &mut Tokenizer) -> Analysed {
    let (mut hits, own, refers_back) = analyse_text(&unit.text, catalogue, tokenizer);
    if unit.is_heading {
        return Analysed {
            hits,
            stance: Stance::Fest,
            focus: own.focus,
            outer_position: own.outer_position,
            refers_back,
        };
    }
    let Some(lead) = &unit.lead else {
        return Analysed {
            hits,
            stance: own.stance,
            focus: own.focus,
            outer_position: own.outer_position,
            refers_back,
        };
    };
    let (lead_hits, lead_mod, _) = analyse_text(&lead.text, catalogue, tokenizer);
    for (mine, theirs) in hits.iter_mut().zip(lead_hits) {
        mine.extend(theirs.into_iter().map(|mut h| {
            h.tokens.clear();
            h
        }));
    }
    let stance = match lead.kind {
        LeadKind::Question => answer_stance(&unit.text, &lead_mod, &own, catalogue),
        LeadKind::ListIntro | LeadKind::Cell
            if !own.marked && own.stance != Stance::Frage && lead_mod.marked =>
        {
            // "Zulässig: nur anonymisierte Fallbeschreibungen" restricts.
            match lead_mod.statement {
                Stance::Erlaubt if own.restricted => Stance::Eingeschraenkt,
                s => s,
            }
        }
        _ => own.stance,
    };
    Analysed {
        hits,
        stance,
        focus: own.focus,
        outer_position: own.outer_position,
        refers_back,
    }
}

/// "Darf ich …? Nein." forbids; "Ja." affirms; "Nur wenn …" restricts.
fn answer_stance(
    answer: &str,
    question: &Modality,
    own: &Modality,
    catalogue: &Catalogue,
) -> Stance {
    let first = answer
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
        .map(crate::analysis::fold_word)
        .unwrap_or_default();
    let is = |list: &[Vec<String>]| list.iter().any(|p| p.len() == 1 && p[0] == first);
    if is(&catalogue.grammar.answer_no) {
        question.statement.negate()
    } else if is(&catalogue.grammar.answer_yes) {
        question.statement
    } else if is(&catalogue.grammar.restrictions) {
        Stance::Eingeschraenkt
    } else {
        own.stance
    }
}

fn present(hits: &[Vec<Hit>], req: &Requirement) -> bool {
    let mut cues: Vec<usize> = hits[req.concept]
        .iter()
        .filter(|h| !h.negated)
        .map(|h| h.cue)
        .collect();
    cues.sort_unstable();
    cues.dedup();
    cues.len() >= req.distinct
}

fn negated(hits: &[Vec<Hit>], concept: usize) -> bool {
    hits[concept].iter().any(|h| h.negated)
}

fn mentioned(hits: &[Vec<Hit>], concept: usize) -> bool {
    hits[concept].iter().any(|h| !h.negated)
}

fn matches(
    hits: &[Vec<Hit>],
    stance: Stance,
    when: &[Requirement],
    without: &[usize],
    stances: StanceSet,
) -> bool {
    (!when.is_empty() || !without.is_empty())
        && stances.contains(stance)
        && when.iter().all(|r| present(hits, r))
        && without.iter().all(|&c| negated(hits, c))
}

fn conflicts(rule: &ConflictRule, a: &Analysed) -> bool {
    matches(&a.hits, a.stance, &rule.when, &rule.without, rule.stances)
        && !rule.unless.iter().any(|&c| mentioned(&a.hits, c))
        && close_together(&a.hits, &rule.when, &a.outer_position)
}

/// "Nr. 5 Ergebnisse … Bei Übersetzungen ist eine Prüfung nicht
/// erforderlich": an exemption names the duty it lifts and leaves its object
/// to the context, so a sentence that is `freigestellt` also counts the
/// concepts of its section heading. Other stances name what they allow or
/// forbid, and a heading must not complete them. The duty must stand in the
/// clause that lifts it: in "Die Beschäftigten prüfen die Texte, sind aber
/// nicht verpflichtet, Quellen anzugeben" the check is not what is lifted.
fn elliptic_conflict(rule: &ConflictRule, a: &Analysed, heading: Option<&[Vec<Hit>]>) -> bool {
    let Some(heading) = heading else {
        return false;
    };
    // The sentence must name the lifted duty itself, in the clause that lifts it.
    let in_focus = |r: &Requirement| {
        a.hits[r.concept].iter().any(|h| {
            !h.negated && (h.tokens.is_empty() || h.tokens.iter().all(|t| a.focus.contains(t)))
        })
    };
    if a.stance != Stance::Freigestellt || !rule.when.iter().any(in_focus) {
        return false;
    }
    let merged: Vec<Vec<Hit>> = a
        .hits
        .iter()
        .zip(heading)
        .map(|(own, head)| {
            own.iter()
                .cloned()
                .chain(head.iter().cloned().map(|mut h| {
                    h.tokens.clear();
                    h
                }))
                .collect()
        })
        .collect();
    let with_context = Analysed {
        hits: merged,
        stance: a.stance,
        focus: a.focus.clone(),
        outer_position: a.outer_position.clone(),
        refers_back: a.refers_back,
    };
    conflicts(rule, &with_context)
}

/// Largest distance (in tokens outside subordinate clauses) between the
/// concepts of a contradiction, so that run-on sentences (a whole list
/// joined into one) do not combine words from different items, while a
/// relative clause between subject and verb does not part them.
const CONFLICT_SPAN: usize = 25;

/// True if some hit of the first required concept has a hit of every other
/// one within [`CONFLICT_SPAN`]. Hits from a lead (no token positions) are
/// near everything.
fn close_together(hits: &[Vec<Hit>], when: &[Requirement], outer_position: &[usize]) -> bool {
    let distance = |t: usize, u: usize| match (outer_position.get(t), outer_position.get(u)) {
        (Some(a), Some(b)) => a.abs_diff(*b),
        _ => t.abs_diff(u),
    };
    let Some((first, rest)) = when.split_first() else {
        return true;
    };
    let near = |anchor: &Hit, concept: usize| {
        hits[concept].iter().filter(|h| !h.negated).any(|h| {
            h.tokens.is_empty()
                || anchor.tokens.is_empty()
                || h.tokens.iter().any(|&t| {
                    anchor
                        .tokens
                        .iter()
                        .any(|&u| distance(t, u) <= CONFLICT_SPAN)
                })
        })
    };
    hits[first.concept]
        .iter()
        .filter(|h| !h.negated)
        .any(|anchor| rest.iter().all(|r| near(anchor, r.concept)))
}

/// The outcome for one topic: verdict, evidence (unit index and role) and
/// the descriptions of required features that were not found.
pub(crate) struct Judgement {
    pub verdict: Verdict,
    pub evidence: Vec<(usize, Role)>,
    pub missing: Vec<String>,
}

/// Most evidence sentences kept per topic and role.
const MAX_EVIDENCE: usize = 3;

/// Judges one topic over all analysed units.
pub(crate) fn judge(topic: &Topic, units: &[Unit], analysed: &[Analysed]) -> Judgement {
    let conflicting: Vec<(usize, Role)> = analysed
        .iter()
        .enumerate()
        .filter(|(i, _)| !units[*i].is_heading)
        .filter_map(|(i, a)| {
            let heading = units[i].heading.map(|h| &analysed[h].hits[..]);
            topic
                .conflicts
                .iter()
                .find(|r| conflicts(r, a) || elliptic_conflict(r, a, heading))
                .map(|r| (i, Role::Conflict(r.name.clone())))
        })
        .collect();
    let found = features_found(topic, units, analysed);
    let satisfied = topic
        .required
        .iter()
        .filter(|n| found.iter().any(|(_, name, _)| name == *n))
        .count();
    let verdict = if !conflicting.is_empty() {
        Verdict::Widerspruechlich
    } else if satisfied >= topic.minimum {
        Verdict::Abgedeckt
    } else if !found.is_empty() || mentions(topic, analysed).next().is_some() {
        Verdict::Teilweise
    } else {
        Verdict::Fehlt
    };
    let missing = if verdict == Verdict::Abgedeckt {
        Vec::new()
    } else {
        missing_features(topic, &found)
    };
    let evidence = select_evidence(topic, analysed, conflicting, &found, verdict);
    Judgement {
        verdict,
        evidence,
        missing,
    }
}

/// Descriptions of the required features that were not found.
fn missing_features(topic: &Topic, found: &[(usize, String, String)]) -> Vec<String> {
    topic
        .required
        .iter()
        .filter(|n| !found.iter().any(|(_, name, _)| name == *n))
        .filter_map(|n| topic.features.iter().find(|f| &f.name == n))
        .map(|f| {
            if f.beschreibung.is_empty() {
                f.name.clone()
            } else {
                f.beschreibung.clone()
            }
        })
        .collect()
}

/// Contradictions first, then one sentence per feature found (not one
/// already quoted as a contradiction), then (for a mere mention) the
/// mentioning sentences.
fn select_evidence(
    topic: &Topic,
    analysed: &[Analysed],
    mut evidence: Vec<(usize, Role)>,
    found: &[(usize, String, String)],
    verdict: Verdict,
) -> Vec<(usize, Role)> {
    evidence.truncate(MAX_EVIDENCE);
    let mut seen: Vec<&str> = Vec::new();
    for (i, name, desc) in found {
        // A sentence quoted as a contradiction is no evidence of coverage.
        if evidence
            .iter()
            .any(|(j, role)| j == i && matches!(role, Role::Conflict(_)))
        {
            continue;
        }
        if !seen.contains(&name.as_str()) && evidence.len() < 2 * MAX_EVIDENCE {
            seen.push(name);
            evidence.push((*i, Role::Feature(name.clone(), desc.clone())));
        }
    }
    if verdict == Verdict::Teilweise && found.is_empty() {
        evidence.extend(
            mentions(topic, analysed)
                .take(2)
                .map(|i| (i, Role::Mention)),
        );
    }
    evidence.sort_by_key(|(i, r)| (!matches!(r, Role::Conflict(_)), *i));
    evidence.dedup_by_key(|(i, _)| *i);
    evidence
}

/// Units fulfilling a feature: (unit, feature name, description), in order.
fn features_found(
    topic: &Topic,
    units: &[Unit],
    analysed: &[Analysed],
) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    for (i, a) in analysed
        .iter()
        .enumerate()
        .filter(|(i, _)| !units[*i].is_heading)
    {
        for f in &topic.features {
            let excluded = f.unless.iter().any(|&c| mentioned(&a.hits, c));
            let hit = !excluded && matches(&a.hits, a.stance, &f.when, &f.without, f.stances)
                || !excluded
                    && (f.context
                        && units[i].heading.is_some_and(|h| {
                            with_heading(&a.hits, &analysed[h].hits, a.stance, f)
                        }))
                || !excluded && f.previous && with_previous(units, analysed, i, f);
            if hit {
                out.push((i, f.name.clone(), f.beschreibung.clone()));
            }
        }
    }
    out
}

/// "Diese Verfügung gilt ab dem 1. Mai 2026. Sie wird spätestens zwölf
/// Monate danach überprüft": a sentence that points back with a pronoun
/// takes the concepts of the sentence before it in the same paragraph. The
/// first concept of the feature must stand in the sentence itself, so
/// that the earlier sentence only supplies what the pronoun stands for.
fn with_previous(
    units: &[Unit],
    analysed: &[Analysed],
    i: usize,
    f: &super::catalogue::Feature,
) -> bool {
    let a = &analysed[i];
    let Some(prev) = i.checked_sub(1) else {
        return false;
    };
    let own_first = f.when.first().is_some_and(|r| present(&a.hits, r));
    if !a.refers_back
        || !own_first
        || units[prev].is_heading
        || units[prev].paragraph != units[i].paragraph
    {
        return false;
    }
    with_heading(&a.hits, &analysed[prev].hits, a.stance, f)
}

fn with_heading(
    own: &[Vec<Hit>],
    heading: &[Vec<Hit>],
    stance: Stance,
    f: &super::catalogue::Feature,
) -> bool {
    let merged: Vec<Vec<Hit>> = own
        .iter()
        .zip(heading)
        .map(|(a, b)| a.iter().chain(b).cloned().collect())
        .collect();
    matches(&merged, stance, &f.when, &f.without, f.stances)
}

fn mentions<'a>(topic: &'a Topic, analysed: &'a [Analysed]) -> impl Iterator<Item = usize> + 'a {
    analysed
        .iter()
        .enumerate()
        .filter(move |(_, a)| topic.bezug.iter().any(|&c| mentioned(&a.hits, c)))
        .map(|(i, _)| i)
}
