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
    assert_eq!(s.regimes.len(), 9);
    assert!(s.tariff.len() > 100, "{}", s.tariff.len());
    let watch = s
        .tariff
        .iter()
        .find(|t| t.territory == "EU" && t.hs_prefix == "910211")
        .unwrap();
    assert_eq!(watch.duty.min_minor, Some(30));
    assert_eq!(watch.duty.max_minor, Some(80));
    let us = s.regimes.iter().find(|r| r.code == "US-2025").unwrap();
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

#[test]
fn us_de_minimis_until_29_august_2025_then_additional_duties() {
    let shirt = |v: &str| parcel("US", "USD", "610910", v, |_| {});
    let a = at(&shirt("800.00"), "US", date!(2025 - 08 - 28));
    assert_eq!(codes(&a), vec!["de_minimis"]);
    let a = at(&shirt("800.01"), "US", date!(2025 - 08 - 28));
    assert_eq!(a.sum(TaxKind::Duty), 13_200);
    // From 29 August 2025: MFN 16.5 % and USD 80 per item (15 % < 16 %).
    let a = at(&shirt("50.00"), "US", date!(2025 - 08 - 29));
    assert_eq!(a.regime, "US-2025");
    assert_eq!(a.total_minor, 825 + 8_000);
    // From 28 February 2026: 15 % ad valorem instead.
    let a = at(&shirt("50.00"), "US", date!(2026 - 02 - 28));
    assert_eq!(a.total_minor, 825 + 750);
}

#[test]
fn china_cbec_limits_and_the_tea_rate() {
    let day = date!(2026 - 03 - 01);
    let a = at(&parcel("CN", "CNY", "610910", "5000.00", |_| {}), "CN", day);
    assert_eq!(codes(&a), vec!["cbec"]);
    assert_eq!(a.total_minor, 45_500);
    let a = at(&parcel("CN", "CNY", "610910", "5000.01", |_| {}), "CN", day);
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
        parse_vat("country,hs_prefix\nFR,\n").unwrap_err(),
        vec![
            Problem::new(1, "vat_percent", "missing_column"),
            Problem::new(1, "valid_from", "missing_column"),
        ]
    );
}
