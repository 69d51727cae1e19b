//! German modality and negation: the [`Stance`] of one sentence.
//!
//! The sentence is cut into clause segments at punctuation. Subordinate
//! clauses ("wenn …", "die …", "solange …") are conditions or descriptions:
//! their verbs and negations do not change what the main clause allows, so
//! "dürfen nicht eingegeben werden, solange die Anwendung nicht freigegeben
//! ist" stays a prohibition. A `zu` infinitive clause ("Es ist nicht
//! gestattet, Daten einzugeben") carries the content. The main clause gives
//! the modal class (erlaubnis, verbot, pflicht, gebot, freistellung,
//! empfehlung); a negation word before or in the modal segment flips it once
//! ("nicht entbehrlich" is geboten); verbs of omission ("entfallen",
//! "verzichten") turn the stance towards the omitted action ("kann
//! entfallen" is freigestellt); "nur" makes a permission restricted.
//! Everything after "ohne" up to its noun is marked negated, so "ohne
//! Prüfung" does not count as a mention of checking.

use std::ops::Range;

use crate::analysis::RawTokenKind;

use super::grammar::{contains, find_phrases, phrase_at, Grammar};
use super::stance::Stance;
use super::tokens::Token;

/// The result for one sentence.
#[derive(Debug, Clone)]
pub(crate) struct Modality {
    /// The stance; `Frage` for a question.
    pub stance: Stance,
    /// The stance a question would have as a statement ("Darf ich …?" → erlaubt).
    pub statement: Stance,
    /// True if the main clause has a modal word or a negation.
    pub marked: bool,
    /// True if a clause that is no condition holds "nur", "ausschließlich" …
    pub restricted: bool,
    /// Tokens of the clause that carries the modal word, with an infinitive
    /// after it and a subject before an inserted clause; the whole sentence
    /// when there is no modal word.
    pub focus: Range<usize>,
    /// Tokens in the scope of "ohne".
    pub negated: Vec<bool>,
    /// Per token: how many tokens before it lie outside subordinate clauses.
    /// The difference of two entries is their distance with relative and
    /// other inserted clauses left out.
    pub outer_position: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SegKind {
    Main,
    Sub,
    Infinitive,
}

#[derive(Debug, Clone)]
struct Segment {
    range: Range<usize>,
    kind: SegKind,
    /// Starts with "dass".
    that: bool,
    /// A `zu` infinitive that completes "ist"/"sind" of an earlier segment
    /// ("… ist auf Richtigkeit, Vollständigkeit und Ton zu prüfen").
    duty: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Prohibition,
    Exemption,
    Need,
    Directive,
    Permission,
    Recommendation,
}

/// Analyses one sentence.
pub(crate) fn analyze(tokens: &[Token], text: &str, g: &Grammar) -> Modality {
    let segments = segments(tokens, g);
    let (statement, marked) = clause_stance(tokens, &segments, g);
    let statement = refine_by_that_clause(statement, tokens, &segments, g);
    let question = text
        .trim_end()
        .trim_end_matches(['"', '“', '”', '»', '«', '*'])
        .ends_with('?')
        && !statement_before_colon(text);
    // "Ob ein Hinweis unter eine E-Mail gehört, klären wir noch" leaves the
    // matter open, as a question does.
    let undecided = contains(&g.undecided, tokens, 0..tokens.len());
    Modality {
        stance: if question || undecided {
            Stance::Frage
        } else {
            statement
        },
        statement,
        marked,
        restricted: segments
            .iter()
            .filter(|s| s.kind != SegKind::Sub)
            .any(|s| contains(&g.restrictions, tokens, s.range.clone())),
        focus: focus(tokens, &segments, g),
        negated: without_scope(tokens, g),
        outer_position: outer_positions(tokens.len(), &segments),
    }
}

/// "Ergebnisse sind vor der Verwendung zu prüfen: Stimmen die Fakten?"
/// states a rule and lists the questions of the check after the colon;
/// "Frage: Darf ich …?" is a question.
fn statement_before_colon(text: &str) -> bool {
    text.split_once(": ")
        .is_some_and(|(head, _)| head.split_whitespace().count() > 3)
}

/// See [`Modality::outer_position`].
fn outer_positions(len: usize, segments: &[Segment]) -> Vec<usize> {
    let mut sub = vec![false; len];
    for s in segments.iter().filter(|s| s.kind == SegKind::Sub) {
        for t in s.range.clone() {
            sub[t] = true;
        }
    }
    let mut count = 0;
    sub.iter()
        .map(|&inside| {
            let here = count;
            count += usize::from(!inside);
            here
        })
        .collect()
}

/// See [`Modality::focus`]: "Eine Prüfung ist, soweit …, nicht
/// erforderlich" spans the whole sentence; "Die Beschäftigten prüfen die
/// Texte, sind aber nicht verpflichtet, Quellen anzugeben" only its second
/// half.
fn focus(tokens: &[Token], segments: &[Segment], g: &Grammar) -> Range<usize> {
    let main = main_segments(segments);
    let Some(m) = main
        .iter()
        .filter_map(|&s| modal_class(tokens, &segments[s], s == main[0], g).map(|c| (c, s)))
        .min()
        .map(|(_, s)| s)
    else {
        return 0..tokens.len();
    };
    let mut first = m;
    while first > 0 && segments[first - 1].kind == SegKind::Sub {
        first -= 1;
    }
    if first < m && first > 0 && segments[first - 1].kind == SegKind::Main {
        first -= 1;
    }
    let mut last = m;
    while segments
        .get(last + 1)
        .is_some_and(|s| s.kind == SegKind::Infinitive || s.duty)
    {
        last += 1;
    }
    segments[first].range.start..segments[last].range.end
}

fn word_indices(tokens: &[Token], range: Range<usize>) -> Vec<usize> {
    range
        .filter(|&i| !tokens[i].joined && tokens[i].kind != RawTokenKind::Number)
        .collect()
}

fn segments(tokens: &[Token], g: &Grammar) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut start = 0;
    for i in 1..=tokens.len() {
        if i == tokens.len() || tokens[i].seg != tokens[start].seg {
            let index = out.len();
            out.push(classify(tokens, start..i, index, g));
            start = i;
        }
    }
    mark_verb_first_condition(tokens, &mut out, g);
    mark_split_duties(tokens, &mut out, g);
    out
}

/// Finite verbs that open a main clause after a fronted condition ("…,
/// dürfen die Daten eingegeben werden").
const FINITE_AUX: &[&str] = &[
    "darf",
    "durfen",
    "kann",
    "konnen",
    "muss",
    "mussen",
    "soll",
    "sollen",
    "sollte",
    "sollten",
    "ist",
    "sind",
    "wird",
    "werden",
    "bleibt",
    "bleiben",
    "hat",
    "haben",
    "gilt",
    "gelten",
    "genugt",
    "genugen",
    "reicht",
    "reichen",
    "entfallt",
    "entfallen",
    "unterbleibt",
    // "Sitzen Sie im Homeoffice …, spricht nichts dagegen, …"
    "spricht",
    "sprechen",
    "steht",
    "stehen",
    "geht",
    "gehen",
    "kommt",
    "kommen",
    "braucht",
    "brauchen",
];

/// Verbs that often open a condition without "wenn" ("Liegt eine
/// Einwilligung vor, …", "Besteht Zweifel, …").
const CONDITION_VERBS: &[&str] = &[
    "liegt",
    "liegen",
    "besteht",
    "bestehen",
    "gibt",
    "fehlt",
    "fehlen",
    "handelt",
    "geht",
    "lasst",
    "gelingt",
    "erscheint",
    "steht",
    "stehen",
    "betrifft",
    "enthalt",
    "enthalten",
];

/// Words that follow the verb of a verb-first condition ("Liegt eine …").
const CONDITION_SUBJECTS: &[&str] = &[
    "ein", "eine", "einer", "der", "die", "das", "es", "kein", "keine", "sie", "er", "dies",
    "diese", "dieser",
];

/// "Ist eine Anonymisierung nicht möglich, dürfen die Daten trotzdem …": a
/// first clause that starts with its finite verb and is followed by a
/// clause that starts with one is a condition (German verb-first
/// conditional), so its modal words and negations do not count.
fn mark_verb_first_condition(tokens: &[Token], segments: &mut [Segment], g: &Grammar) {
    let [first, next, ..] = segments else {
        return;
    };
    if first.kind != SegKind::Main {
        return;
    }
    let words = word_indices(tokens, first.range.clone());
    let (Some(&verb), Some(&after)) = (words.first(), words.get(1)) else {
        return;
    };
    let v = tokens[verb].folded.as_str();
    let verb_first = tokens[verb].capital
        && (FINITE_AUX.contains(&v)
            || CONDITION_VERBS.contains(&v)
            || (CONDITION_SUBJECTS.contains(&tokens[after].folded.as_str())
                && (v.ends_with('t') || v.ends_with("en"))
                && !g.prepositions.contains(v)
                && !g.relatives.contains(v)));
    let next_words = word_indices(tokens, next.range.clone());
    let mut rest = next_words
        .iter()
        .map(|&i| tokens[i].folded.as_str())
        .skip_while(|w| matches!(*w, "so" | "dann"));
    let main_follows =
        next.kind == SegKind::Main && rest.next().is_some_and(|w| FINITE_AUX.contains(&w));
    if verb_first && main_follows {
        segments[0].kind = SegKind::Sub;
    }
}

/// An infinitive segment after a main segment that holds "ist"/"sind" but
/// no modal word belongs to that main clause: together they state a duty.
fn mark_split_duties(tokens: &[Token], segments: &mut [Segment], g: &Grammar) {
    let modal_lists = [
        &g.permissions,
        &g.prohibitions,
        &g.needs,
        &g.directives,
        &g.exemptions,
        &g.recommendations,
    ];
    let mut open_aux = false;
    for seg in segments.iter_mut() {
        match seg.kind {
            SegKind::Main => {
                let r = seg.range.clone();
                let has_aux = r.clone().any(|i| g.aux_zu.contains(&tokens[i].folded));
                let modal = modal_lists.iter().any(|l| contains(l, tokens, r.clone()));
                let complete = ends_in_zu_infinitive(tokens, &word_indices(tokens, r));
                open_aux = (open_aux || has_aux) && !modal && !complete;
            }
            SegKind::Infinitive if open_aux => {
                seg.kind = SegKind::Main;
                seg.duty = true;
                open_aux = false;
            }
            _ => {}
        }
    }
}

fn classify(tokens: &[Token], range: Range<usize>, index: usize, g: &Grammar) -> Segment {
    let words = word_indices(tokens, range.clone());
    let first = words
        .first()
        .map(|&i| tokens[i].folded.as_str())
        .unwrap_or("");
    let second = words
        .get(1)
        .map(|&i| tokens[i].folded.as_str())
        .unwrap_or("");
    let subordinator = words.first().is_some_and(|&i| {
        g.subordinators
            .iter()
            .any(|p| phrase_at(p, tokens, i, range.end).is_some())
    });
    // A capitalised "Das" after a colon or dash opens a main clause
    // ("Kundenservice – Das geht nicht"); relative pronouns are lower case.
    let capital_first = words.first().is_some_and(|&i| tokens[i].capital);
    let relative = index > 0
        && ((g.relatives.contains(first) && !capital_first)
            || (g.prepositions.contains(first)
                && (g.relatives.contains(second) || second.starts_with("welch"))));
    let kind = if subordinator || relative {
        SegKind::Sub
    } else if ends_in_zu_infinitive(tokens, &words)
        && !words.iter().any(|&i| g.aux_zu.contains(&tokens[i].folded))
    {
        SegKind::Infinitive
    } else {
        SegKind::Main
    };
    Segment {
        range,
        kind,
        that: first == "dass",
        duty: false,
    }
}

fn ends_in_zu_infinitive(tokens: &[Token], words: &[usize]) -> bool {
    let Some(&last) = words.last() else {
        return false;
    };
    let before_is_zu = words.len() >= 2 && tokens[words[words.len() - 2]].folded == "zu";
    (before_is_zu && tokens[last].folded.ends_with('n')) || tokens[last].zu_infix
}

/// Indices of the segments that count as main clause.
fn main_segments(segments: &[Segment]) -> Vec<usize> {
    let main: Vec<usize> = (0..segments.len())
        .filter(|&i| segments[i].kind == SegKind::Main)
        .collect();
    if !main.is_empty() {
        return main;
    }
    let not_sub: Vec<usize> = (0..segments.len())
        .filter(|&i| segments[i].kind != SegKind::Sub)
        .collect();
    if !not_sub.is_empty() {
        return not_sub;
    }
    (0..segments.len()).collect()
}

/// The stance of the main clause and whether it had any modal word or negation.
fn clause_stance(tokens: &[Token], segments: &[Segment], g: &Grammar) -> (Stance, bool) {
    let main = main_segments(segments);
    let marker = main
        .iter()
        .filter_map(|&s| modal_class(tokens, &segments[s], s == main[0], g).map(|c| (c, s)))
        .min();
    // Negation and "nur" count up to the modal segment, not in appositions after it.
    let upto = marker.map_or(usize::MAX, |(_, s)| s);
    let before: Vec<usize> = main.into_iter().filter(|&s| s <= upto).collect();
    let negated = before
        .iter()
        .any(|&s| has_negation(tokens, segments[s].range.clone(), g));
    let restricted = before
        .iter()
        .any(|&s| contains(&g.restrictions, tokens, segments[s].range.clone()));
    let mut class = marker.map(|(c, _)| c);
    // "Ergebnisse sollten in jedem Fall geprüft werden": the recommendation
    // admits no exception, so it binds.
    if class == Some(Class::Recommendation)
        && before
            .iter()
            .any(|&s| contains(&g.intensifiers, tokens, segments[s].range.clone()))
    {
        class = Some(Class::Directive);
    }
    let stance = base_stance(class, negated, restricted);
    let stance = if omitted(tokens, segments, g) {
        // "Die Pflicht zur Kennzeichnung entfällt": the duty itself lapses.
        let duty_noun = class == Some(Class::Need)
            && tokens
                .iter()
                .any(|t| t.capital && t.folded.ends_with("pflicht"));
        if duty_noun {
            Stance::Freigestellt
        } else {
            stance.of_omission()
        }
    } else {
        stance
    };
    (stance, marker.is_some() || negated)
}

fn base_stance(class: Option<Class>, negated: bool, restricted: bool) -> Stance {
    match class {
        Some(Class::Prohibition) => flip(Stance::Verboten, negated),
        Some(Class::Exemption) => flip(Stance::Freigestellt, negated),
        Some(Class::Need) => flip(Stance::Geboten, negated),
        Some(Class::Directive | Class::Permission) if negated => Stance::Verboten,
        Some(Class::Directive | Class::Permission) if restricted => Stance::Eingeschraenkt,
        Some(Class::Directive) => Stance::Geboten,
        Some(Class::Permission) => Stance::Erlaubt,
        Some(Class::Recommendation) => Stance::Empfohlen,
        None => flip(Stance::Fest, negated),
    }
}

/// True if the sentence speaks of omitting the action: a verb of omission
/// ("entfallen", "verzichten") or a negated infinitive clause, but not both.
fn omitted(tokens: &[Token], segments: &[Segment], g: &Grammar) -> bool {
    let content = segments.iter().filter(|s| s.kind != SegKind::Sub);
    let verb = content
        .clone()
        .any(|s| contains(&g.omissions, tokens, s.range.clone()));
    let negated_infinitive = content
        .into_iter()
        .any(|s| s.kind == SegKind::Infinitive && has_negation(tokens, s.range.clone(), g));
    verb ^ negated_infinitive
}

fn flip(s: Stance, negated: bool) -> Stance {
    if negated {
        s.negate()
    } else {
        s
    }
}

/// "Es ist darauf zu achten, dass keine Daten eingegeben werden": a plain
/// duty or statement whose `dass` clause forbids takes that clause's stance.
fn refine_by_that_clause(
    stance: Stance,
    tokens: &[Token],
    segments: &[Segment],
    g: &Grammar,
) -> Stance {
    if !matches!(stance, Stance::Geboten | Stance::Fest) {
        return stance;
    }
    for (i, seg) in segments.iter().enumerate() {
        if !seg.that {
            continue;
        }
        let mut inner: Vec<Segment> = segments[i..]
            .iter()
            .take_while(|s| s.kind != SegKind::Main || s.that)
            .cloned()
            .collect();
        for s in &mut inner {
            s.kind = SegKind::Main;
        }
        let (inner_stance, marked) = clause_stance(tokens, &inner[..1], g);
        if marked && matches!(inner_stance, Stance::Verboten | Stance::Verneint) {
            return Stance::Verboten;
        }
    }
    stance
}

/// The strongest modal class in a main segment. `first` marks the first
/// main segment, where an imperative ("Prüfen Sie …") may stand.
fn modal_class(tokens: &[Token], seg: &Segment, first: bool, g: &Grammar) -> Option<Class> {
    let r = seg.range.clone();
    let words = word_indices(tokens, r.clone());
    let has = |list| contains(list, tokens, r.clone());
    let zu_duty = seg.duty
        || (ends_in_zu_infinitive(tokens, &words)
            && words.iter().any(|&i| g.aux_zu.contains(&tokens[i].folded)));
    let imperative = first && is_imperative(tokens, &words, g);
    if has(&g.prohibitions) {
        Some(Class::Prohibition)
    } else if has(&g.exemptions) {
        Some(Class::Exemption)
    } else if has(&g.needs) {
        Some(Class::Need)
    } else if (imperative || zu_duty || has(&g.directives)) && !has(&g.recommendations) {
        Some(Class::Directive)
    } else if has(&g.permissions) {
        Some(Class::Permission)
    } else if has(&g.recommendations) {
        Some(Class::Recommendation)
    } else {
        None
    }
}

/// Verb followed by "Sie" at the start of the clause ("Geben Sie …").
fn is_imperative(tokens: &[Token], words: &[usize], g: &Grammar) -> bool {
    let mut w = words.iter().copied().skip_while(|&i| {
        g.directives
            .iter()
            .any(|p| p.len() == 1 && p[0] == tokens[i].folded)
    });
    let (Some(verb), Some(pronoun)) = (w.next(), w.next()) else {
        return false;
    };
    let v = tokens[verb].folded.as_str();
    tokens[pronoun].text == "Sie"
        && !g.aux_zu.contains(v)
        && !g
            .permissions
            .iter()
            .chain(&g.needs)
            .chain(&g.subordinators)
            .any(|p| p.len() == 1 && p[0] == v)
        && !matches!(
            v,
            "werden"
                | "wurden"
                | "sind"
                | "waren"
                | "haben"
                | "hatten"
                | "sollen"
                | "sollten"
                | "mochten"
                | "wollen"
                | "hier"
                | "dort"
                | "dann"
                | "so"
        )
}

fn has_negation(tokens: &[Token], range: Range<usize>, g: &Grammar) -> bool {
    let exceptions: Vec<usize> = find_phrases(&g.not_negations, tokens, range.clone())
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    find_phrases(&g.negations, tokens, range)
        .into_iter()
        .any(|(s, _)| {
            !exceptions.contains(&s) && !attributive(tokens, s, g) && !contrastive(tokens, s)
        })
}

/// "Nicht die Anwendung, sondern die Person trägt die Verantwortung": the
/// negation swaps the subject, the statement itself stands.
fn contrastive(tokens: &[Token], i: usize) -> bool {
    tokens[i].folded == "nicht"
        && tokens.get(i + 1).is_some_and(|t| {
            matches!(
                t.folded.as_str(),
                "der"
                    | "die"
                    | "das"
                    | "den"
                    | "dem"
                    | "des"
                    | "ein"
                    | "eine"
                    | "einen"
                    | "einem"
                    | "einer"
            )
        })
        && tokens[i + 1..].iter().any(|t| t.folded == "sondern")
}

/// Articles and pronouns that look like inflected adjectives.
const DETERMINERS: &[&str] = &[
    "eine", "einen", "einem", "einer", "eines", "jede", "jeden", "jedem", "jeder", "jedes",
    "diese", "diesen", "diesem", "dieser", "dieses", "alle", "allen", "aller", "alles", "ihre",
    "ihren", "ihrem", "ihrer", "seine", "seinen", "unsere", "unseren", "ohne", "mehr", "ganze",
    "selbe",
];

/// "nicht" before an inflected adjective and its noun ("nicht
/// benachteiligenden Ton", "nicht freigegebene Anwendungen") negates the
/// adjective, not the clause.
fn attributive(tokens: &[Token], i: usize, g: &Grammar) -> bool {
    if tokens[i].folded != "nicht" {
        return false;
    }
    let mut next = tokens[i + 1..].iter().filter(|t| !t.joined);
    let (Some(adj), Some(noun)) = (next.next(), next.next()) else {
        return false;
    };
    adj.seg == tokens[i].seg
        && noun.seg == tokens[i].seg
        && !adj.capital
        && adj.kind == RawTokenKind::Word
        && ["e", "en", "er", "es", "em"]
            .iter()
            .any(|e| adj.folded.ends_with(e))
        && !adj.zu_infix
        && !g.prepositions.contains(&adj.folded)
        && !g.relatives.contains(&adj.folded)
        && !DETERMINERS.contains(&adj.folded.as_str())
        && noun.capital
        && noun.kind == RawTokenKind::Word
}

/// Marks the tokens governed by "ohne": up to its noun (capitalised word),
/// continuing over a following "der/des/auf/von …" phrase; after "ohne dass"
/// or "ohne zu" the rest of the clause.
fn without_scope(tokens: &[Token], g: &Grammar) -> Vec<bool> {
    let mut negated = vec![false; tokens.len()];
    for i in 0..tokens.len() {
        if !g.without.contains(&tokens[i].folded) || tokens[i].joined {
            continue;
        }
        // "nicht ohne Beteiligung des Personalrats": the negations cancel.
        if i > 0 && tokens[i - 1].folded == "nicht" {
            continue;
        }
        let seg = tokens[i].seg;
        let next = tokens.get(i + 1).map(|t| t.folded.as_str()).unwrap_or("");
        let whole_clause = matches!(next, "dass" | "zu");
        let mut nouns_left = 2;
        let mut seg = seg;
        let reach = if whole_clause { i + 20 } else { i + 10 };
        let mut j = i + 1;
        while j < tokens.len() && j <= reach {
            if tokens[j].seg != seg {
                // "ohne dass sie es auf Richtigkeit, Vollständigkeit und
                // Aktualität geprüft hat": a comma between listed nouns does
                // not end the clause.
                let listed = whole_clause
                    && tokens[j].seg == seg + 1
                    && tokens[j - 1].capital
                    && tokens[j].capital;
                if !listed {
                    break;
                }
                seg = tokens[j].seg;
            }
            negated[j] = true;
            if !whole_clause
                && tokens[j].capital
                && !tokens[j].joined
                && tokens[j].kind == RawTokenKind::Word
            {
                let continues = tokens.get(j + 1).is_some_and(|n| {
                    matches!(
                        n.folded.as_str(),
                        "der" | "des" | "von" | "auf" | "an" | "fur" | "uber" | "den" | "dem"
                    ) || n.joined
                });
                nouns_left -= 1;
                if !continues || nouns_left == 0 {
                    // Include the joined form of a hyphenated noun.
                    while tokens.get(j + 1).is_some_and(|n| n.joined) {
                        j += 1;
                        negated[j] = true;
                    }
                    break;
                }
            }
            j += 1;
        }
    }
    negated
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Analyzer;
    use crate::check::catalogue::Catalogue;
    use crate::check::tokens::Tokenizer;

    fn stance(text: &str) -> Stance {
        let cat = Catalogue::bundled().unwrap();
        let tokens = Tokenizer::new(Analyzer::standard()).tokenize(text, &cat.grammar);
        analyze(&tokens, text, &cat.grammar).stance
    }

    fn check(cases: &[(&str, Stance)]) {
        for (text, want) in cases {
            assert_eq!(stance(text), *want, "{text}");
        }
    }

    #[test]
    fn permissions_and_prohibitions() {
        use Stance::*;
        check(&[
            ("Personenbezogene Daten dürfen eingegeben werden, wenn es schnell gehen muss.", Erlaubt),
            ("Es ist nicht gestattet, personenbezogene Daten einzugeben.", Verboten),
            ("Personenbezogene Daten dürfen nicht eingegeben werden, solange die Anwendung nicht freigegeben ist.", Verboten),
            ("Keine personenbezogenen Daten, Namen oder Anschriften dürfen eingegeben werden.", Verboten),
            ("Die Eingabe ist untersagt.", Verboten),
            ("Die Eingabe ist nicht verboten.", Erlaubt),
            // A verb-first condition ("Sitzen Sie …") is no imperative.
            ("Sitzen Sie im Homeoffice, spricht nichts dagegen, das private Konto zu nehmen.", Erlaubt),
            ("BYOD ist ausdrücklich erlaubt, ihr könnt das Tool auch privat nutzen.", Erlaubt),
            ("Private Accounts sind ein No-Go.", Verboten),
            ("Sprachmodelle dürfen nur für Entwürfe genutzt werden.", Eingeschraenkt),
            ("Niemand darf ein Ergebnis ohne Prüfung übernehmen.", Verboten),
            // The need verb of an "ohne dass" clause does not make the sentence a duty.
            ("Fachbücher können vollständig hochgeladen werden, ohne dass es einer Rücksprache mit dem Verlag bedarf.", Erlaubt),
            ("Nichtöffentliches bleibt draußen: nichts aus der Sitzung, keine Vermerke.", Verboten),
        ]);
    }

    #[test]
    fn duties_exemptions_and_double_negation() {
        use Stance::*;
        check(&[
            ("Private Konten sind keinesfalls zu verwenden.", Verboten),
            ("Ergebnisse sind vor der Verwendung zu prüfen.", Geboten),
            ("Prüfen Sie jedes Ergebnis vor der Verwendung.", Geboten),
            ("Geben Sie keine personenbezogenen Daten ein.", Verboten),
            ("Eine Kennzeichnung ist nicht entbehrlich.", Geboten),
            ("Eine Kennzeichnung ist nicht notwendig, auch nicht gegenüber Bürgern.", Freigestellt),
            ("Eine Kennzeichnung kann entfallen, wenn die Sachbearbeitung sie für entbehrlich hält.", Freigestellt),
            ("Es ist nicht zulässig, auf die Prüfung von Richtigkeit, Vollständigkeit und Ausgewogenheit zu verzichten.", Geboten),
            ("Es empfiehlt sich, sich mit KI vertraut zu machen.", Empfohlen),
            ("Es ist darauf zu achten, dass keine Daten eingegeben werden.", Verboten),
            ("Jeder Entwurf ist auf Richtigkeit, Vollständigkeit und einen nicht benachteiligenden Ton zu prüfen.", Geboten),
            ("Personenbezogene Daten sind, soweit möglich, nicht einzugeben.", Verboten),
            ("Nicht freigegebene Anwendungen dürfen nicht genutzt werden.", Verboten),
            ("Nicht freigegebene Anwendungen werden gesperrt.", Verboten),
        ]);
    }

    #[test]
    fn statements_and_questions() {
        use Stance::*;
        check(&[
            (
                "KIRA erlässt keine Verwaltungsakte und trifft keine Entscheidungen.",
                Verneint,
            ),
            (
                "Die Nutzung erfolgt ausschließlich über dienstliche Zugänge.",
                Fest,
            ),
            ("Darf ich meinen privaten Account nutzen?", Frage),
            ("Nicht nur Bürgerdaten sind sensibel.", Fest),
            (
                "Nicht die Anwendung, sondern die Person trägt die Verantwortung.",
                Fest,
            ),
            (
                "Personenbezogene Daten dürfen nicht die Verwaltung verlassen.",
                Verboten,
            ),
        ]);
    }

    #[test]
    fn intensified_recommendations_bind() {
        use Stance::*;
        check(&[
            ("Ergebnisse sollten in jedem Fall vor der Verwendung geprüft werden.", Geboten),
            ("Private Konten sollten auf keinen Fall genutzt werden.", Verboten),
            ("Ergebnisse sollten vor der Verwendung geprüft werden.", Empfohlen),
            (
                "Ob ein Hinweis aufgenommen wird, entscheidet die Sachbearbeitung nach eigenem Ermessen.",
                Freigestellt,
            ),
        ]);
    }

    #[test]
    fn colloquial_permissions_and_advice() {
        use Stance::*;
        check(&[
            // A capitalised "Das" after a dash starts a main clause.
            ("Kundenservice – Das geht nicht", Verboten),
            ("Kundenservice – Das geht", Erlaubt),
            (
                "Für Bescheide würde ich das Ding eher nicht nehmen.",
                Empfohlen,
            ),
            ("Echte Namen lassen wir nach Möglichkeit weg.", Empfohlen),
        ]);
    }

    #[test]
    fn questions_after_a_rule_and_a_colon_keep_the_rule() {
        use Stance::*;
        check(&[
            (
                "Ergebnisse sind vor ihrer Verwendung zu prüfen: Stimmen die Fakten?",
                Geboten,
            ),
            ("Frage: Darf ich private Konten nutzen?", Frage),
            (
                "Ob ein Hinweis auf die KI nötig ist, klären wir noch.",
                Frage,
            ),
            ("Die Kennzeichnung ist noch offen.", Frage),
        ]);
    }

    #[test]
    fn distance_leaves_out_inserted_clauses() {
        let cat = Catalogue::bundled().unwrap();
        let text = "Antworten, die der Assistent aus den hinterlegten Mustertexten erstellt, werden versandt.";
        let tokens = Tokenizer::new(Analyzer::standard()).tokenize(text, &cat.grammar);
        let m = analyze(&tokens, text, &cat.grammar);
        let last = tokens.len() - 1;
        assert!(m.outer_position[last] - m.outer_position[0] < last);
        assert!(m.outer_position[last] - m.outer_position[0] <= 3);
    }

    #[test]
    fn toleration_is_permission() {
        use Stance::*;
        check(&[
            (
                "Die Nutzung privater Konten wird bis zum Jahresende geduldet.",
                Erlaubt,
            ),
            (
                "Das Hochladen interner Vermerke wird in Ausnahmefällen toleriert.",
                Erlaubt,
            ),
            ("Kleine Fehler in Entwürfen werden hingenommen.", Erlaubt),
            (
                "Die Eingabe öffentlicher Pressemitteilungen ist unbedenklich.",
                Erlaubt,
            ),
            ("Die Verwendung privater Geräte ist statthaft.", Erlaubt),
            ("Private Konten werden nicht länger geduldet.", Verboten),
        ]);
    }

    #[test]
    fn verb_first_conditions() {
        use Stance::*;
        check(&[
            ("Ist eine Schwärzung der Namen nicht möglich, dürfen die Akten trotzdem in den Chatbot hochgeladen werden.", Erlaubt),
            ("Liegt keine Einwilligung vor, dürfen Namen nicht eingegeben werden.", Verboten),
            ("Sollte eine Prüfung nicht möglich sein, so ist auf die Verwendung zu verzichten.", Verboten),
            ("Fehlt die Zeit für eine Kontrolle, kann das Ergebnis dennoch verschickt werden.", Erlaubt),
            ("Kann ein Text nicht gekennzeichnet werden, ist er nicht zu verwenden.", Verboten),
            // A plain main clause followed by another stays as it is.
            ("Die Eingabe ist nicht erlaubt, ist aber verbreitet.", Verboten),
            ("Die Daten der Bürger, sind sie erst eingegeben, lassen sich nicht zurückholen.", Verneint),
        ]);
    }

    #[test]
    fn focus_is_the_modal_clause() {
        let cat = Catalogue::bundled().unwrap();
        let focused = |text: &str| {
            let tokens = Tokenizer::new(Analyzer::standard()).tokenize(text, &cat.grammar);
            let m = analyze(&tokens, text, &cat.grammar);
            tokens[m.focus]
                .iter()
                .map(|t| t.text.clone())
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            focused("Die Beschäftigten prüfen die Texte, sind aber nicht verpflichtet, Quellen anzugeben."),
            "sind aber nicht verpflichtet Quellen anzugeben"
        );
        assert_eq!(
            focused("Eine Prüfung ist, soweit es um Notizen geht, nicht erforderlich."),
            "Eine Prüfung ist soweit es um Notizen geht nicht erforderlich"
        );
        assert_eq!(
            focused("Die Texte werden gelesen."),
            "Die Texte werden gelesen"
        );
    }

    #[test]
    fn without_marks_its_noun() {
        let cat = Catalogue::bundled().unwrap();
        let text = "Ergebnisse können ohne weitere Prüfung verwendet werden.";
        let tokens = Tokenizer::new(Analyzer::standard()).tokenize(text, &cat.grammar);
        let neg = without_scope(&tokens, &cat.grammar);
        let marked: Vec<&str> = tokens
            .iter()
            .zip(&neg)
            .filter(|(_, &n)| n)
            .map(|(t, _)| t.text.as_str())
            .collect();
        assert_eq!(marked, ["weitere", "Prüfung"]);
    }

    #[test]
    fn without_that_spans_a_list_of_nouns() {
        let cat = Catalogue::bundled().unwrap();
        let text = "Nichts wird verwendet, ohne dass es auf Richtigkeit, Vollständigkeit und Aktualität geprüft wurde, sagt sie.";
        let tokens = Tokenizer::new(Analyzer::standard()).tokenize(text, &cat.grammar);
        let neg = without_scope(&tokens, &cat.grammar);
        let marked = |w: &str| tokens.iter().zip(&neg).any(|(t, &n)| n && t.text == w);
        assert!(marked("geprüft"));
        assert!(!marked("sagt"));
    }
}
