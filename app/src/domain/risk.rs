//! Risk scoring: rules are data (kind, weight, category, validity), the
//! score is the weighted sum of the rules that fire, and bands of the score
//! give the lane. A sender or addressee on a watchlist with the action
//! "block" is always red. Each result keeps the rules that fired, with their
//! points and what they saw. Pure and deterministic: the random selection
//! is seeded by the item id and the rule.
use std::collections::HashMap;

use aho_corasick::AhoCorasick;
use serde::{Deserialize, Serialize};
use time::Date;

use super::declaration::{Category, Declaration};
use super::goods::{format_decimal, Currency};
use super::tariff::{RegimeData, Validity, PPM};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskCategory {
    Fiscal,
    Health,
    Safety,
    Security,
}

impl RiskCategory {
    pub const ALL: [RiskCategory; 4] = [
        RiskCategory::Fiscal,
        RiskCategory::Health,
        RiskCategory::Safety,
        RiskCategory::Security,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RiskCategory::Fiscal => "fiscal",
            RiskCategory::Health => "health",
            RiskCategory::Safety => "safety",
            RiskCategory::Security => "security",
        }
    }

    pub fn parse(s: &str) -> Option<RiskCategory> {
        RiskCategory::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
    }
}

/// What a rule looks at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleKind {
    /// A content line's HS code starts with the prefix.
    HsPrefix { prefix: String },
    /// A content line's origin is the country.
    Origin { country: String },
    /// A description contains one of the words (at the start of a word, in
    /// any case).
    Keyword { words: Vec<String> },
    /// A line of the HS prefix declares less than the reference value per
    /// kilogram net (undervaluation).
    ValuePerKgBelow {
        hs_prefix: String,
        min_per_kg_minor: i64,
        currency: Currency,
    },
    /// The sender or the addressee is on a watchlist with the action warn.
    Watchlist,
    /// A business declared a gift.
    GiftByMerchant,
    /// An HS code whose chapter does not exist (00, 77, 98, 99).
    HsImplausible,
    /// The advance data came after the parcel arrived.
    LateData,
    /// Selected at random at this rate (reproducible per item id).
    Random { rate_ppm: i64 },
}

impl RuleKind {
    pub fn name(&self) -> &'static str {
        match self {
            RuleKind::HsPrefix { .. } => "hs_prefix",
            RuleKind::Origin { .. } => "origin",
            RuleKind::Keyword { .. } => "keyword",
            RuleKind::ValuePerKgBelow { .. } => "value_per_kg_below",
            RuleKind::Watchlist => "watchlist",
            RuleKind::GiftByMerchant => "gift_by_merchant",
            RuleKind::HsImplausible => "hs_implausible",
            RuleKind::LateData => "late_data",
            RuleKind::Random { .. } => "random",
        }
    }
}

/// A rule of one customs administration (its country).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub id: i64,
    pub administration: String,
    pub name: String,
    pub kind: RuleKind,
    pub weight: i32,
    pub category: RiskCategory,
    pub enabled: bool,
    pub valid: Validity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchAction {
    Block,
    Warn,
}

impl WatchAction {
    pub fn as_str(self) -> &'static str {
        match self {
            WatchAction::Block => "block",
            WatchAction::Warn => "warn",
        }
    }

    pub fn parse(s: &str) -> Option<WatchAction> {
        match s.trim() {
            "block" => Some(WatchAction::Block),
            "warn" => Some(WatchAction::Warn),
            _ => None,
        }
    }
}

/// A name on a watchlist, optionally only in one country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchEntry {
    pub id: i64,
    pub administration: String,
    pub name: String,
    /// Empty: any country.
    pub country: String,
    pub action: WatchAction,
}

/// Score bands: from `yellow_from` yellow, from `red_from` red.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bands {
    pub yellow_from: i32,
    pub red_from: i32,
}

impl Default for Bands {
    fn default() -> Self {
        Bands {
            yellow_from: 30,
            red_from: 60,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    Green,
    Yellow,
    Red,
}

impl Lane {
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Green => "green",
            Lane::Yellow => "yellow",
            Lane::Red => "red",
        }
    }

    pub fn parse(s: &str) -> Option<Lane> {
        match s {
            "green" => Some(Lane::Green),
            "yellow" => Some(Lane::Yellow),
            "red" => Some(Lane::Red),
            _ => None,
        }
    }
}

/// A rule that fired: its points and what it saw (`args`, for the sentence
/// the pages word from `kind`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    pub rule_id: i64,
    pub rule_name: String,
    pub kind: String,
    pub category: RiskCategory,
    pub points: i32,
    pub args: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskResult {
    pub score: i32,
    pub lane: Lane,
    /// A watchlist entry with the action block matched.
    pub blocked: bool,
    pub hits: Vec<Hit>,
}

/// What scoring needs besides the declaration.
#[derive(Debug, Clone, Copy)]
pub struct RiskInput<'a> {
    pub declaration: &'a Declaration,
    pub item_id: &'a str,
    pub by_merchant: bool,
    /// The advance data came after the parcel arrived.
    pub late: bool,
    pub day: Date,
}

/// `Ann-Marie  O'Neil` → `ann marie o neil`.
pub fn normalise_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(w.chars().flat_map(char::to_lowercase));
    }
    out
}

/// FNV-1a, 64 bits: a stable hash for the random selection (the same item
/// and rule always give the same draw, on every machine and version).
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in *p {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Whether the random rule `rule_id` at `rate_ppm` selects `item_id`.
pub fn randomly_selected(item_id: &str, rule_id: i64, rate_ppm: i64) -> bool {
    let draw = fnv1a(&[item_id.as_bytes(), &rule_id.to_le_bytes()]) % PPM as u64;
    (draw as i64) < rate_ppm
}

/// The rules in force on a day, prepared for scoring many parcels: the
/// keywords of every keyword rule in one automaton, watchlists by name.
pub struct RuleSet {
    rules: Vec<Rule>,
    bands: Bands,
    keywords: Option<AhoCorasick>,
    /// Pattern index → (rule index, word).
    keyword_rules: Vec<(usize, String)>,
    watch: HashMap<String, Vec<WatchEntry>>,
}

impl RuleSet {
    /// `rules` and `watchlist` of one administration; disabled rules and
    /// rules not valid on `day` are left out.
    pub fn new(rules: &[Rule], watchlist: &[WatchEntry], bands: Bands, day: Date) -> RuleSet {
        let rules: Vec<Rule> = rules
            .iter()
            .filter(|r| r.enabled && r.valid.contains(day))
            .cloned()
            .collect();
        let mut keyword_rules = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            if let RuleKind::Keyword { words } = &r.kind {
                for w in words {
                    let w = w.trim().to_lowercase();
                    if !w.is_empty() {
                        keyword_rules.push((i, w));
                    }
                }
            }
        }
        let keywords = if keyword_rules.is_empty() {
            None
        } else {
            AhoCorasick::new(keyword_rules.iter().map(|(_, w)| w.as_str())).ok()
        };
        let mut watch: HashMap<String, Vec<WatchEntry>> = HashMap::new();
        for e in watchlist {
            watch
                .entry(normalise_name(&e.name))
                .or_default()
                .push(e.clone());
        }
        RuleSet {
            rules,
            bands,
            keywords,
            keyword_rules,
            watch,
        }
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    fn watched(&self, name: &str, country: &str) -> Option<&WatchEntry> {
        let list = self.watch.get(&normalise_name(name))?;
        // A block wins over a warn.
        let matching = || {
            list.iter()
                .filter(|e| e.country.is_empty() || e.country == country)
        };
        matching()
            .find(|e| e.action == WatchAction::Block)
            .or_else(|| matching().next())
    }

    /// Scores one parcel. `fx` converts values for the value-per-kg rules.
    pub fn score(&self, input: &RiskInput<'_>, fx: &RegimeData) -> RiskResult {
        let d = input.declaration;
        let mut fired: Vec<Option<Vec<String>>> = vec![None; self.rules.len()];

        // Keywords: one pass of the automaton over each description.
        if let Some(ac) = &self.keywords {
            for l in &d.lines {
                let text = l.description.to_lowercase();
                for m in ac.find_overlapping_iter(&text) {
                    let at_word_start = text[..m.start()]
                        .chars()
                        .next_back()
                        .is_none_or(|c| !c.is_alphanumeric());
                    if !at_word_start {
                        continue;
                    }
                    let (rule, word) = &self.keyword_rules[m.pattern().as_usize()];
                    if fired[*rule].is_none() {
                        fired[*rule] = Some(vec![word.clone(), l.description.clone()]);
                    }
                }
            }
        }

        let mut blocked = false;
        let mut watch_hit: Option<Vec<String>> = None;
        for (party, who) in [(&d.sender, "sender"), (&d.addressee, "addressee")] {
            if let Some(e) = self.watched(&party.name, &party.country) {
                if e.action == WatchAction::Block {
                    blocked = true;
                }
                if watch_hit.is_none() || e.action == WatchAction::Block {
                    watch_hit = Some(vec![
                        party.name.clone(),
                        who.to_owned(),
                        e.action.as_str().to_owned(),
                    ]);
                }
            }
        }

        for (i, r) in self.rules.iter().enumerate() {
            if fired[i].is_some() {
                continue;
            }
            fired[i] = match &r.kind {
                RuleKind::Keyword { .. } => None,
                RuleKind::HsPrefix { prefix } => d
                    .lines
                    .iter()
                    .find(|l| l.hs_code.as_str().starts_with(prefix.as_str()))
                    .map(|l| vec![prefix.clone(), l.hs_code.as_str().to_owned()]),
                RuleKind::Origin { country } => d
                    .lines
                    .iter()
                    .any(|l| &l.origin == country)
                    .then(|| vec![country.clone()]),
                RuleKind::ValuePerKgBelow {
                    hs_prefix,
                    min_per_kg_minor,
                    currency,
                } => d.lines.iter().find_map(|l| {
                    if !l.hs_code.as_str().starts_with(hs_prefix.as_str()) || l.net_weight_g <= 0 {
                        return None;
                    }
                    let value =
                        fx.convert(l.value.minor, l.value.currency, *currency, input.day)?;
                    let per_kg = (value as i128 * 1000 / l.net_weight_g as i128) as i64;
                    (per_kg < *min_per_kg_minor).then(|| {
                        let money = |m: i64| {
                            format!(
                                "{} {}",
                                currency.code(),
                                format_decimal(m, currency.exponent())
                            )
                        };
                        vec![
                            l.hs_code.as_str().to_owned(),
                            money(per_kg),
                            money(*min_per_kg_minor),
                        ]
                    })
                }),
                RuleKind::Watchlist => watch_hit.clone(),
                RuleKind::GiftByMerchant => {
                    (input.by_merchant && d.category == Category::Gift).then(Vec::new)
                }
                RuleKind::HsImplausible => d
                    .lines
                    .iter()
                    .find(|l| matches!(l.hs_code.chapter(), "00" | "77" | "98" | "99"))
                    .map(|l| vec![l.hs_code.as_str().to_owned()]),
                RuleKind::LateData => input.late.then(Vec::new),
                RuleKind::Random { rate_ppm } => randomly_selected(input.item_id, r.id, *rate_ppm)
                    .then(|| {
                        vec![format_decimal(*rate_ppm, 4)
                            .trim_end_matches('0')
                            .trim_end_matches('.')
                            .to_owned()]
                    }),
            };
        }

        let mut score = 0;
        let mut hits = Vec::new();
        for (r, args) in self.rules.iter().zip(fired) {
            if let Some(args) = args {
                score += r.weight;
                hits.push(Hit {
                    rule_id: r.id,
                    rule_name: r.name.clone(),
                    kind: r.kind.name().to_owned(),
                    category: r.category,
                    points: r.weight,
                    args,
                });
            }
        }
        let lane = if blocked || score >= self.bands.red_from {
            Lane::Red
        } else if score >= self.bands.yellow_from {
            Lane::Yellow
        } else {
            Lane::Green
        };
        RiskResult {
            score,
            lane,
            blocked,
            hits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::declaration::{self, Context, DeclarationInput, LineInput, PartyInput};
    use time::macros::date;

    const DAY: Date = date!(2026 - 06 - 01);

    fn always() -> Validity {
        Validity {
            from: date!(2000 - 01 - 01),
            to: None,
        }
    }

    fn rule(id: i64, kind: RuleKind, weight: i32) -> Rule {
        Rule {
            id,
            administration: "FR".into(),
            name: format!("rule {id}"),
            kind,
            weight,
            category: RiskCategory::Safety,
            enabled: true,
            valid: always(),
        }
    }

    fn decl(
        description: &str,
        hs: &str,
        value: &str,
        kg: &str,
        tweak: impl FnOnce(&mut DeclarationInput),
    ) -> Declaration {
        let party = |name: &str, country: &str| PartyInput {
            name: name.into(),
            address1: "1 Main Street".into(),
            city: "Town".into(),
            postcode: "12345".into(),
            country: country.into(),
            ..Default::default()
        };
        let mut input = DeclarationInput {
            sender: party("Shenzhen Trading Co", "CN"),
            addressee: party("Ann Example", "FR"),
            category: "sale_of_goods".into(),
            currency: "EUR".into(),
            gross_weight_kg: "5".into(),
            incoterm: "DAP".into(),
            non_delivery: "return".into(),
            lines: vec![LineInput {
                description: description.into(),
                quantity: "1".into(),
                net_weight_kg: kg.into(),
                value: value.into(),
                hs_code: hs.into(),
                origin: "CN".into(),
            }],
            ..Default::default()
        };
        tweak(&mut input);
        declaration::validate(
            &input,
            &Context {
                by_merchant: false,
                units_per_sdr_micro: Some(1_000_000),
            },
        )
        .unwrap()
    }

    fn score(set: &RuleSet, d: &Declaration, item: &str) -> RiskResult {
        set.score(
            &RiskInput {
                declaration: d,
                item_id: item,
                by_merchant: true,
                late: false,
                day: DAY,
            },
            &RegimeData::default(),
        )
    }

    #[test]
    fn the_score_is_the_sum_of_the_rules_that_fire_and_bands_give_the_lane() {
        let rules = vec![
            rule(
                1,
                RuleKind::Keyword {
                    words: vec!["vape".into(), "lithium".into()],
                },
                40,
            ),
            rule(
                2,
                RuleKind::Origin {
                    country: "CN".into(),
                },
                10,
            ),
            rule(
                3,
                RuleKind::HsPrefix {
                    prefix: "8543".into(),
                },
                15,
            ),
            rule(
                4,
                RuleKind::Origin {
                    country: "VN".into(),
                },
                50,
            ),
        ];
        let set = RuleSet::new(&rules, &[], Bands::default(), DAY);
        let vape = decl("Disposable VAPES, mint", "854340", "12.00", "0.1", |_| {});
        let r = score(&set, &vape, "LX000000015FR");
        assert_eq!(r.score, 65);
        assert_eq!(r.lane, Lane::Red);
        let ids: Vec<i64> = r.hits.iter().map(|h| h.rule_id).collect();
        assert_eq!(ids, vec![1, 2, 3]);
        assert_eq!(r.hits[0].args, vec!["vape", "Disposable VAPES, mint"]);
        let shirt = decl("Cotton T-shirt", "610910", "12.00", "0.1", |_| {});
        let r = score(&set, &shirt, "LX000000015FR");
        assert_eq!((r.score, r.lane), (10, Lane::Green));
        // Words only match at the start of a word.
        let escape = decl("Escape room game", "950490", "12.00", "0.1", |_| {});
        let set = RuleSet::new(
            &[rule(
                1,
                RuleKind::Keyword {
                    words: vec!["cape".into()],
                },
                40,
            )],
            &[],
            Bands::default(),
            DAY,
        );
        assert_eq!(score(&set, &escape, "X").score, 0);
    }

    #[test]
    fn disabled_and_expired_rules_do_not_count() {
        let mut off = rule(
            1,
            RuleKind::Origin {
                country: "CN".into(),
            },
            40,
        );
        off.enabled = false;
        let mut old = rule(
            2,
            RuleKind::Origin {
                country: "CN".into(),
            },
            40,
        );
        old.valid.to = Some(date!(2026 - 01 - 01));
        let set = RuleSet::new(&[off, old], &[], Bands::default(), DAY);
        assert!(set.is_empty());
        let d = decl("Cotton T-shirt", "610910", "12.00", "0.1", |_| {});
        assert_eq!(score(&set, &d, "X").lane, Lane::Green);
    }

    #[test]
    fn a_blocking_watchlist_entry_is_always_red() {
        let watch = vec![
            WatchEntry {
                id: 1,
                administration: "FR".into(),
                name: "SHENZHEN trading co.".into(),
                country: "CN".into(),
                action: WatchAction::Block,
            },
            WatchEntry {
                id: 2,
                administration: "FR".into(),
                name: "Ann Example".into(),
                country: "".into(),
                action: WatchAction::Warn,
            },
        ];
        let rules = vec![rule(9, RuleKind::Watchlist, 5)];
        let set = RuleSet::new(&rules, &watch, Bands::default(), DAY);
        let d = decl("Cotton T-shirt", "610910", "12.00", "0.1", |_| {});
        let r = score(&set, &d, "X");
        assert!(r.blocked);
        assert_eq!((r.score, r.lane), (5, Lane::Red));
        assert_eq!(
            r.hits[0].args,
            vec!["Shenzhen Trading Co", "sender", "block"]
        );
        // Another country: only the warning on the addressee.
        let other = decl("Cotton T-shirt", "610910", "12.00", "0.1", |i| {
            i.sender.country = "HK".into();
        });
        let r = score(&set, &other, "X");
        assert!(!r.blocked);
        assert_eq!((r.score, r.lane), (5, Lane::Green));
        assert_eq!(r.hits[0].args[1], "addressee");
    }

    #[test]
    fn undervaluation_gifts_from_merchants_odd_hs_codes_and_late_data() {
        let eur = Currency::parse("c", "EUR").unwrap();
        let rules = vec![
            rule(
                1,
                RuleKind::ValuePerKgBelow {
                    hs_prefix: "8517".into(),
                    min_per_kg_minor: 50_000,
                    currency: eur,
                },
                30,
            ),
            rule(2, RuleKind::GiftByMerchant, 20),
            rule(3, RuleKind::HsImplausible, 25),
            rule(4, RuleKind::LateData, 10),
        ];
        let set = RuleSet::new(&rules, &[], Bands::default(), DAY);
        // A phone at EUR 40.00 for 0.2 kg = EUR 200.00 per kg < 500.00.
        let phone = decl("Smartphone", "851713", "40.00", "0.2", |i| {
            i.category = "gift".into();
        });
        let r = set.score(
            &RiskInput {
                declaration: &phone,
                item_id: "X",
                by_merchant: true,
                late: true,
                day: DAY,
            },
            &RegimeData::default(),
        );
        let kinds: Vec<&str> = r.hits.iter().map(|h| h.kind.as_str()).collect();
        assert_eq!(
            kinds,
            vec!["value_per_kg_below", "gift_by_merchant", "late_data"]
        );
        assert_eq!(r.hits[0].args, vec!["851713", "EUR 200.00", "EUR 500.00"]);
        assert_eq!(r.score, 60);
        let odd = decl("Cotton T-shirt", "990100", "12.00", "0.1", |_| {});
        assert_eq!(score(&set, &odd, "X").score, 25);
    }

    #[test]
    fn random_selection_is_reproducible_and_near_its_rate() {
        let set = RuleSet::new(
            &[rule(7, RuleKind::Random { rate_ppm: 50_000 }, 100)],
            &[],
            Bands::default(),
            DAY,
        );
        let d = decl("Cotton T-shirt", "610910", "12.00", "0.1", |_| {});
        let mut picked = 0;
        for n in 0..20_000 {
            let item = format!("LX{n:09}FR");
            let first = score(&set, &d, &item);
            assert_eq!(first, score(&set, &d, &item));
            if first.lane == Lane::Red {
                picked += 1;
            }
        }
        // 5 % of 20,000 = 1,000, within a few standard deviations.
        assert!((880..=1120).contains(&picked), "{picked}");
        assert_eq!(normalise_name(" Ann-Marie  O'Neil "), "ann marie o neil");
    }
}
