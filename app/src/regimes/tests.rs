//! Worked examples of every seeded regime, on both sides of each threshold.
use time::macros::date;
use time::Date;

use super::*;
use crate::domain::assess::{assess, AssessInput, Assessment, Payer, TaxKind};
use crate::domain::declaration::{
    self, Context, Declaration, DeclarationInput, LineInput, PartyInput,
};

fn data() -> RegimeData {
    seed().expect("the seed files are valid").data()
}

/// One line of `hs` worth `value` in `currency`, to `to`.
fn parcel(
    to: &str,
    currency: &str,
    hs: &str,
    value: &str,
    tweak: impl FnOnce(&mut DeclarationInput),
) -> Declaration {
    let party = |country: &str| PartyInput {
        name: "Ann Example".into(),
        address1: "1 Main Street".into(),
        city: "Town".into(),
        postcode: "12345".into(),
        country: country.into(),
        ..Default::default()
    };
    let mut input = DeclarationInput {
        sender: party("FR"),
        addressee: party(to),
        category: "sale_of_goods".into(),
        currency: currency.into(),
        gross_weight_kg: "1".into(),
        incoterm: "DAP".into(),
        non_delivery: "return".into(),
        lines: vec![LineInput {
            description: "Cotton T-shirt".into(),
            quantity: "1".into(),
            net_weight_kg: "0.5".into(),
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

fn at(d: &Declaration, to: &str, day: Date) -> Assessment {
    assess(
        &AssessInput {
            declaration: d,
            destination: to,
            day,
            by_merchant: true,
            cbec_platform: true,
            year_to_date_minor: 0,
        },
        &data(),
    )
}

fn codes(a: &Assessment) -> Vec<&'static str> {
    a.notes.iter().map(|n| n.code.as_str()).collect()
}

#[test]
fn the_seed_files_read_without_problems() {
    let s = seed().unwrap();
    assert_eq!(s.regimes.len(), 10);
    assert!(s.tariff.len() > 100, "{}", s.tariff.len());
    let watch = s
        .tariff
        .iter()
        .find(|t| t.territory == "EU" && t.hs_prefix == "910211")
        .unwrap();
    assert_eq!(watch.duty.min_minor, Some(30));
    assert_eq!(watch.duty.max_minor, Some(80));
    let us = s
        .regimes
        .iter()
        .find(|r| r.code == "US-2025-IEEPA")
        .unwrap();
    assert!(
        !us.postal_specific,
        "the carrier's election is an admin's setting"
    );
    assert_eq!(us.postal_bands.len(), 3);
    assert_eq!(us.postal_bands[0].below_ppm, Some(160_000));
    assert_eq!(us.postal_bands[2].amount_minor, 20_000);
}

#[test]
fn eu_before_july_2021_vat_free_up_to_22_euros() {
    let day = date!(2021 - 06 - 30);
    let a = at(&parcel("FR", "EUR", "610910", "22.00", |_| {}), "FR", day);
    assert_eq!(a.regime, "EU-2010");
    assert_eq!(codes(&a), vec!["duty_relief", "vat_free"]);
    assert_eq!(a.total_minor, 0);
    let a = at(&parcel("FR", "EUR", "610910", "22.01", |_| {}), "FR", day);
    assert_eq!(a.sum(TaxKind::Vat), 440);
}

#[test]
fn eu_from_july_2021_vat_on_everything_duty_from_150_01() {
    let day = date!(2021 - 07 - 01);
    let a = at(&parcel("FR", "EUR", "610910", "22.00", |_| {}), "FR", day);
    assert_eq!(a.regime, "EU-2021");
    assert_eq!(a.sum(TaxKind::Vat), 440);
    let a = at(&parcel("FR", "EUR", "610910", "150.00", |_| {}), "FR", day);
    assert_eq!((a.sum(TaxKind::Duty), a.sum(TaxKind::Vat)), (0, 3_000));
    let a = at(&parcel("FR", "EUR", "610910", "150.01", |_| {}), "FR", day);
    assert_eq!((a.sum(TaxKind::Duty), a.sum(TaxKind::Vat)), (1_800, 3_360));
    // Germany's own VAT rate; sports shoes at 16.9 %.
    let a = at(&parcel("DE", "EUR", "640411", "200.00", |_| {}), "DE", day);
    assert_eq!((a.sum(TaxKind::Duty), a.sum(TaxKind::Vat)), (3_380, 4_442));
    // IOSS: no VAT at import up to EUR 150.
    let ioss = parcel("FR", "EUR", "610910", "150.00", |i| {
        i.ioss_number = "IM2500000001".into()
    });
    assert_eq!(at(&ioss, "FR", day).payer, Payer::Nobody);
}

#[test]
fn eu_from_july_2026_three_euros_per_subheading() {
    let day = date!(2026 - 07 - 01);
    let a = at(&parcel("FR", "EUR", "610910", "150.00", |_| {}), "FR", day);
    assert_eq!(a.regime, "EU-2026");
    assert_eq!(a.sum(TaxKind::FlatDuty), 300);
    assert_eq!(a.sum(TaxKind::Vat), 3_060);
    let a = at(&parcel("FR", "EUR", "610910", "150.01", |_| {}), "FR", day);
    assert_eq!((a.sum(TaxKind::FlatDuty), a.sum(TaxKind::Duty)), (0, 1_800));
    let a = at(
        &parcel("FR", "EUR", "610910", "150.00", |_| {}),
        "FR",
        date!(2028 - 07 - 01),
    );
    assert_eq!(
        (a.regime.as_str(), a.sum(TaxKind::Duty)),
        ("EU-2028", 1_800)
    );
}

#[test]
fn uk_135_pounds_at_sale_then_duty_vat_and_the_fee() {
    let day = date!(2026 - 03 - 01);
    let a = at(&parcel("GB", "GBP", "610910", "135.00", |_| {}), "GB", day);
    assert_eq!(codes(&a), vec!["collected_at_sale"]);
    let a = at(&parcel("GB", "GBP", "610910", "135.01", |_| {}), "GB", day);
    assert_eq!(a.total_minor, 1_620 + 3_024 + 800);
    // EUR 158.00 is GBP 134.30 at the seeded rate: collected at sale.
    let a = at(&parcel("GB", "EUR", "610910", "158.00", |_| {}), "GB", day);
    assert_eq!(a.goods_value_minor, 13_430);
    assert_eq!(a.payer, Payer::Nobody);
}

/// DOMAIN.md, "Duties and taxes", United States (EO 14324; the Supreme
/// Court ruling of 20 February 2026; the CBP interim final rule from 24 July
/// 2026); T-shirts of Chinese origin, MFN 16.5 % (TARIFF_REFERENCE.md row 1).
#[test]
fn us_de_minimis_then_three_postal_periods() {
    let shirt = |v: &str| {
        parcel("US", "USD", "610910", v, |i| {
            // Freight is not in the US dutiable value.
            i.postage = "9.50".into();
        })
    };
    let a = at(&shirt("800.00"), "US", date!(2025 - 08 - 28));
    assert_eq!(codes(&a), vec!["de_minimis"]);
    // USD 800.01 × 16.5 % = 132.00.
    let a = at(&shirt("800.01"), "US", date!(2025 - 08 - 28));
    assert_eq!(a.sum(TaxKind::Duty), 13_200);
    // Posted 1 October 2025: USD 50 from China pays only the IEEPA duty,
    // 30 % = USD 15.00 (it was charged USD 88.25 before this correction).
    let a = at(&shirt("50.00"), "US", date!(2025 - 10 - 01));
    assert_eq!(a.regime, "US-2025-IEEPA");
    assert_eq!((a.sum(TaxKind::Duty), a.total_minor), (0, 1_500));
    // 20 % from 10 November 2025: USD 10.00.
    assert_eq!(
        at(&shirt("50.00"), "US", date!(2025 - 11 - 10)).total_minor,
        1_000
    );
    // 24 February - 23 July 2026: Section 122, 10 %: USD 5.00.
    let a = at(&shirt("50.00"), "US", date!(2026 - 02 - 24));
    assert_eq!((a.regime.as_str(), a.total_minor), ("US-2026-S122", 500));
    assert_eq!(
        at(&shirt("50.00"), "US", date!(2026 - 07 - 23)).total_minor,
        500
    );
    // From 24 July 2026: MFN 16.5 % = 8.25 plus Section 301 (seeded at
    // 7.5 %) = 3.75.
    let a = at(&shirt("50.00"), "US", date!(2026 - 07 - 24));
    assert_eq!(a.regime, "US-2026-07");
    assert_eq!(
        (a.sum(TaxKind::Duty), a.sum(TaxKind::AdditionalDuty)),
        (825, 375)
    );
}

/// With the carrier's election set on the regime (an admin's change), the
/// same parcel pays USD 200.00 per item (China's 30 % is above 25 %).
#[test]
fn us_elected_specific_duty_per_postal_item() {
    let mut s = seed().unwrap();
    for r in s.regimes.iter_mut().filter(|r| r.code == "US-2025-IEEPA") {
        r.postal_specific = true;
    }
    let d = parcel("US", "USD", "610910", "50.00", |_| {});
    let a = assess(
        &AssessInput {
            declaration: &d,
            destination: "US",
            day: date!(2025 - 10 - 01),
            by_merchant: true,
            cbec_platform: false,
            year_to_date_minor: 0,
        },
        &s.data(),
    );
    assert_eq!(a.total_minor, 20_000);
}

/// Every member state has its VAT rate on every day from now on, with the
/// changes DOMAIN.md lists (EE 22 → 24 from 1 July 2025, FI 25.5 from
/// 1 September 2024, RO 21 from 1 August 2025, SK 23 from 1 January 2025).
#[test]
fn eu_vat_for_all_27_member_states_with_their_dated_changes() {
    let data = data();
    assert_eq!(data.vat_gaps(date!(2021 - 07 - 01)), vec![]);
    // A EUR 100.00 T-shirt (duty relief up to EUR 150): VAT on 100.00.
    let vat = |to: &str, day: Date| {
        at(&parcel(to, "EUR", "610910", "100.00", |_| {}), to, day).sum(TaxKind::Vat)
    };
    for (to, rate) in [
        ("AT", 2_000),
        ("BE", 2_100),
        ("BG", 2_000),
        ("HR", 2_500),
        ("CY", 1_900),
        ("CZ", 2_100),
        ("DK", 2_500),
        ("EE", 2_400),
        ("FI", 2_550),
        ("FR", 2_000),
        ("DE", 1_900),
        ("GR", 2_400),
        ("HU", 2_700),
        ("IE", 2_300),
        ("IT", 2_200),
        ("LV", 2_100),
        ("LT", 2_100),
        ("LU", 1_700),
        ("MT", 1_800),
        ("NL", 2_100),
        ("PL", 2_300),
        ("PT", 2_300),
        ("RO", 2_100),
        ("SK", 2_300),
        ("SI", 2_200),
        ("ES", 2_100),
        ("SE", 2_500),
    ] {
        assert_eq!(vat(to, date!(2026 - 03 - 01)), rate, "{to}");
    }
    assert_eq!(vat("EE", date!(2025 - 06 - 30)), 2_200);
    assert_eq!(vat("EE", date!(2025 - 07 - 01)), 2_400);
    assert_eq!(vat("FI", date!(2024 - 08 - 31)), 2_400);
    assert_eq!(vat("RO", date!(2025 - 07 - 31)), 1_900);
    assert_eq!(vat("SK", date!(2024 - 12 - 31)), 2_000);
    // Reduced rates by HS prefix: books in France 5.5 %, Germany 7 %.
    let book = |to: &str| {
        at(
            &parcel(to, "EUR", "490199", "100.00", |_| {}),
            to,
            date!(2026 - 03 - 01),
        )
        .sum(TaxKind::Vat)
    };
    assert_eq!((book("FR"), book("DE")), (550, 700));
}

/// A member state with no VAT row is a data error: the gap is reported and
/// the assessment is incomplete, never "no VAT".
#[test]
fn a_member_state_without_a_vat_row_is_a_data_error() {
    let mut s = seed().unwrap();
    s.vat.retain(|v| v.country != "MT");
    let data = s.data();
    assert_eq!(
        data.vat_gaps(date!(2026 - 12 - 08)),
        vec![("MT".to_owned(), date!(2026 - 12 - 08))]
    );
    let d = parcel("MT", "EUR", "610910", "100.00", |_| {});
    let a = assess(
        &AssessInput {
            declaration: &d,
            destination: "MT",
            day: date!(2026 - 12 - 08),
            by_merchant: true,
            cbec_platform: false,
            year_to_date_minor: 0,
        },
        &data,
    );
    assert!(!a.complete);
    assert!(codes(&a).contains(&"no_vat_rate"));
    // The United States levies no VAT: no gap there.
    assert!(data
        .vat_gaps(date!(2026 - 12 - 08))
        .iter()
        .all(|(c, _)| c != "US"));
}

#[test]
fn china_cbec_limits_and_the_tea_rate() {
    let day = date!(2026 - 03 - 01);
    let a = at(&parcel("CN", "CNY", "610910", "5000.00", |_| {}), "CN", day);
    assert_eq!(codes(&a), vec!["cbec"]);
    assert_eq!(a.total_minor, 45_500);
    // One indivisible item over CNY 5,000: cross-border at full rates, 6 %
    // duty → 300.00 and 13 % VAT of 5,300.01 → 689.00.
    let a = at(&parcel("CN", "CNY", "610910", "5000.01", |_| {}), "CN", day);
    assert_eq!(codes(&a), vec!["cbec_single_item"]);
    assert_eq!(
        (a.sum(TaxKind::Duty), a.sum(TaxKind::Vat)),
        (30_000, 68_900)
    );
    // Tea: 9 % VAT, 6.3 % within CBEC.
    let a = at(&parcel("CN", "CNY", "090230", "100.00", |_| {}), "CN", day);
    assert_eq!(a.total_minor, 630);
    // Euros at 7.80.
    let a = at(&parcel("CN", "EUR", "610910", "100.00", |_| {}), "CN", day);
    assert_eq!(a.goods_value_minor, 78_000);
}

#[test]
fn bad_rows_are_reported_with_row_and_column() {
    let text = "territory,hs_prefix,ad_valorem_percent,valid_from,valid_to\n\
                EU,6109,12,2021-01-01,\n\
                XX,61a9,twelve,2021-13-01,\n\
                GB,6109,12,2021-01-01,2020-01-01\n";
    let eur = Currency::parse("c", "EUR").ok();
    let problems = parse_tariff(text, |_| eur).unwrap_err();
    let at: Vec<(u64, &str)> = problems
        .iter()
        .map(|p| (p.row, p.column.as_str()))
        .collect();
    assert_eq!(
        at,
        vec![
            (3, "territory"),
            (3, "hs_prefix"),
            (3, "ad_valorem_percent"),
            (3, "valid_from"),
            (4, "valid_to"),
        ]
    );
    assert_eq!(
        parse_vat("country,hs_prefix\nFR,\n", |_| None).unwrap_err(),
        vec![
            Problem::new(1, "vat_percent", "missing_column"),
            Problem::new(1, "valid_from", "missing_column"),
        ]
    );
}
