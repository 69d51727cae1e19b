//! The deontic stance of a sentence: whether it allows, forbids, requires or
//! merely states something. Catalogue rules name the stances they accept, so
//! "Personenbezogene Daten dürfen eingegeben werden" (erlaubt) and "… dürfen
//! nicht eingegeben werden" (verboten) trigger different rules.

use serde::Serialize;

/// What a sentence says about the action it describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stance {
    /// "darf", "ist gestattet": the action is allowed.
    Erlaubt,
    /// Allowed only under a restriction ("nur", "ausschließlich", "erst").
    Eingeschraenkt,
    /// "darf nicht", "ist untersagt": the action is forbidden.
    Verboten,
    /// "ist zu prüfen", "muss": the action is required.
    Geboten,
    /// "ist nicht notwendig", "kann entfallen": the action need not happen.
    Freigestellt,
    /// "es empfiehlt sich", "sollte": a recommendation only.
    Empfohlen,
    /// A plain statement ("Die Nutzung erfolgt über dienstliche Konten").
    Fest,
    /// A negated statement ("KIRA erlässt keine Bescheide").
    Verneint,
    /// A question without an answer.
    Frage,
}

impl Stance {
    pub const ALL: [Stance; 9] = [
        Stance::Erlaubt,
        Stance::Eingeschraenkt,
        Stance::Verboten,
        Stance::Geboten,
        Stance::Freigestellt,
        Stance::Empfohlen,
        Stance::Fest,
        Stance::Verneint,
        Stance::Frage,
    ];

    /// The catalogue's name of the stance.
    pub fn as_str(self) -> &'static str {
        match self {
            Stance::Erlaubt => "erlaubt",
            Stance::Eingeschraenkt => "eingeschraenkt",
            Stance::Verboten => "verboten",
            Stance::Geboten => "geboten",
            Stance::Freigestellt => "freigestellt",
            Stance::Empfohlen => "empfohlen",
            Stance::Fest => "fest",
            Stance::Verneint => "verneint",
            Stance::Frage => "frage",
        }
    }

    /// The stance after negating the modality ("darf" → "darf nicht").
    pub fn negate(self) -> Stance {
        match self {
            Stance::Erlaubt | Stance::Eingeschraenkt => Stance::Verboten,
            Stance::Verboten => Stance::Erlaubt,
            Stance::Geboten => Stance::Freigestellt,
            Stance::Freigestellt => Stance::Geboten,
            Stance::Fest => Stance::Verneint,
            Stance::Verneint => Stance::Fest,
            other => other,
        }
    }

    /// The stance towards an action when the sentence speaks about its
    /// omission: "Auf die Prüfung kann verzichtet werden" is erlaubt(verzichten)
    /// = freigestellt(prüfen).
    pub fn of_omission(self) -> Stance {
        match self {
            Stance::Erlaubt | Stance::Eingeschraenkt => Stance::Freigestellt,
            Stance::Freigestellt => Stance::Erlaubt,
            Stance::Verboten => Stance::Geboten,
            Stance::Geboten => Stance::Verboten,
            Stance::Fest => Stance::Verneint,
            Stance::Verneint => Stance::Fest,
            other => other,
        }
    }
}

/// A set of stances, as catalogue rules accept them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StanceSet(u16);

impl StanceSet {
    pub fn all() -> StanceSet {
        StanceSet::from_iter(Stance::ALL)
    }

    /// Every stance that says something binding: all but empfohlen and frage.
    pub fn normative() -> StanceSet {
        StanceSet::from_iter(
            Stance::ALL
                .into_iter()
                .filter(|s| !matches!(s, Stance::Empfohlen | Stance::Frage)),
        )
    }

    pub fn contains(self, s: Stance) -> bool {
        self.0 & (1 << s as u16) != 0
    }

    pub fn insert(&mut self, s: Stance) {
        self.0 |= 1 << s as u16;
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Parses a catalogue name: a stance or a group (`restriktiv`,
    /// `verbindlich`, `normativ`, `alle`).
    pub fn parse_name(name: &str) -> Option<StanceSet> {
        let group: &[Stance] = match name {
            "restriktiv" => &[Stance::Verboten, Stance::Verneint, Stance::Eingeschraenkt],
            "verbindlich" => &[Stance::Geboten, Stance::Fest],
            "normativ" => return Some(StanceSet::normative()),
            "alle" => return Some(StanceSet::all()),
            other => {
                return Stance::ALL
                    .into_iter()
                    .find(|s| s.as_str() == other)
                    .map(|s| StanceSet::from_iter([s]))
            }
        };
        Some(StanceSet::from_iter(group.iter().copied()))
    }
}

impl FromIterator<Stance> for StanceSet {
    fn from_iter<I: IntoIterator<Item = Stance>>(iter: I) -> Self {
        let mut set = StanceSet::default();
        for s in iter {
            set.insert(s);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negation_and_omission_are_involutions() {
        for s in [
            Stance::Erlaubt,
            Stance::Verboten,
            Stance::Geboten,
            Stance::Freigestellt,
            Stance::Fest,
            Stance::Verneint,
        ] {
            assert_eq!(s.negate().negate(), s);
            assert_eq!(s.of_omission().of_omission(), s);
        }
        // "kann entfallen": allowed to omit = need not do.
        assert_eq!(Stance::Erlaubt.of_omission(), Stance::Freigestellt);
        // "es ist nicht zulässig, auf die Prüfung zu verzichten" = required.
        assert_eq!(Stance::Erlaubt.negate().of_omission(), Stance::Geboten);
    }

    #[test]
    fn groups_parse() {
        let r = StanceSet::parse_name("restriktiv").unwrap();
        assert!(r.contains(Stance::Verboten) && r.contains(Stance::Eingeschraenkt));
        assert!(!r.contains(Stance::Erlaubt));
        assert!(!StanceSet::normative().contains(Stance::Frage));
        assert!(StanceSet::parse_name("erlaubt")
            .unwrap()
            .contains(Stance::Erlaubt));
        assert!(StanceSet::parse_name("vielleicht").is_none());
    }
}
