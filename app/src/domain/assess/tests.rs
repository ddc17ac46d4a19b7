//! Worked examples of the engine on regimes built here (the seeded regimes
//! have their own examples in `crate::regimes`).
use time::macros::date;
use time::Date;

use super::*;
use crate::domain::declaration::{self, Context, DeclarationInput, LineInput, PartyInput};
use crate::domain::tariff::{
    AdditionalDuty, Cbec, Duty, FxRate, HighEnd, PostalBand, Regime, RegimeData, SpecificUnit,
    TariffLine, Validity, VatRate,
};

fn cur(c: &str) -> Currency {
    Currency::parse("c", c).unwrap()
}

fn always() -> Validity {
    Validity {
        from: date!(2000 - 01 - 01),
        to: None,
    }
}

fn tariff(territory: &str, prefix: &str, duty: Duty) -> TariffLine {
    TariffLine {
        id: 0,
        territory: territory.into(),
        hs_prefix: prefix.into(),
        description: String::new(),
        duty,
        valid: always(),
    }
}

fn vat(country: &str, prefix: &str, vat: i64, ct: i64, postal: i64) -> VatRate {
    VatRate {
        id: 0,
        country: country.into(),
        hs_prefix: prefix.into(),
        vat_ppm: vat,
        consumption_ppm: ct,
        postal_article_ppm: postal,
        high_end: None,
        valid: always(),
    }
}

fn between(from: Date, to: Option<Date>) -> Validity {
    Validity { from, to }
}

fn data() -> RegimeData {
    build(false)
}

/// The regimes of these examples; `us_specific`: the carrier elected the
/// specific duty per postal item (United States, to February 2026).
fn build(us_specific: bool) -> RegimeData {
    let eur = cur("EUR");
    let mut eu_2021 = Regime::plain("EU-2021", "EU", eur, date!(2021 - 07 - 01));
    eu_2021.valid.to = Some(date!(2026 - 07 - 01));
    eu_2021.duty_free_max = Some(15_000);
    eu_2021.ioss_max = Some(15_000);
    eu_2021.gift_free_max = Some(4_500);
    let mut eu_2026 = Regime::plain("EU-2026", "EU", eur, date!(2026 - 07 - 01));
    eu_2026.flat_duty_minor = Some(300);
    eu_2026.flat_duty_max = Some(15_000);
    eu_2026.ioss_max = Some(15_000);
    eu_2026.gift_free_max = Some(4_500);
    let mut gb = Regime::plain("GB-2021", "GB", cur("GBP"), date!(2021 - 01 - 01));
    gb.collected_at_sale_max = Some(13_500);
    gb.duty_free_max = Some(13_500);
    gb.gift_vat_free_max = Some(3_900);
    gb.handling_fee_minor = 800;
    let usd = cur("USD");
    // DOMAIN.md, "Duties and taxes", United States: three postal periods,
    // no VAT, gifts up to USD 100 exempt, freight not in the dutiable value.
    let us = |code: &str, from: Date, to: Option<Date>, tariff: bool| {
        let mut r = Regime::plain(code, "US", usd, from);
        r.valid.to = to;
        r.tariff_duties = tariff;
        r.additional_duties = true;
        r.gift_free_max = Some(10_000);
        r.import_vat = false;
        r.transport_in_value = false;
        r
    };
    let mut us_bands = us(
        "US-2025-IEEPA",
        date!(2025 - 08 - 29),
        Some(date!(2026 - 02 - 24)),
        false,
    );
    us_bands.postal_specific = us_specific;
    us_bands.postal_bands = vec![
        PostalBand {
            below_ppm: Some(160_000),
            amount_minor: 8_000,
        },
        PostalBand {
            below_ppm: Some(250_001),
            amount_minor: 16_000,
        },
        PostalBand {
            below_ppm: None,
            amount_minor: 20_000,
        },
    ];
    let us_s122 = us(
        "US-2026-S122",
        date!(2026 - 02 - 24),
        Some(date!(2026 - 07 - 24)),
        false,
    );
    let us_2026 = us("US-2026-07", date!(2026 - 07 - 24), None, true);
    let mut cn = Regime::plain("CN-2019", "CN", cur("CNY"), date!(2019 - 01 - 01));
    cn.cbec = Some(Cbec {
        per_transaction_max: 500_000,
        annual_max: 2_600_000,
        share_ppm: 700_000,
    });
    cn.postal_article_max = Some(100_000);
    cn.postal_article_near_max = Some(80_000);
    cn.postal_waive_max = Some(5_000);
    let fx = |base: &str, c: &str, micro: i64| FxRate {
        id: 0,
        base: cur(base),
        currency: cur(c),
        day: date!(2020 - 01 - 01),
        per_base_micro: micro,
    };
    RegimeData::new(
        vec![eu_2021, eu_2026, gb, us_bands, us_s122, us_2026, cn],
        vec![
            tariff("EU", "610910", Duty::ad_valorem(120_000)),
            tariff("EU", "640411", Duty::ad_valorem(169_000)),
            tariff(
                "EU",
                "910211",
                Duty {
                    ad_valorem_ppm: 45_000,
                    specific_minor: 0,
                    specific_unit: crate::domain::tariff::SpecificUnit::Item,
                    min_minor: Some(30),
                    max_minor: Some(80),
                },
            ),
            tariff("GB", "610910", Duty::ad_valorem(120_000)),
            tariff("US", "610910", Duty::ad_valorem(165_000)),
            tariff("CN", "610910", Duty::ad_valorem(60_000)),
            tariff("CN", "3304", Duty::ad_valorem(10_000)),
        ],
        vec![
            vat("FR", "", 200_000, 0, 0),
            vat("GB", "", 200_000, 0, 0),
            // DOMAIN.md, China: postal-article tax 20 % for goods such as
            // textiles, 13 % for food.
            vat("CN", "", 130_000, 0, 200_000),
            vat("CN", "0902", 90_000, 0, 130_000),
            // Cosmetics: ordinary 20 %; high-end (CNY 10 or more per g,
            // TARIFF_REFERENCE.md row 16) consumption tax 15 %, postal 50 %.
            VatRate {
                high_end: Some(HighEnd {
                    min_minor: 1_000_000,
                    unit: SpecificUnit::KgNet,
                    consumption_ppm: 150_000,
                    postal_article_ppm: 500_000,
                }),
                ..vat("CN", "3304", 130_000, 0, 200_000)
            },
        ],
        vec![
            // IEEPA baseline, then the Section 122 surcharge, every origin.
            additional(
                "*",
                100_000,
                date!(2025 - 08 - 29),
                Some(date!(2026 - 07 - 24)),
            ),
            // IEEPA on goods of China: 30 % to 9 November 2025, then 20 %.
            additional(
                "CN",
                300_000,
                date!(2025 - 08 - 29),
                Some(date!(2025 - 11 - 10)),
            ),
            additional(
                "CN",
                200_000,
                date!(2025 - 11 - 10),
                Some(date!(2026 - 02 - 24)),
            ),
            // From 24 July 2026, a Section 301 layer (7.5 % here).
            additional("CN", 75_000, date!(2026 - 07 - 24), None),
        ],
        vec![fx("EUR", "USD", 1_100_000), fx("EUR", "GBP", 850_000)],
    )
}

fn additional(origin: &str, rate_ppm: i64, from: Date, to: Option<Date>) -> AdditionalDuty {
    AdditionalDuty {
        id: 0,
        territory: "US".into(),
        origin: origin.into(),
        rate_ppm,
        valid: between(from, to),
    }
}

/// A declaration: (HS code, value, quantity, net kg, origin) per line.
fn decl(
    currency: &str,
    lines: &[(&str, &str, &str, &str, &str)],
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
        sender: party("CN"),
        addressee: party("FR"),
        category: "sale_of_goods".into(),
        currency: currency.into(),
        gross_weight_kg: "5".into(),
        incoterm: "DAP".into(),
        non_delivery: "return".into(),
        lines: lines
            .iter()
            .map(|(hs, value, q, kg, origin)| LineInput {
                description: "Cotton T-shirt".into(),
                quantity: (*q).into(),
                net_weight_kg: (*kg).into(),
                value: (*value).into(),
                hs_code: (*hs).into(),
                origin: (*origin).into(),
            })
            .collect(),
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

fn run(d: &Declaration, to: &str, day: Date) -> Assessment {
    run_with(d, to, day, true, 0)
}

fn run_with(d: &Declaration, to: &str, day: Date, merchant: bool, ytd: i64) -> Assessment {
    run_on(&data(), d, to, day, (merchant, true), ytd)
}

/// `who`: (sold by a merchant, through a registered cross-border platform).
fn run_on(
    data: &RegimeData,
    d: &Declaration,
    to: &str,
    day: Date,
    who: (bool, bool),
    ytd: i64,
) -> Assessment {
    let a = assess(
        &AssessInput {
            declaration: d,
            destination: to,
            day,
            by_merchant: who.0,
            cbec_platform: who.1,
            year_to_date_minor: ytd,
        },
        data,
    );
    let sum: i64 = a.lines.iter().map(|l| l.amount_minor).sum();
    assert_eq!(a.total_minor, sum, "the total is the sum of the lines");
    a
}

fn codes(a: &Assessment) -> Vec<&'static str> {
    a.notes.iter().map(|n| n.code.as_str()).collect()
}

const JUNE_2026: Date = date!(2026 - 06 - 15);
const JULY_2026: Date = date!(2026 - 07 - 01);

#[test]
fn eu_duty_relief_up_to_150_euros_then_duty_from_150_01() {
    let at = decl("EUR", &[("610910", "150.00", "1", "0.5", "CN")], |_| {});
    let a = run(&at, "FR", JUNE_2026);
    assert_eq!(codes(&a), vec!["duty_relief"]);
    assert_eq!(a.notes[0].args, vec!["EUR 150.00", "EUR 150.00"]);
    assert_eq!(a.sum(TaxKind::Duty), 0);
    assert_eq!(a.sum(TaxKind::Vat), 3_000);
    assert_eq!(a.payer, Payer::Recipient);

    let over = decl("EUR", &[("610910", "150.01", "1", "0.5", "CN")], |_| {});
    let a = run(&over, "FR", JUNE_2026);
    assert!(codes(&a).is_empty());
    assert_eq!(a.sum(TaxKind::Duty), 1_800); // 12 % of 150.01 = 18.0012
    assert_eq!(a.sum(TaxKind::Vat), 3_360); // 20 % of 168.01 = 33.602
    assert_eq!(a.total_minor, 5_160);
    assert!(a.complete);
}

#[test]
fn eu_flat_duty_from_july_2026_once_per_subheading() {
    let d = decl(
        "EUR",
        &[
            ("6109100010", "20.00", "1", "0.2", "CN"),
            ("6109100090", "30.00", "1", "0.2", "CN"),
            ("640411", "50.00", "1", "0.6", "CN"),
        ],
        |_| {},
    );
    let a = run(&d, "FR", JULY_2026);
    assert_eq!(codes(&a), vec!["flat_duty"]);
    assert_eq!(a.notes[0].args[1], "2");
    assert_eq!(a.sum(TaxKind::FlatDuty), 600);
    // VAT on value plus the flat duty: (20 + 3) + 30 + (50 + 3) = 106.
    assert_eq!(a.sum(TaxKind::Vat), 2_120);
    // The day before, the relief.
    let a = run(&d, "FR", date!(2026 - 06 - 30));
    assert_eq!(a.sum(TaxKind::FlatDuty), 0);
    assert_eq!(codes(&a), vec!["duty_relief"]);
    // Above EUR 150 the tariff applies even after July 2026.
    let big = decl("EUR", &[("640411", "200.00", "1", "0.6", "CN")], |_| {});
    let a = run(&big, "FR", JULY_2026);
    assert_eq!(a.sum(TaxKind::Duty), 3_380);
}

#[test]
fn ioss_means_no_import_vat_up_to_150_euros() {
    let d = decl("EUR", &[("610910", "120.00", "1", "0.5", "CN")], |i| {
        i.ioss_number = "IM2500000001".into();
    });
    let a = run(&d, "FR", JUNE_2026);
    assert_eq!(codes(&a), vec!["duty_relief", "ioss"]);
    assert_eq!(a.total_minor, 0);
    assert_eq!(a.payer, Payer::Nobody);
    // From July 2026 the flat duty is still due.
    let a = run(&d, "FR", JULY_2026);
    assert_eq!(a.total_minor, 300);
    assert_eq!(a.payer, Payer::Recipient);
}

#[test]
fn ddp_makes_the_merchant_pay_and_postage_counts_in_the_value() {
    let d = decl("EUR", &[("610910", "200.00", "1", "0.5", "CN")], |i| {
        i.incoterm = "DDP".into();
        i.postage = "10.00".into();
    });
    let a = run(&d, "FR", JUNE_2026);
    assert_eq!(a.goods_value_minor, 20_000);
    assert_eq!(a.customs_value_minor, 21_000);
    assert_eq!(a.sum(TaxKind::Duty), 2_520);
    assert_eq!(a.sum(TaxKind::Vat), 4_704); // 20 % of 235.20
    assert_eq!(a.payer, Payer::Merchant);
    assert!(codes(&a).contains(&"ddp"));
}

#[test]
fn gifts_between_people_up_to_45_euros_pay_nothing() {
    let gift = |v: &str| {
        decl("EUR", &[("610910", v, "1", "0.5", "CN")], |i| {
            i.category = "gift".into();
        })
    };
    let a = run_with(&gift("45.00"), "FR", JUNE_2026, false, 0);
    assert_eq!(codes(&a), vec!["gift_relief"]);
    assert_eq!(a.total_minor, 0);
    let a = run_with(&gift("45.01"), "FR", JUNE_2026, false, 0);
    assert_eq!(a.sum(TaxKind::Vat), 900);
}

#[test]
fn compound_duties_with_minimum_and_maximum() {
    let d = decl(
        "EUR",
        &[
            ("910211", "5.00", "1", "0.05", "CN"),
            ("910211", "190.00", "2", "0.1", "CN"),
        ],
        |_| {},
    );
    let a = run(&d, "FR", JUNE_2026);
    let duties: Vec<i64> = a
        .lines
        .iter()
        .filter(|l| l.kind == TaxKind::Duty)
        .map(|l| l.amount_minor)
        .collect();
    // 4.5 % of 5.00 = 0.23 → minimum 0.30; of 190.00 = 8.55 → maximum 2 × 0.80.
    assert_eq!(duties, vec![30, 160]);
    assert_eq!(a.lines[0].rate_ppm, None);
}

#[test]
fn uk_up_to_135_pounds_is_collected_at_sale() {
    let at = decl("GBP", &[("610910", "135.00", "1", "0.5", "CN")], |i| {
        i.addressee.country = "GB".into();
    });
    let a = run(&at, "GB", JUNE_2026);
    assert_eq!(codes(&a), vec!["collected_at_sale"]);
    assert_eq!(a.payer, Payer::Nobody);
    let over = decl("GBP", &[("610910", "135.01", "1", "0.5", "CN")], |i| {
        i.addressee.country = "GB".into();
    });
    let a = run(&over, "GB", JUNE_2026);
    assert_eq!(a.sum(TaxKind::Duty), 1_620);
    assert_eq!(a.sum(TaxKind::Vat), 3_024); // 20 % of 151.21
    assert_eq!(a.sum(TaxKind::HandlingFee), 800);
    assert_eq!(a.total_minor, 1_620 + 3_024 + 800);
    // Euros are converted at the rate of the day: EUR 150 = GBP 127.50.
    let eur = decl("EUR", &[("610910", "150.00", "1", "0.5", "CN")], |i| {
        i.addressee.country = "GB".into();
    });
    let a = run(&eur, "GB", JUNE_2026);
    assert_eq!(a.goods_value_minor, 12_750);
    assert_eq!(codes(&a), vec!["collected_at_sale"]);
}

#[test]
fn uk_gifts_up_to_39_pounds_pay_no_vat() {
    let gift = |v: &str| {
        decl("GBP", &[("610910", v, "1", "0.5", "CN")], |i| {
            i.category = "gift".into();
            i.addressee.country = "GB".into();
        })
    };
    let a = run_with(&gift("39.00"), "GB", JUNE_2026, false, 0);
    assert_eq!(codes(&a), vec!["duty_relief", "gift_vat_free"]);
    assert_eq!(a.total_minor, 0);
    let a = run_with(&gift("39.01"), "GB", JUNE_2026, false, 0);
    assert_eq!(a.sum(TaxKind::Vat), 780);
    assert_eq!(a.sum(TaxKind::Duty), 0);
}

/// DOMAIN.md, "Duties and taxes", United States: a USD 50.00 T-shirt of
/// Chinese origin (MFN 16.5 %, TARIFF_REFERENCE.md row 1) in each of the
/// three postal periods.
#[test]
fn us_postal_periods_ieepa_then_section_122_then_tariff_and_additional_duties() {
    let shirt = |origin: &str| {
        decl("USD", &[("610910", "50.00", "1", "0.5", origin)], |i| {
            i.addressee.country = "US".into();
            // Freight is not in the US dutiable value.
            i.postage = "12.00".into();
        })
    };
    let (cn, vn) = (shirt("CN"), shirt("VN"));
    // 1. Posted 1 October 2025: only the IEEPA duty, China 30 %:
    //    50.00 × 30 % = 15.00; no MFN duty, no VAT.
    let a = run(&cn, "US", date!(2025 - 10 - 01));
    assert_eq!(a.regime, "US-2025-IEEPA");
    assert_eq!(
        (a.sum(TaxKind::Duty), a.sum(TaxKind::AdditionalDuty)),
        (0, 1_500)
    );
    assert_eq!(a.total_minor, 1_500);
    assert_eq!(a.customs_value_minor, 5_000);
    assert_eq!(codes(&a), ["origin_duty_only", "additional_duty", "no_vat"]);
    // China 20 % from 10 November 2025: 10.00. Other origins 10 %: 5.00.
    assert_eq!(run(&cn, "US", date!(2025 - 11 - 10)).total_minor, 1_000);
    assert_eq!(run(&vn, "US", date!(2025 - 10 - 01)).total_minor, 500);
    // The carrier elected the specific duty: USD 200 per item above 25 %,
    // USD 80 below 16 %.
    let elected = build(true);
    let a = run_on(&elected, &cn, "US", date!(2025 - 10 - 01), (true, false), 0);
    assert_eq!(a.total_minor, 20_000);
    assert!(codes(&a).contains(&"postal_band"));
    let a = run_on(&elected, &vn, "US", date!(2025 - 10 - 01), (true, false), 0);
    assert_eq!(a.total_minor, 8_000);
    // 2. From 24 February 2026: Section 122, 10 % for every origin: 5.00.
    let a = run(&cn, "US", date!(2026 - 02 - 24));
    assert_eq!(a.regime, "US-2026-S122");
    assert_eq!((a.sum(TaxKind::Duty), a.total_minor), (0, 500));
    let a = run_on(&elected, &cn, "US", date!(2026 - 03 - 01), (true, false), 0);
    assert_eq!(
        a.total_minor, 500,
        "the election ended with the IEEPA period"
    );
    // 3. From 24 July 2026: MFN 16.5 % = 8.25 plus the layer for China,
    //    7.5 % = 3.75; 8.25 alone for Viet Nam.
    let a = run(&cn, "US", date!(2026 - 07 - 24));
    assert_eq!(a.regime, "US-2026-07");
    assert_eq!(
        (a.sum(TaxKind::Duty), a.sum(TaxKind::AdditionalDuty)),
        (825, 375)
    );
    assert_eq!(run(&vn, "US", date!(2026 - 07 - 24)).total_minor, 825);
    // Gifts up to USD 100 stay exempt in every period.
    let gift = decl("USD", &[("610910", "100.00", "1", "0.5", "CN")], |i| {
        i.category = "gift".into();
        i.addressee.country = "US".into();
    });
    for day in [
        date!(2025 - 10 - 01),
        date!(2026 - 03 - 01),
        date!(2026 - 08 - 01),
    ] {
        assert_eq!(run_with(&gift, "US", day, false, 0).total_minor, 0);
    }
}

#[test]
fn no_regime_or_no_tariff_line_is_marked_incomplete() {
    let d = decl("EUR", &[("610910", "200.00", "1", "0.5", "CN")], |_| {});
    let a = run(&d, "JP", JUNE_2026);
    assert!(!a.complete);
    assert_eq!(codes(&a), vec!["no_regime"]);
    let odd = decl("EUR", &[("850760", "200.00", "1", "0.5", "CN")], |_| {});
    let a = run(&odd, "FR", JUNE_2026);
    assert!(!a.complete);
    assert_eq!(codes(&a), vec!["no_tariff_line"]);
    assert_eq!(a.sum(TaxKind::Vat), 4_000);
    let yen = decl("JPY", &[("610910", "20000", "1", "0.5", "CN")], |_| {});
    assert_eq!(codes(&run(&yen, "FR", JUNE_2026)), vec!["no_fx_rate"]);
}

/// DOMAIN.md, "Duties and taxes", China; TARIFF_REFERENCE.md, "China CBEC
/// retail-import treatment" (composite rate (CT + VAT) / (1 − CT) × 70 %).
#[test]
fn china_cross_border_e_commerce_within_and_beyond_its_limits() {
    let cn = |v: &str, hs: &str| {
        decl("CNY", &[(hs, v, "1", "0.5", "FR")], |i| {
            i.addressee.country = "CN".into();
            i.sender.country = "FR".into();
        })
    };
    // CNY 5,000 at 13 % VAT: 9.1 % → CNY 455.00, no duty.
    let a = run(&cn("5000.00", "610910"), "CN", JUNE_2026);
    assert_eq!(codes(&a), vec!["cbec"]);
    assert_eq!(a.sum(TaxKind::Duty), 0);
    assert_eq!(a.sum(TaxKind::Vat), 45_500);
    assert_eq!(a.lines[0].rate_ppm, Some(91_000));
    assert_eq!(a.annual_counted(), 500_000);
    // Ordinary cosmetics (CNY 1,000 for 500 g, CNY 2 a gram): no consumption
    // tax, 9.1 % → CNY 91.00.
    let a = run(&cn("1000.00", "330499"), "CN", JUNE_2026);
    assert_eq!(
        (a.sum(TaxKind::ConsumptionTax), a.sum(TaxKind::Vat)),
        (0, 9_100)
    );
    // High-end cosmetics (CNY 1,000 for 50 g, CNY 20 a gram): 15 %
    // consumption tax, (15 + 13) / 85 × 70 % ≈ 23.06 %.
    let rich = decl("CNY", &[("330499", "1000.00", "1", "0.05", "FR")], |i| {
        i.addressee.country = "CN".into();
    });
    let a = run(&rich, "CN", JUNE_2026);
    assert_eq!(a.sum(TaxKind::ConsumptionTax), 12_353); // 1000 × 0.15/0.85 × 0.7
    assert_eq!(a.sum(TaxKind::Vat), 10_706); // 1000 / 0.85 × 0.13 × 0.7
    assert_eq!(codes(&a), vec!["cbec", "high_end"]);
    // The price includes freight and insurance: CNY 1,000 + 80 + 20 at
    // 9.1 % → CNY 100.10; CNY 4,950 + 60 is over CNY 5,000.
    let shipped = |v: &str, q: &str| {
        decl("CNY", &[("610910", v, q, "0.5", "FR")], |i| {
            i.addressee.country = "CN".into();
            i.postage = "80.00".into();
            i.insurance = "20.00".into();
        })
    };
    let a = run(&shipped("1000.00", "1"), "CN", JUNE_2026);
    assert_eq!((a.customs_value_minor, a.total_minor), (110_000, 10_010));
    let a = run(&shipped("4950.00", "2"), "CN", JUNE_2026);
    assert_eq!(codes(&a), vec!["cbec_over_transaction"]);
    // Two items for CNY 5,000.01: general trade, 6 % duty → CNY 300.00 and
    // 13 % VAT of 5,300.01 → CNY 689.00.
    let two = decl("CNY", &[("610910", "5000.01", "2", "0.5", "FR")], |i| {
        i.addressee.country = "CN".into();
    });
    let a = run(&two, "CN", JUNE_2026);
    assert_eq!(codes(&a), vec!["cbec_over_transaction"]);
    assert_eq!(
        (a.sum(TaxKind::Duty), a.sum(TaxKind::Vat)),
        (30_000, 68_900)
    );
    assert_eq!(a.annual_counted(), 0);
    // One indivisible item of CNY 6,000: cross-border at full rates (6 % →
    // 360.00; 13 % of 6,360 → 826.80), counted toward the annual limit.
    let a = run(&cn("6000.00", "610910"), "CN", JUNE_2026);
    assert_eq!(codes(&a), vec!["cbec_single_item"]);
    assert_eq!(
        (a.sum(TaxKind::Duty), a.sum(TaxKind::Vat)),
        (36_000, 82_680)
    );
    assert_eq!(a.annual_counted(), 600_000);
    // The annual CNY 26,000: 21,000 bought this year plus 5,000 is within…
    let a = run_with(&cn("5000.00", "610910"), "CN", JUNE_2026, true, 2_100_000);
    assert_eq!(codes(&a), vec!["cbec"]);
    // …plus 5,000.00 more after 21,000.01 is not.
    let a = run_with(&cn("5000.00", "610910"), "CN", JUNE_2026, true, 2_100_001);
    assert_eq!(codes(&a), vec!["cbec_over_annual"]);
    assert_eq!(a.sum(TaxKind::Duty), 30_000);
    // The single item over the annual limit is general trade too.
    let a = run_with(&cn("6000.00", "610910"), "CN", JUNE_2026, true, 2_000_001);
    assert_eq!(codes(&a), vec!["cbec_over_annual"]);
    // A merchant without a registered cross-border platform: general trade
    // (6 % → 60.00; 13 % of 1,060 → 137.80), nothing counted.
    let a = run_on(
        &data(),
        &cn("1000.00", "610910"),
        "CN",
        JUNE_2026,
        (true, false),
        0,
    );
    assert_eq!(codes(&a), vec!["general_trade"]);
    assert_eq!((a.sum(TaxKind::Duty), a.sum(TaxKind::Vat)), (6_000, 13_780));
    assert_eq!(a.annual_counted(), 0);
}

/// DOMAIN.md, China, personal postal articles from 9 April 2019: 13 %,
/// 20 % or 50 % by kind of goods; a tax of CNY 50 or less is waived; CNY
/// 1,000 per parcel (CNY 800 from Hong Kong, Macao, Taiwan).
#[test]
fn china_personal_postal_articles() {
    let p = |v: &str, from: &str, hs: &str, kg: &str| {
        decl("CNY", &[(hs, v, "1", kg, "FR")], |i| {
            i.category = "gift".into();
            i.addressee.country = "CN".into();
            i.sender.country = from.into();
        })
    };
    // Textiles at 20 %: 250.00 → 50.00, waived; 250.05 → 50.01, due.
    let a = run_with(
        &p("250.00", "FR", "610910", "0.5"),
        "CN",
        JUNE_2026,
        false,
        0,
    );
    assert_eq!(codes(&a), vec!["postal_article_waived"]);
    assert_eq!(a.total_minor, 0);
    let a = run_with(
        &p("250.05", "FR", "610910", "0.5"),
        "CN",
        JUNE_2026,
        false,
        0,
    );
    assert_eq!(a.sum(TaxKind::PostalArticleTax), 5_001);
    let a = run_with(
        &p("1000.00", "FR", "610910", "0.5"),
        "CN",
        JUNE_2026,
        false,
        0,
    );
    assert_eq!(codes(&a), vec!["postal_article"]);
    assert_eq!(a.sum(TaxKind::PostalArticleTax), 20_000);
    // Tea at 13 %: 1,000 → 130.00.
    let a = run_with(
        &p("1000.00", "FR", "090230", "0.5"),
        "CN",
        JUNE_2026,
        false,
        0,
    );
    assert_eq!(a.sum(TaxKind::PostalArticleTax), 13_000);
    // Ordinary cosmetics 20 % (500 for 500 g): 100.00; high-end (500 for
    // 20 g, CNY 25 a gram) 50 %: 250.00.
    let a = run_with(
        &p("500.00", "FR", "330499", "0.5"),
        "CN",
        JUNE_2026,
        false,
        0,
    );
    assert_eq!(a.sum(TaxKind::PostalArticleTax), 10_000);
    let a = run_with(
        &p("500.00", "FR", "330499", "0.02"),
        "CN",
        JUNE_2026,
        false,
        0,
    );
    assert_eq!(a.sum(TaxKind::PostalArticleTax), 25_000);
    assert_eq!(codes(&a), vec!["high_end", "postal_article"]);
    // From Hong Kong the limit is CNY 800: general trade, 6 % duty.
    let a = run_with(
        &p("1000.00", "HK", "610910", "0.5"),
        "CN",
        JUNE_2026,
        false,
        0,
    );
    assert_eq!(codes(&a), vec!["postal_article_over"]);
    assert_eq!(a.sum(TaxKind::Duty), 6_000);
}

#[test]
fn every_line_rounds_half_up_on_its_own() {
    // Three lines at EUR 60.05: 12 % = 7.206 → 7.21 each.
    let d = decl(
        "EUR",
        &[
            ("610910", "60.05", "1", "0.2", "CN"),
            ("610910", "60.05", "1", "0.2", "CN"),
            ("610910", "60.05", "1", "0.2", "CN"),
        ],
        |_| {},
    );
    let a = run(&d, "FR", JUNE_2026);
    assert_eq!(a.sum(TaxKind::Duty), 3 * 721);
    assert_eq!(a.lines.len(), 6);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn arb_line() -> impl Strategy<Value = (String, String, String, String, String)> {
        (
            prop::sample::select(vec!["610910", "640411", "910211", "330499", "850760"]),
            1i64..2_000_000,
            1i64..20,
            1i64..5_000,
            prop::sample::select(vec!["CN", "VN", "FR", "US"]),
        )
            .prop_map(|(hs, cents, q, g, o)| {
                (
                    hs.to_owned(),
                    format!("{}.{:02}", cents / 100, cents % 100),
                    q.to_string(),
                    format!("{}.{:03}", g / 1000, g % 1000),
                    o.to_owned(),
                )
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn totals_are_the_sum_of_the_lines_and_nothing_is_negative(
            lines in prop::collection::vec(arb_line(), 1..6),
            to in prop::sample::select(vec!["FR", "GB", "US", "CN", "JP"]),
            currency in prop::sample::select(vec!["EUR", "USD", "GBP", "CNY"]),
            gift in any::<bool>(),
            ddp in any::<bool>(),
            days in 0i64..3_000,
            ytd in 0i64..3_000_000,
        ) {
            let borrowed: Vec<(&str, &str, &str, &str, &str)> = lines
                .iter()
                .map(|(a, b, c, d, e)| (a.as_str(), b.as_str(), c.as_str(), d.as_str(), e.as_str()))
                .collect();
            let d = decl(currency, &borrowed, |i| {
                i.gross_weight_kg = "30".into();
                if gift {
                    i.category = "gift".into();
                }
                if ddp {
                    i.incoterm = "DDP".into();
                }
            });
            let day = date!(2019 - 01 - 01) + time::Duration::days(days);
            let a = run_with(&d, to, day, !gift, ytd);
            prop_assert!(a.lines.iter().all(|l| l.amount_minor >= 0));
            prop_assert_eq!(a.total_minor, a.lines.iter().map(|l| l.amount_minor).sum::<i64>());
            prop_assert_eq!(a.total_minor == 0, a.payer == Payer::Nobody);
            if a.total_minor > 0 {
                prop_assert_eq!(a.payer == Payer::Merchant, ddp);
            }
            // The same input gives the same assessment.
            prop_assert_eq!(&a, &run_with(&d, to, day, !gift, ytd));
        }
    }
}
