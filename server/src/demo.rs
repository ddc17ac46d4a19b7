//! Demo data for development: one account per role, and a post and a customs
//! administration with offices in a few countries. Loaded into an empty
//! database only; production refuses to start while demo accounts exist.
use app::db::{self, Db};
use app::domain::account::Role;
use app::error::AppResult;
use app::password;

/// The password of every demo account (also in the README).
pub const DEMO_PASSWORD: &str = "postclear-demo";

/// The authenticator secret of every demo staff account (also in the
/// README): add it to any authenticator app, or run `make demo-code`.
pub const DEMO_TOTP_SECRET: &str = "PCDEMOPCDEMOPCDEMOPCDEMOPCDEMOAA";

pub struct DemoAccount {
    pub email: &'static str,
    pub name: &'static str,
    pub role: Role,
}

pub const ACCOUNTS: [DemoAccount; 6] = [
    DemoAccount {
        email: "merchant@demo.postclear.test",
        name: "Margaux Fontaine",
        role: Role::Merchant,
    },
    DemoAccount {
        email: "recipient@demo.postclear.test",
        name: "Rafael Okafor",
        role: Role::Recipient,
    },
    DemoAccount {
        email: "clerk@demo.postclear.test",
        name: "Claire Dubois",
        role: Role::PostalClerk,
    },
    DemoAccount {
        email: "officer@demo.postclear.test",
        name: "Olivier Martin",
        role: Role::CustomsOfficer,
    },
    DemoAccount {
        email: "supervisor@demo.postclear.test",
        name: "Sophie Laurent",
        role: Role::CustomsSupervisor,
    },
    DemoAccount {
        email: "admin@demo.postclear.test",
        name: "Adrien Moreau",
        role: Role::Admin,
    },
];

/// (country, post, customs, [(office kind, code, name, postcode)] of the post, customs office)
type CountrySeed = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, &'static str, &'static str)],
    (&'static str, &'static str),
);

const COUNTRIES: &[CountrySeed] = &[
    (
        "FR",
        "La Poste (demo)",
        "Direction générale des douanes (demo)",
        &[
            (
                "exchange",
                "FRCDGA",
                "Roissy CDG office of exchange",
                "95700",
            ),
            ("delivery", "FR75015", "Paris 15 delivery office", "75015"),
        ],
        ("FRCDG1", "Roissy-Charles de Gaulle customs"),
    ),
    (
        "DE",
        "Deutsche Post (demo)",
        "Zoll (demo)",
        &[
            (
                "exchange",
                "DEFRAA",
                "Frankfurt office of exchange",
                "60549",
            ),
            (
                "delivery",
                "DE10115",
                "Berlin Mitte delivery office",
                "10115",
            ),
        ],
        ("DEFRA1", "Frankfurt airport customs"),
    ),
    (
        "GB",
        "Royal Mail (demo)",
        "HM Revenue & Customs (demo)",
        &[
            (
                "exchange",
                "GBCVTA",
                "Coventry office of exchange",
                "CV3 4PX",
            ),
            (
                "delivery",
                "GBEC1",
                "London EC1 delivery office",
                "EC1A 1BB",
            ),
        ],
        ("GBCVT1", "Coventry international mail customs"),
    ),
    (
        "US",
        "USPS (demo)",
        "U.S. Customs and Border Protection (demo)",
        &[
            (
                "exchange",
                "USJFKA",
                "New York JFK international service center",
                "11430",
            ),
            (
                "delivery",
                "US10001",
                "New York 10001 delivery office",
                "10001",
            ),
        ],
        ("USJFK1", "JFK international mail facility"),
    ),
];

/// Loads the demo data if the database has no account yet. Returns whether
/// it did. With `staff_totp`, staff accounts sign in with [`DEMO_TOTP_SECRET`].
pub async fn load_if_empty(db: &Db, staff_totp: bool) -> AppResult<bool> {
    if db::users::count_users(db).await? > 0 {
        return Ok(false);
    }
    let hash = password::hash(DEMO_PASSWORD.to_owned()).await?;
    let mut tx = db.begin().await?;
    let mut fr = (0, 0, 0, 0); // post, exchange office, customs, customs office
    for (country, post, customs, post_offices, customs_office) in COUNTRIES {
        let post_id = db::orgs::insert_org(&mut tx, "post", post, country).await?;
        let mut exchange = 0;
        for (kind, code, name, postcode) in post_offices.iter() {
            let id = db::orgs::insert_office(&mut tx, post_id, kind, code, name, postcode).await?;
            if *kind == "exchange" {
                exchange = id;
            }
        }
        // Parcels to this country go through its office of exchange.
        db::routing::insert_route(&mut tx, country, "", exchange).await?;
        let customs_id = db::orgs::insert_org(&mut tx, "customs", customs, country).await?;
        let c_office = db::orgs::insert_office(
            &mut tx,
            customs_id,
            "customs",
            customs_office.0,
            customs_office.1,
            "",
        )
        .await?;
        // Its officers clear the parcels arriving at the office of exchange.
        db::orgs::set_customs_office(&mut tx, exchange, Some(c_office)).await?;
        if *country == "FR" {
            fr = (post_id, exchange, customs_id, c_office);
        }
        demo_risk_rules(&mut tx, country).await?;
    }
    let company =
        db::orgs::insert_org(&mut tx, "company", "Maison Lumière SARL (demo)", "FR").await?;
    // La Poste's S10 range, and the demo merchant's share of it.
    for company_id in [None, Some(company)] {
        db::ranges::insert_range(
            &mut tx,
            &db::ranges::NewRange {
                post_id: fr.0,
                company_id,
                service: "LX",
                country: "FR",
                first: 10_000_000,
                last: if company_id.is_some() {
                    10_999_999
                } else {
                    19_999_999
                },
            },
        )
        .await?;
    }
    let sender = app::domain::declaration::PartyInput {
        name: "Maison Lumière SARL".into(),
        address1: "12 rue des Lilas".into(),
        city: "Lyon".into(),
        postcode: "69001".into(),
        country: "FR".into(),
        phone: "+33 4 78 00 00 00".into(),
        email: "expeditions@maison-lumiere.example".into(),
        tax_ref: "FR12345678901".into(),
        ..Default::default()
    };
    let sender = serde_json::to_string(&sender).map_err(|_| app::error::AppError::Internal)?;
    db::company::save_profile(&mut tx, company, &sender, "FR", "EUR", false).await?;
    for a in &ACCOUNTS {
        let (org, office) = match a.role {
            Role::Merchant => (Some(company), None),
            Role::PostalClerk => (Some(fr.0), Some(fr.1)),
            Role::CustomsOfficer => (Some(fr.2), Some(fr.3)),
            Role::CustomsSupervisor => (Some(fr.2), None),
            Role::Recipient | Role::Admin => (None, None),
        };
        let id = db::users::insert_user(
            &mut tx,
            &db::users::NewUser {
                email: a.email,
                password_hash: &hash,
                display_name: a.name,
                role: a.role,
                organisation_id: org,
                office_id: office,
                language: None,
                is_demo: true,
                email_verified: true,
            },
        )
        .await?;
        if staff_totp && a.role.is_staff() {
            db::users::enable_totp(&mut tx, id, DEMO_TOTP_SECRET, 0, &[]).await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}

/// Reason codes every administration starts with.
pub const REASON_CODES: &[(&str, &str)] = &[
    ("UNDERVALUATION", "Undervaluation"),
    ("PROHIBITED", "Prohibited or restricted goods"),
    ("MISSING_DOCUMENTS", "Missing documents"),
    ("IPR", "Intellectual property infringement"),
    ("HEALTH_SPS", "Health, sanitary and phytosanitary"),
    ("SAFETY", "Product safety"),
    ("SECURITY", "Security"),
    ("RANDOM", "Random check"),
    ("OTHER", "Other"),
];

/// A starting set of risk rules, a small watchlist and the reason codes for
/// the customs administration of `country` (supervisors change them).
async fn demo_risk_rules(tx: &mut db::Tx, country: &str) -> AppResult<()> {
    use app::db::customs::{insert_reason_code, insert_rule, insert_watch, NewRule};
    use app::domain::risk::{RiskCategory, RuleKind, WatchAction, WatchEntry};
    use app::domain::tariff::Validity;
    let eur = app::domain::goods::Currency::parse("currency", "EUR")
        .map_err(|_| app::error::AppError::Internal)?;
    let words = |w: &[&str]| RuleKind::Keyword {
        words: w.iter().map(|s| s.to_string()).collect(),
    };
    let rules: Vec<(&str, RuleKind, i32, RiskCategory)> = vec![
        (
            "Weapons and ammunition",
            words(&[
                "weapon",
                "pistol",
                "revolver",
                "ammunition",
                "cartridge",
                "taser",
                "knuckle",
            ]),
            60,
            RiskCategory::Security,
        ),
        (
            "Drugs and medicines",
            words(&[
                "cannabis", "cocaine", "tramadol", "codeine", "steroid", "kratom",
            ]),
            60,
            RiskCategory::Health,
        ),
        (
            "Vapes and nicotine",
            words(&["vape", "e-cigarette", "nicotine"]),
            35,
            RiskCategory::Health,
        ),
        (
            "Counterfeit brands",
            words(&["replica", "counterfeit", "fake"]),
            40,
            RiskCategory::Fiscal,
        ),
        (
            "Plants, seeds and meat",
            words(&["seeds", "bulbs", "meat", "sausage", "ivory"]),
            35,
            RiskCategory::Health,
        ),
        (
            "Lithium batteries",
            RuleKind::HsPrefix {
                prefix: "850760".into(),
            },
            20,
            RiskCategory::Safety,
        ),
        (
            "Smartphones declared under EUR 50 per kg",
            RuleKind::ValuePerKgBelow {
                hs_prefix: "8517".into(),
                min_per_kg_minor: 5_000,
                currency: eur,
            },
            35,
            RiskCategory::Fiscal,
        ),
        (
            "Gift declared by a business",
            RuleKind::GiftByMerchant,
            40,
            RiskCategory::Fiscal,
        ),
        (
            "HS code of no chapter",
            RuleKind::HsImplausible,
            30,
            RiskCategory::Fiscal,
        ),
        (
            "Advance data after arrival",
            RuleKind::LateData,
            20,
            RiskCategory::Security,
        ),
        (
            "Sender or addressee on the watchlist",
            RuleKind::Watchlist,
            40,
            RiskCategory::Security,
        ),
        (
            "Random selection, 1 %",
            RuleKind::Random { rate_ppm: 10_000 },
            30,
            RiskCategory::Fiscal,
        ),
    ];
    let valid = Validity {
        from: time::macros::date!(2020 - 01 - 01),
        to: None,
    };
    for (name, kind, weight, category) in &rules {
        insert_rule(
            tx,
            &NewRule {
                administration: country,
                name,
                kind,
                weight: *weight,
                category: *category,
                enabled: true,
                valid,
                by: None,
            },
        )
        .await?;
    }
    for (name, action) in [
        ("Blocked Trading Ltd", WatchAction::Block),
        ("Watched Imports Co", WatchAction::Warn),
    ] {
        insert_watch(
            tx,
            &WatchEntry {
                id: 0,
                administration: country.to_owned(),
                name: name.to_owned(),
                country: String::new(),
                action,
            },
            "demo",
        )
        .await?;
    }
    for (code, label) in REASON_CODES {
        insert_reason_code(tx, country, code, label).await?;
    }
    Ok(())
}
