//! Clearance engine benchmark: risk scoring and duty/tax assessment of
//! 10,000 generated parcels (1–5 content lines, to France, Germany, the
//! United States, China and the United Kingdom) against 50 rules (10 of them
//! keyword rules of 20 keywords each, plus a 1,000-name watchlist) and a
//! 5,000-line tariff over the seeded regimes, on one thread. Prints parcels
//! per second, the median of 5 runs after a warm-up.
//!
//! `cargo bench -p server --bench engine [-- --runs 5 --parcels 10000]`
use std::hint::black_box;
use std::time::Instant;

use app::domain::assess::{assess, AssessInput, Payer};
use app::domain::declaration::{
    self, Context, Declaration, DeclarationInput, LineInput, PartyInput,
};
use app::domain::goods::Currency;
use app::domain::risk::{
    Bands, Lane, RiskCategory, RiskInput, Rule, RuleKind, RuleSet, WatchAction, WatchEntry,
};
use app::domain::tariff::{Duty, RegimeData, TariffLine, Validity};
use time::macros::date;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small deterministic generator (xorshift64*), so every run scores the
/// same parcels.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const GOODS: &[(&str, &str)] = &[
    ("610910", "Cotton T-shirt"),
    ("611030", "Polyester sweatshirt"),
    ("640411", "Running shoes"),
    ("420222", "Canvas handbag"),
    ("851713", "Smartphone"),
    ("847130", "Laptop computer"),
    ("851830", "Wireless earphones"),
    ("850760", "Power bank lithium battery"),
    ("950300", "Wooden puzzle toy"),
    ("490199", "Paperback novel"),
    ("330499", "Face cream"),
    ("711719", "Brass bracelet"),
    ("910212", "Digital wrist watch"),
    ("090230", "Black tea leaves"),
    ("392690", "Phone case"),
];

const WORDS: &[&str] = &[
    "vape",
    "nicotine",
    "pistol",
    "ammunition",
    "knife",
    "cannabis",
    "seeds",
    "meat",
    "ivory",
    "replica",
    "counterfeit",
    "lithium",
    "fireworks",
    "pepper spray",
    "taser",
    "steroid",
    "codeine",
    "tramadol",
    "sausage",
    "cheese",
    "gucci",
    "rolex",
    "louis vuitton",
    "nike replica",
    "airsoft",
    "crossbow",
    "drone",
    "mercury",
    "asbestos",
    "poppy",
    "kratom",
    "khat",
    "absinthe",
    "salvia",
    "fentanyl",
    "melatonin",
    "ephedrine",
    "orchid",
    "coral",
    "caviar",
];

fn day() -> time::Date {
    date!(2026 - 03 - 02)
}

fn rules() -> (Vec<Rule>, Vec<WatchEntry>) {
    let valid = Validity {
        from: date!(2020 - 01 - 01),
        to: None,
    };
    let eur = Currency::parse("c", "EUR").unwrap();
    let mut rules = Vec::new();
    let mut add = |kind: RuleKind, weight: i32| {
        let id = rules.len() as i64 + 1;
        rules.push(Rule {
            id,
            administration: "FR".into(),
            name: format!("rule {id}"),
            kind,
            weight,
            category: RiskCategory::ALL[id as usize % 4],
            enabled: true,
            valid,
        });
    };
    for k in 0..10 {
        let words = (0..20)
            .map(|j| format!("{} {k}{j}", WORDS[(k * 20 + j) % WORDS.len()]))
            .chain(std::iter::once(WORDS[k * 3].to_owned()))
            .take(20)
            .collect();
        add(RuleKind::Keyword { words }, 40);
    }
    for p in [
        "8543", "9304", "0207", "1211", "2939", "9303", "3604", "8525", "7113", "0106",
    ] {
        add(RuleKind::HsPrefix { prefix: p.into() }, 20);
    }
    for c in ["KP", "IR", "SY", "VE", "MM", "AF", "CU", "BY", "RU", "LY"] {
        add(RuleKind::Origin { country: c.into() }, 25);
    }
    for (p, min) in [
        ("8517", 50_000),
        ("8471", 80_000),
        ("6404", 5_000),
        ("9102", 3_000),
        ("3304", 2_000),
    ] {
        add(
            RuleKind::ValuePerKgBelow {
                hs_prefix: p.into(),
                min_per_kg_minor: min,
                currency: eur,
            },
            30,
        );
    }
    for rate in [10_000, 5_000, 2_000, 1_000, 500] {
        add(RuleKind::Random { rate_ppm: rate }, 60);
    }
    add(RuleKind::Watchlist, 35);
    add(RuleKind::GiftByMerchant, 30);
    add(RuleKind::HsImplausible, 25);
    add(RuleKind::LateData, 15);
    for c in ["CN", "VN", "TR", "IN", "BD", "PK"] {
        add(RuleKind::Origin { country: c.into() }, 5);
    }
    assert_eq!(rules.len(), 50);
    let watch = (0..1000)
        .map(|i| WatchEntry {
            id: i,
            administration: "FR".into(),
            name: format!("Watched Person {i}"),
            country: String::new(),
            action: if i % 10 == 0 {
                WatchAction::Block
            } else {
                WatchAction::Warn
            },
        })
        .collect();
    (rules, watch)
}

/// The seeded regimes with a generated 5,000-line tariff (1,250 lines per
/// territory, 6 to 10 digit prefixes, ad valorem, a few compound).
fn regime_data(g: &mut Gen) -> RegimeData {
    let seed = app::regimes::seed().expect("seed");
    let valid = Validity {
        from: date!(2020 - 01 - 01),
        to: None,
    };
    let mut tariff: Vec<TariffLine> = Vec::with_capacity(5000);
    for t in ["EU", "US", "CN", "GB"] {
        // The goods parcels contain, then random lines to 1,250.
        for (hs, d) in GOODS {
            tariff.push(TariffLine {
                id: 0,
                territory: t.into(),
                hs_prefix: (*hs).into(),
                description: (*d).into(),
                duty: Duty::ad_valorem(g.below(20) as i64 * 10_000),
                valid,
            });
        }
        while tariff.iter().filter(|l| l.territory == t).count() < 1250 {
            let len = 6 + g.below(5) as usize;
            let hs: String = (0..len)
                .map(|_| char::from(b'0' + g.below(10) as u8))
                .collect();
            let mut duty = Duty::ad_valorem(g.below(250) as i64 * 1_000);
            if g.below(20) == 0 {
                duty.specific_minor = 50 + g.below(500) as i64;
            }
            tariff.push(TariffLine {
                id: 0,
                territory: t.into(),
                hs_prefix: hs,
                description: String::new(),
                duty,
                valid,
            });
        }
    }
    assert_eq!(tariff.len(), 5000);
    RegimeData::new(seed.regimes, tariff, seed.vat, seed.additional, seed.fx)
}

fn parcels(g: &mut Gen, n: usize) -> Vec<(Declaration, String, String)> {
    let to = ["FR", "DE", "US", "CN", "GB"];
    let currency = ["EUR", "EUR", "USD", "CNY", "GBP"];
    let origins = ["CN", "VN", "TR", "IN", "FR", "IT", "US", "KP"];
    (0..n)
        .map(|i| {
            let k = g.below(5) as usize;
            let lines: Vec<LineInput> = (0..1 + g.below(5))
                .map(|_| {
                    let (hs, desc) = GOODS[g.below(GOODS.len() as u64) as usize];
                    let desc = if g.below(50) == 0 {
                        format!("{desc} with {}", g.pick(WORDS))
                    } else {
                        desc.to_owned()
                    };
                    LineInput {
                        description: desc,
                        quantity: (1 + g.below(3)).to_string(),
                        net_weight_kg: format!("0.{}", 100 + g.below(800)),
                        value: format!("{}.{:02}", 5 + g.below(300), g.below(100)),
                        hs_code: hs.into(),
                        origin: g.pick(&origins).into(),
                    }
                })
                .collect();
            let party = |name: String, country: &str| PartyInput {
                name,
                address1: "1 Main Street".into(),
                city: "Town".into(),
                postcode: "12345".into(),
                country: country.into(),
                ..Default::default()
            };
            let input = DeclarationInput {
                sender: party("Maison Lumiere SARL".into(), "FR"),
                addressee: party(format!("Watched Person {}", g.below(20_000)), to[k]),
                category: "sale_of_goods".into(),
                currency: currency[k].into(),
                gross_weight_kg: "5".into(),
                incoterm: if i % 3 == 0 { "DDP" } else { "DAP" }.into(),
                non_delivery: "return".into(),
                ioss_number: if i % 7 == 0 {
                    "IM2500000001".into()
                } else {
                    String::new()
                },
                lines,
                ..Default::default()
            };
            let d = declaration::validate(
                &input,
                &Context {
                    by_merchant: true,
                    units_per_sdr_micro: Some(1_000_000),
                },
            )
            .expect("generated parcels are valid");
            (d, to[k].to_owned(), format!("LX{:09}FR", i))
        })
        .collect()
}

struct Tally {
    red: usize,
    payable: usize,
}

fn run(
    data: &RegimeData,
    rules: &[Rule],
    watch: &[WatchEntry],
    parcels: &[(Declaration, String, String)],
) -> (f64, Tally) {
    let start = Instant::now();
    let set = RuleSet::new(rules, watch, Bands::default(), day());
    let mut tally = Tally { red: 0, payable: 0 };
    for (d, to, item) in parcels {
        let risk = set.score(
            &RiskInput {
                declaration: d,
                item_id: item,
                by_merchant: true,
                late: false,
                day: day(),
            },
            data,
        );
        let a = assess(
            &AssessInput {
                declaration: d,
                destination: to,
                day: day(),
                by_merchant: true,
                cbec_platform: true,
                year_to_date_minor: 0,
            },
            data,
        );
        if risk.lane == Lane::Red {
            tally.red += 1;
        }
        if a.payer != Payer::Nobody {
            tally.payable += 1;
        }
        black_box((&risk, &a));
    }
    (start.elapsed().as_secs_f64(), tally)
}

fn main() {
    let runs = arg("--runs", 5).max(1);
    let n = arg("--parcels", 10_000).max(1);
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    let data = regime_data(&mut g);
    let (rules, watch) = rules();
    let parcels = parcels(&mut g, n);
    let lines: usize = parcels.iter().map(|(d, _, _)| d.lines.len()).sum();
    println!(
        "clearance engine: {n} parcels ({lines} lines), {} rules, {} watchlist names, 5,000 tariff lines; one thread",
        rules.len(),
        watch.len()
    );
    let (_, warm) = run(&data, &rules, &watch, &parcels);
    println!(
        "  warm-up: {} red lane, {} with something to pay",
        warm.red, warm.payable
    );
    let mut rates = Vec::with_capacity(runs);
    for i in 0..runs {
        let (secs, _) = run(&data, &rules, &watch, &parcels);
        let rate = n as f64 / secs;
        println!(
            "  run {}: {:.1} ms, {:.0} parcels/s",
            i + 1,
            secs * 1000.0,
            rate
        );
        rates.push(rate);
    }
    rates.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = rates[rates.len() / 2];
    println!("score + assess: {median:.0} parcels/s (median of {runs}; target >= 200,000)");
}
