//! A living demo: a few hundred parcels from three merchants to the four
//! demo countries, made through the real operations (submission with its
//! scoring, assessment and green-lane policy; the officer's decisions), so
//! every role's pages have content on first start and the data is as
//! consistent as real data. Deterministic: the same parcels every time.
use app::db::{self, Db};
use app::domain::account::Role;
use app::domain::declaration::{DeclarationInput, LineInput, PartyInput};
use app::error::{AppError, AppResult};
use app::ops::customs::Decide;
use app::ops::Caller;
use app::state::AppState;

use crate::demo::DEMO_PASSWORD;

/// A merchant of the demo: its company, account, post range and goods.
struct Merchant {
    company: &'static str,
    country: &'static str,
    /// Its account (the demo password), and who it is.
    email: &'static str,
    name: &'static str,
    sender: (&'static str, &'static str, &'static str, &'static str),
    currency: &'static str,
    /// The post whose S10 range it shares: (name, service, first serial).
    post: (&'static str, &'static str, i64),
    goods: &'static [Goods],
    destinations: &'static [&'static str],
    parcels: usize,
    /// Its IOSS number (EU parcels up to EUR 150 then owe no import VAT).
    ioss: &'static str,
}

/// (description, HS code, lowest and highest unit value, net grams, origin)
type Goods = (&'static str, &'static str, i64, i64, i64, &'static str);

const MERCHANTS: [Merchant; 2] = [
    Merchant {
        company: "Shenzhen Bright Gadgets Co. (demo)",
        country: "CN",
        email: "gadgets@demo.postclear.test",
        name: "Wei Zhang",
        sender: (
            "Shenzhen Bright Gadgets Co.",
            "88 Keyuan Road, Nanshan",
            "Shenzhen",
            "518057",
        ),
        currency: "USD",
        post: ("China Post (demo)", "LP", 20_000_000),
        goods: &[
            ("Bluetooth headphones", "851830", 15, 60, 250, "CN"),
            ("Silicone smartphone case", "392690", 3, 12, 50, "CN"),
            (
                "Power bank 10000 mAh, lithium-ion battery",
                "850760",
                12,
                35,
                300,
                "CN",
            ),
            ("Smartwatch", "851762", 25, 90, 100, "CN"),
            ("Building blocks toy set", "950300", 10, 45, 600, "CN"),
            ("Smartphone", "851713", 40, 120, 200, "CN"),
            ("Disposable vape, nicotine 20 mg", "854340", 5, 15, 50, "CN"),
            ("Replica designer sunglasses", "900410", 3, 10, 60, "CN"),
        ],
        destinations: &["FR", "DE", "GB", "US"],
        parcels: 140,
        ioss: "IM1560000012",
    },
    Merchant {
        company: "Northwind Outfitters Ltd (demo)",
        country: "GB",
        email: "outfitters@demo.postclear.test",
        name: "Oliver Hughes",
        sender: (
            "Northwind Outfitters Ltd",
            "4 Canal Street",
            "Manchester",
            "M1 3HE",
        ),
        currency: "GBP",
        post: ("Royal Mail (demo)", "LB", 30_000_000),
        goods: &[
            ("Cotton T-shirt", "610910", 12, 30, 200, "BD"),
            ("Fleece pullover, polyester", "611030", 25, 60, 400, "CN"),
            ("Men's cotton chinos", "620342", 30, 70, 500, "PK"),
            ("Running shoes", "640411", 45, 120, 800, "VN"),
            ("Black tea, 500 g", "090230", 6, 18, 500, "IN"),
            ("Hardback book", "490199", 10, 35, 700, "GB"),
        ],
        destinations: &["FR", "DE", "US"],
        parcels: 100,
        ioss: "",
    },
];

/// The demo merchant of the accounts (Maison Lumière, France): its goods.
const LUMIERE_GOODS: &[Goods] = &[
    ("Face cream, 50 ml", "330499", 18, 65, 80, "FR"),
    ("Eau de parfum, 100 ml", "330300", 45, 140, 300, "FR"),
    ("Gold necklace, 18 carat", "711319", 180, 650, 20, "FR"),
    ("Textile handbag", "420222", 40, 160, 500, "FR"),
    ("Jersey dress, synthetic", "610443", 35, 95, 300, "PT"),
];

/// (name, street, city, postcode) by destination.
fn recipients(
    country: &str,
) -> &'static [(&'static str, &'static str, &'static str, &'static str)] {
    match country {
        "FR" => &[
            ("Jeanne Martin", "3 rue de la Paix", "Paris", "75002"),
            ("Lucas Bernard", "8 avenue Jean Jaurès", "Lyon", "69007"),
            (
                "Camille Petit",
                "14 rue Sainte-Catherine",
                "Bordeaux",
                "33000",
            ),
            ("Hugo Robert", "5 place du Capitole", "Toulouse", "31000"),
            (
                "Léa Richard",
                "22 boulevard de la Liberté",
                "Lille",
                "59000",
            ),
        ],
        "DE" => &[
            ("Anna Schmidt", "Friedrichstraße 43", "Berlin", "10117"),
            ("Jonas Müller", "Marienplatz 8", "München", "80331"),
            ("Mia Weber", "Zeil 12", "Frankfurt am Main", "60313"),
            ("Paul Fischer", "Jungfernstieg 7", "Hamburg", "20354"),
        ],
        "GB" => &[
            ("Oliver Smith", "10 High Street", "Oxford", "OX1 4AH"),
            ("Amelia Jones", "22 Deansgate", "Manchester", "M3 2BW"),
            ("Harry Taylor", "5 Royal Mile", "Edinburgh", "EH1 1RE"),
            ("Isla Brown", "7 Queen Street", "Cardiff", "CF10 2BH"),
            // The demo recipient's own parcels.
            ("Rafael Okafor", "18 Park Row", "Leeds", "LS1 5JL"),
        ],
        _ => &[
            ("John Smith", "350 Fifth Avenue", "New York", "10118"),
            ("Emily Davis", "1600 Market Street", "Philadelphia", "19103"),
            ("Michael Brown", "233 S Wacker Drive", "Chicago", "60606"),
            ("Sarah Wilson", "1 Ferry Building", "San Francisco", "94111"),
        ],
    }
}

/// A small deterministic generator (xorshift64*): the same demo every time.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.range(0, from.len() as i64 - 1) as usize]
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: i64) -> bool {
        self.range(1, 100) <= percent
    }
}

/// An amount with two decimals from cents.
fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// `n` declarations from a sender, as a merchant's system would send them.
#[allow(clippy::too_many_arguments)]
fn declarations(
    dice: &mut Dice,
    n: usize,
    sender: &PartyInput,
    currency: &str,
    goods: &[Goods],
    destinations: &[&str],
    ioss: &str,
    prefix: &str,
) -> Vec<DeclarationInput> {
    (0..n)
        .map(|i| {
            let to = *dice.pick(destinations);
            let (name, street, city, postcode) = *dice.pick(recipients(to));
            let mut lines = Vec::new();
            let mut net_g = 0;
            let mut total = 0;
            for _ in 0..dice.range(1, 3) {
                let (description, hs, lo, hi, grams, origin) = *dice.pick(goods);
                if lines.iter().any(|l: &LineInput| l.hs_code == hs) {
                    continue;
                }
                let quantity = if lo > 100 { 1 } else { dice.range(1, 3) };
                let unit = dice.range(lo * 100, hi * 100) / 10 * 10 - 1;
                let value = unit * quantity;
                total += value;
                let grams = grams * quantity;
                net_g += grams;
                lines.push(LineInput {
                    description: description.into(),
                    quantity: quantity.to_string(),
                    net_weight_kg: format!("{}.{:03}", grams / 1000, grams % 1000),
                    value: money(value),
                    hs_code: hs.into(),
                    origin: origin.into(),
                });
            }
            let gross = net_g + 150;
            let eu = app::domain::tariff::EU_MEMBERS.contains(&to);
            DeclarationInput {
                reference: format!("{prefix}-{:05}", 10_000 + i),
                sender: sender.clone(),
                addressee: PartyInput {
                    name: name.into(),
                    address1: street.into(),
                    city: city.into(),
                    postcode: postcode.into(),
                    country: to.into(),
                    email: if name == crate::demo::ACCOUNTS[1].name {
                        crate::demo::ACCOUNTS[1].email.to_owned()
                    } else {
                        format!(
                            "{}@example.test",
                            name.to_lowercase()
                                .replace(' ', ".")
                                .replace(['é', 'è'], "e")
                                .replace('ü', "u")
                        )
                    },
                    ..Default::default()
                },
                category: if dice.chance(4) {
                    "commercial_sample"
                } else {
                    "sale_of_goods"
                }
                .into(),
                currency: currency.into(),
                gross_weight_kg: format!("{}.{:03}", gross / 1000, gross % 1000),
                postage: money(dice.range(350, 1200)),
                incoterm: if dice.chance(15) { "DDP" } else { "DAP" }.into(),
                ioss_number: if eu && !ioss.is_empty() && total <= 15_000 && dice.chance(60) {
                    ioss.into()
                } else {
                    String::new()
                },
                non_delivery: "return".into(),
                invoice_number: format!("INV-{prefix}-{:05}", 10_000 + i),
                lines,
                ..Default::default()
            }
        })
        .collect()
}

async fn user_id(db: &Db, email: &str) -> AppResult<i64> {
    db::users::credentials_by_email(db, email)
        .await?
        .map(|c| c.id)
        .ok_or(AppError::Internal)
}

async fn caller_for(db: &Db, user_id: i64) -> AppResult<Caller> {
    let user = db::users::current_user(db, user_id)
        .await?
        .ok_or(AppError::Internal)?;
    Ok(Caller::session(Some(user)))
}

/// The sender printed on a company's declarations.
fn party(sender: (&str, &str, &str, &str), country: &str) -> PartyInput {
    PartyInput {
        name: sender.0.into(),
        address1: sender.1.into(),
        city: sender.2.into(),
        postcode: sender.3.into(),
        country: country.into(),
        ..Default::default()
    }
}

/// Loads the demo parcels into a database that has just received the demo
/// accounts; returns how many parcels were made.
pub async fn load(state: &AppState) -> AppResult<usize> {
    let db = &state.db;
    let hash = app::password::hash(DEMO_PASSWORD.to_owned()).await?;
    let mut dice = Dice(20_261_208);
    let mut made = 0;
    // The two other merchants, their accounts and their posts' ranges.
    for m in &MERCHANTS {
        let mut tx = db.begin().await?;
        let post = match db::orgs::list_orgs(db, Some("post"))
            .await?
            .into_iter()
            .find(|o| o.name == m.post.0)
        {
            Some(p) => p.id,
            None => db::orgs::insert_org(&mut tx, "post", m.post.0, m.country).await?,
        };
        let company = db::orgs::insert_org(&mut tx, "company", m.company, m.country).await?;
        for (company_id, last) in [
            (None, m.post.2 + 9_999_999),
            (Some(company), m.post.2 + 999_999),
        ] {
            db::ranges::insert_range(
                &mut tx,
                &db::ranges::NewRange {
                    post_id: post,
                    company_id,
                    service: m.post.1,
                    country: m.country,
                    first: m.post.2,
                    last,
                },
            )
            .await?;
        }
        let sender = party(m.sender, m.country);
        let json = serde_json::to_string(&sender).map_err(|_| AppError::Internal)?;
        db::company::save_profile(&mut tx, company, &json, m.country, m.currency, false).await?;
        let user = db::users::insert_user(
            &mut tx,
            &db::users::NewUser {
                email: m.email,
                password_hash: &hash,
                display_name: m.name,
                role: Role::Merchant,
                organisation_id: Some(company),
                office_id: None,
                language: None,
                is_demo: true,
                email_verified: true,
            },
        )
        .await?;
        tx.commit().await?;
        let inputs = declarations(
            &mut dice,
            m.parcels,
            &sender,
            m.currency,
            m.goods,
            m.destinations,
            m.ioss,
            &m.country.to_lowercase(),
        );
        let caller = caller_for(db, user).await?;
        made += app::ops::declarations::submit_batch(state, &caller, &inputs)
            .await?
            .len();
    }
    // Maison Lumière, the demo merchant of the accounts, to the United
    // Kingdom and the United States.
    let lumiere = user_id(db, crate::demo::ACCOUNTS[0].email).await?;
    let caller = caller_for(db, lumiere).await?;
    let profile = app::ops::company::profile(state, &caller).await?;
    let inputs = declarations(
        &mut dice,
        60,
        &profile.sender,
        "EUR",
        LUMIERE_GOODS,
        &["GB", "US"],
        "",
        "ml",
    );
    made += app::ops::declarations::submit_batch(state, &caller, &inputs)
        .await?
        .len();
    // The French officer works through some of the parcels waiting in the
    // yellow and red lanes: pre-clears, and asks for information.
    let officer = user_id(db, crate::demo::ACCOUNTS[3].email).await?;
    let officer = caller_for(db, officer).await?;
    let waiting = app::ops::customs::rules::parcels(state, &officer, None).await?;
    for (i, p) in waiting
        .iter()
        .filter(|p| p.customs_status == "assessed" && p.lane.as_deref() != Some("green"))
        .enumerate()
    {
        let (decision, reason, text) = match i % 4 {
            0 => (
                "PRE_CLEAR",
                "OTHER",
                "Documents checked; nothing further needed.",
            ),
            1 => (
                "REQUEST_INFO",
                "MISSING_DOCUMENTS",
                "Please send the invoice showing the price paid.",
            ),
            _ => continue,
        };
        app::ops::customs::decide(
            state,
            &officer,
            Decide {
                parcel_id: p.id,
                version: p.version,
                decision: decision.into(),
                reason_code: reason.into(),
                text: text.into(),
            },
        )
        .await?;
    }
    Ok(made)
}
