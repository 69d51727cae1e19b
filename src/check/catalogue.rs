//! The check catalogue (`corpus/pruefkatalog.toml`): topics with their
//! fixed texts and the rules that judge a draft, all as data. A
//! municipality's own file (`--katalog`) is merged into the bundled one: it
//! may add words to `[sprache]` and `[begriffe]`, extend existing topics and
//! add new ones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::analysis::Analyzer;

use super::grammar::{Grammar, RawGrammar};
use super::lexicon::Lexicon;
use super::stance::StanceSet;
use super::CheckError;

/// Whether a topic is one of the guideline's own rule areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Weight {
    Kern,
    Ergaenzend,
}

impl Weight {
    pub fn as_str(self) -> &'static str {
        match self {
            Weight::Kern => "kern",
            Weight::Ergaenzend => "ergaenzend",
        }
    }
}

/// One topic of the catalogue, compiled.
#[derive(Debug, Clone)]
pub struct Topic {
    pub id: String,
    pub titel: String,
    pub gewicht: Weight,
    pub erklaerung: String,
    pub teilweise: String,
    pub konflikt: String,
    pub empfehlung: String,
    /// Guideline file relative to `corpus/` (or to the user's catalogue).
    pub verweis: String,
    pub(crate) bezug: Vec<usize>,
    pub(crate) features: Vec<Feature>,
    pub(crate) conflicts: Vec<ConflictRule>,
    /// Names of the features needed for `abgedeckt`.
    pub(crate) required: Vec<String>,
    /// How many of `required` suffice.
    pub(crate) minimum: usize,
}

/// A concept that must occur, with the number of distinct cues it needs.
#[derive(Debug, Clone)]
pub(crate) struct Requirement {
    pub concept: usize,
    pub distinct: usize,
}

/// An essential element of a topic (`[[thema.merkmal]]`).
#[derive(Debug, Clone)]
pub(crate) struct Feature {
    pub name: String,
    pub beschreibung: String,
    pub when: Vec<Requirement>,
    pub without: Vec<usize>,
    pub stances: StanceSet,
    pub context: bool,
    /// The previous sentence of the paragraph counts too when this one
    /// points back to it with a pronoun; the first concept of `when` must
    /// stand in the sentence itself.
    pub previous: bool,
    /// Concepts that must not occur.
    pub unless: Vec<usize>,
}

/// A sentence pattern that contradicts the guideline (`[[thema.widerspruch]]`).
#[derive(Debug, Clone)]
pub(crate) struct ConflictRule {
    pub name: String,
    pub when: Vec<Requirement>,
    pub without: Vec<usize>,
    pub stances: StanceSet,
    pub unless: Vec<usize>,
}

/// The compiled catalogue.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub topics: Vec<Topic>,
    pub(crate) grammar: Grammar,
    pub(crate) lexicon: Lexicon,
    /// Folder of the user's catalogue, against which its `verweis` paths resolve.
    pub user_dir: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    #[serde(default)]
    sprache: Option<RawGrammar>,
    #[serde(default)]
    begriffe: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    thema: Vec<RawTopic>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    id: String,
    titel: Option<String>,
    gewicht: Option<String>,
    erklaerung: Option<String>,
    teilweise: Option<String>,
    konflikt: Option<String>,
    empfehlung: Option<String>,
    verweis: Option<String>,
    #[serde(default)]
    bezug: Vec<String>,
    abgedeckt: Option<Vec<String>>,
    mindestens: Option<usize>,
    #[serde(default)]
    begriffe: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    merkmal: Vec<RawFeature>,
    #[serde(default)]
    widerspruch: Vec<RawConflict>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeature {
    name: String,
    #[serde(default)]
    beschreibung: String,
    #[serde(default)]
    wenn: Vec<String>,
    #[serde(default)]
    ohne: Vec<String>,
    #[serde(default)]
    haltung: Vec<String>,
    #[serde(default)]
    kontext: bool,
    #[serde(default)]
    vorsatz: bool,
    #[serde(default)]
    ausser: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConflict {
    #[serde(default)]
    name: String,
    #[serde(default)]
    wenn: Vec<String>,
    #[serde(default)]
    ohne: Vec<String>,
    haltung: Vec<String>,
    #[serde(default)]
    ausser: Vec<String>,
}

const BUNDLED: &str = "pruefkatalog.toml";

impl Catalogue {
    /// The bundled catalogue.
    pub fn bundled() -> Result<Catalogue, CheckError> {
        let raw = parse(BUNDLED, bundled_text())?;
        compile(raw, None).map_err(|message| CheckError::Catalogue {
            path: format!("corpus/{BUNDLED}"),
            message,
        })
    }

    /// The bundled catalogue merged with the user's file at `path`.
    pub fn with_file(path: &Path) -> Result<Catalogue, CheckError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| CheckError::CatalogueRead {
            path: shown.clone(),
            source,
        })?;
        let user = parse(&shown, &text)?;
        let mut raw = parse(BUNDLED, bundled_text())?;
        let invalid = |message| CheckError::Catalogue {
            path: shown.clone(),
            message,
        };
        merge(&mut raw, user).map_err(invalid)?;
        compile(raw, path.parent().map(Path::to_path_buf)).map_err(invalid)
    }

    /// The topic with `id`.
    pub fn topic(&self, id: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.id == id)
    }
}

fn bundled_text() -> &'static str {
    crate::corpus::file(BUNDLED).unwrap_or("")
}

fn parse(path: &str, text: &str) -> Result<RawCatalogue, CheckError> {
    toml::from_str(text).map_err(|e| CheckError::CatalogueParse {
        path: path.to_string(),
        message: e.message().to_string(),
    })
}

/// Merges a user catalogue into the bundled one (see the module docs).
fn merge(base: &mut RawCatalogue, user: RawCatalogue) -> Result<(), String> {
    if let Some(extra) = user.sprache {
        let base_lists = base.sprache.get_or_insert_with(RawGrammar::default);
        base_lists.append(extra);
    }
    for (name, cues) in user.begriffe {
        base.begriffe.entry(name).or_default().extend(cues);
    }
    let mut seen = std::collections::HashSet::new();
    for topic in user.thema {
        if !seen.insert(topic.id.clone()) {
            return Err(format!(
                "das Thema `{}` steht zweimal in der Datei",
                topic.id
            ));
        }
        match base.thema.iter_mut().find(|t| t.id == topic.id) {
            Some(existing) => merge_topic(existing, topic),
            None => base.thema.push(topic),
        }
    }
    Ok(())
}

fn merge_topic(base: &mut RawTopic, user: RawTopic) {
    let take = |b: &mut Option<String>, u: Option<String>| {
        if u.is_some() {
            *b = u;
        }
    };
    take(&mut base.titel, user.titel);
    take(&mut base.gewicht, user.gewicht);
    take(&mut base.erklaerung, user.erklaerung);
    take(&mut base.teilweise, user.teilweise);
    take(&mut base.konflikt, user.konflikt);
    take(&mut base.empfehlung, user.empfehlung);
    take(&mut base.verweis, user.verweis);
    base.bezug.extend(user.bezug);
    if user.abgedeckt.is_some() {
        base.abgedeckt = user.abgedeckt;
    }
    if user.mindestens.is_some() {
        base.mindestens = user.mindestens;
    }
    for (name, cues) in user.begriffe {
        base.begriffe.entry(name).or_default().extend(cues);
    }
    base.merkmal.extend(user.merkmal);
    base.widerspruch.extend(user.widerspruch);
}

fn compile(raw: RawCatalogue, user_dir: Option<PathBuf>) -> Result<Catalogue, String> {
    let grammar = Grammar::from_raw(raw.sprache.as_ref().ok_or("die Tabelle [sprache] fehlt")?)?;
    let analyzer = Analyzer::standard();
    let mut lexicon = Lexicon::default();
    let mut shared = BTreeMap::new();
    for (name, cues) in &raw.begriffe {
        shared.insert(name.clone(), lexicon.add_concept(&analyzer, name, cues)?);
    }
    let mut topics = Vec::new();
    for t in &raw.thema {
        let topic = compile_topic(t, &analyzer, &mut lexicon, &shared)
            .map_err(|e| format!("Thema `{}`: {e}", t.id))?;
        topics.push(topic);
    }
    Ok(Catalogue {
        topics,
        grammar,
        lexicon,
        user_dir,
    })
}

fn valid_id(id: &str) -> bool {
    id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn required(field: &Option<String>, name: &str) -> Result<String, String> {
    field
        .clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| format!("das Feld `{name}` fehlt"))
}

/// Resolves concept names of one topic: its own first, then the shared ones.
struct Resolver<'a> {
    local: BTreeMap<String, usize>,
    shared: &'a BTreeMap<String, usize>,
}

impl Resolver<'_> {
    /// `name` or `name:N` (N distinct cues needed).
    fn requirement(&self, name: &str) -> Result<Requirement, String> {
        let (base, distinct) = match name.rsplit_once(':') {
            Some((b, n)) => (
                b,
                n.parse::<usize>()
                    .map_err(|_| format!("`{name}`: nach `:` muss eine Zahl stehen"))?,
            ),
            None => (name, 1),
        };
        let concept = self
            .local
            .get(base)
            .or_else(|| self.shared.get(base))
            .copied();
        concept
            .map(|concept| Requirement { concept, distinct })
            .ok_or_else(|| format!("unbekannter Begriff `{base}`; er muss unter [thema.begriffe] oder [begriffe] stehen"))
    }

    fn requirements(&self, names: &[String]) -> Result<Vec<Requirement>, String> {
        names.iter().map(|n| self.requirement(n)).collect()
    }

    fn concepts(&self, names: &[String]) -> Result<Vec<usize>, String> {
        names
            .iter()
            .map(|n| self.requirement(n).map(|r| r.concept))
            .collect()
    }

    fn feature(&self, m: &RawFeature) -> Result<Feature, String> {
        Ok(Feature {
            name: m.name.clone(),
            beschreibung: m.beschreibung.clone(),
            when: self.requirements(&m.wenn)?,
            without: self.concepts(&m.ohne)?,
            stances: stances(&m.haltung, StanceSet::normative())?,
            context: m.kontext,
            previous: m.vorsatz,
            unless: self.concepts(&m.ausser)?,
        })
    }

    fn conflict(&self, w: &RawConflict) -> Result<ConflictRule, String> {
        Ok(ConflictRule {
            name: w.name.clone(),
            when: self.requirements(&w.wenn)?,
            without: self.concepts(&w.ohne)?,
            stances: stances(&w.haltung, StanceSet::default())?,
            unless: self.concepts(&w.ausser)?,
        })
    }
}

fn weight(t: &RawTopic) -> Result<Weight, String> {
    match required(&t.gewicht, "gewicht")?.as_str() {
        "kern" => Ok(Weight::Kern),
        "ergaenzend" => Ok(Weight::Ergaenzend),
        other => Err(format!(
            "gewicht `{other}` ist unbekannt; möglich: kern, ergaenzend"
        )),
    }
}

fn compile_topic(
    t: &RawTopic,
    analyzer: &Analyzer,
    lexicon: &mut Lexicon,
    shared: &BTreeMap<String, usize>,
) -> Result<Topic, String> {
    if !valid_id(&t.id) {
        return Err("die id muss aus kleinen ASCII-Buchstaben, Ziffern und `_` bestehen und mit einem Buchstaben beginnen".into());
    }
    let mut local = BTreeMap::new();
    for (name, cues) in &t.begriffe {
        local.insert(
            name.clone(),
            lexicon.add_concept(analyzer, &format!("{}.{name}", t.id), cues)?,
        );
    }
    let r = Resolver { local, shared };
    let features = t
        .merkmal
        .iter()
        .map(|m| r.feature(m))
        .collect::<Result<Vec<_>, String>>()?;
    let conflicts = t
        .widerspruch
        .iter()
        .map(|w| r.conflict(w))
        .collect::<Result<Vec<_>, String>>()?;
    let (required_names, minimum) = coverage(t, &features)?;
    Ok(Topic {
        id: t.id.clone(),
        titel: required(&t.titel, "titel")?,
        gewicht: weight(t)?,
        erklaerung: required(&t.erklaerung, "erklaerung")?,
        teilweise: t.teilweise.clone().unwrap_or_default(),
        konflikt: t.konflikt.clone().unwrap_or_default(),
        empfehlung: required(&t.empfehlung, "empfehlung")?,
        verweis: t.verweis.clone().unwrap_or_default(),
        bezug: r.concepts(&t.bezug)?,
        features,
        conflicts,
        required: required_names,
        minimum,
    })
}

/// The features needed for `abgedeckt` and how many of them suffice.
fn coverage(t: &RawTopic, features: &[Feature]) -> Result<(Vec<String>, usize), String> {
    if features.is_empty() {
        return Err("mindestens ein [[thema.merkmal]] ist nötig".into());
    }
    let names: Vec<String> = match &t.abgedeckt {
        Some(list) if !list.is_empty() => list.clone(),
        _ => {
            let mut all: Vec<String> = features.iter().map(|f| f.name.clone()).collect();
            all.dedup();
            return Ok((all, 1));
        }
    };
    if let Some(missing) = names
        .iter()
        .find(|n| !features.iter().any(|f| &f.name == *n))
    {
        return Err(format!(
            "`abgedeckt` nennt das Merkmal `{missing}`, das es nicht gibt"
        ));
    }
    let minimum = t.mindestens.unwrap_or(names.len());
    if minimum == 0 || minimum > names.len() {
        return Err(format!(
            "`mindestens = {minimum}` passt nicht zu {} Merkmalen in `abgedeckt`",
            names.len()
        ));
    }
    Ok((names, minimum))
}

fn stances(names: &[String], default: StanceSet) -> Result<StanceSet, String> {
    if names.is_empty() {
        return if default.is_empty() {
            Err("`haltung` fehlt".into())
        } else {
            Ok(default)
        };
    }
    let mut set = StanceSet::default();
    for n in names {
        let s = StanceSet::parse_name(n).ok_or_else(|| {
            format!("unbekannte Haltung `{n}`; möglich: erlaubt, eingeschraenkt, verboten, geboten, freigestellt, empfohlen, fest, verneint, frage, restriktiv, verbindlich, normativ, alle")
        })?;
        for st in super::stance::Stance::ALL {
            if s.contains(st) {
                set.insert(st);
            }
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_catalogue_compiles_with_fixed_ids() {
        let c = Catalogue::bundled().unwrap();
        let ids: Vec<&str> = c.topics.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "zweck",
                "ausschluss",
                "datenschutz",
                "amtsgeheimnis",
                "datenqualitaet",
                "urheberrecht",
                "transparenz",
                "verantwortung",
                "qualifizierung",
                "geltungsbereich",
                "werkzeuge",
                "informationssicherheit",
                "beteiligung",
                "ansprechstellen",
                "ueberpruefung",
                "inkrafttreten"
            ]
        );
        assert_eq!(
            c.topics
                .iter()
                .filter(|t| t.gewicht == Weight::Kern)
                .count(),
            9
        );
        for t in &c.topics {
            assert!(
                crate::corpus::file(&t.verweis).is_some(),
                "{}: {}",
                t.id,
                t.verweis
            );
        }
    }

    #[test]
    fn user_file_adds_topics_and_rejects_bad_ids() {
        let mut raw = parse(BUNDLED, bundled_text()).unwrap();
        let user: RawCatalogue = toml::from_str(
            "[[thema]]\nid = \"barrierefreiheit\"\ntitel = \"Barrierefreiheit\"\ngewicht = \"ergaenzend\"\nerklaerung = \"x\"\nempfehlung = \"y\"\n[thema.begriffe]\nbf = [\"barrierefrei*\"]\n[[thema.merkmal]]\nname = \"bf\"\nwenn = [\"bf\"]\n",
        )
        .unwrap();
        merge(&mut raw, user).unwrap();
        let c = compile(raw, None).unwrap();
        assert_eq!(c.topics.last().unwrap().id, "barrierefreiheit");
        let mut raw = parse(BUNDLED, bundled_text()).unwrap();
        raw.thema[0].id = "Zweck".into();
        assert!(compile(raw, None).unwrap_err().contains("kleinen ASCII"));
    }
}
