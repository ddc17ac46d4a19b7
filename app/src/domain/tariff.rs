//! Regime data for duty and tax: tariff lines, VAT rates, regimes with their
//! thresholds and reliefs, additional duties and exchange rates. All of it
//! is data with validity dates (seeded from `app/seed/regimes/*.csv`, edited by
//! admins); the engine in [`super::assess`] reads it through [`RegimeData`].
//!
//! Amounts are integer minor units of the regime's currency; rates are parts
//! per million (12 % = 120_000).
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::Date;

use super::goods::Currency;

/// Parts per million: 1 % = 10_000.
pub const PPM: i64 = 1_000_000;

/// `a × b / c`, rounded half up (away from zero for halves), without
/// overflow for any amounts the portal handles.
pub fn mul_div_round(a: i64, b: i64, c: i64) -> i64 {
    debug_assert!(c > 0);
    let n = a as i128 * b as i128;
    let c = c as i128;
    let q = if n >= 0 {
        (2 * n + c) / (2 * c)
    } else {
        -((-2 * n + c) / (2 * c))
    };
    q as i64
}

/// A day as typed and stored in forms and files: `YYYY-MM-DD`.
pub fn parse_day(s: &str) -> Option<Date> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &f).ok()
}

/// A day as `YYYY-MM-DD` (what [`parse_day`] reads).
pub fn day_text(d: Date) -> String {
    d.to_string()
}

/// What a specific duty is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecificUnit {
    /// Per item (the line's quantity).
    Item,
    /// Per pair (footwear: the line's quantity counts pairs).
    Pair,
    /// Per kilogram net.
    KgNet,
    /// Per 100 kg gross (the parcel's gross weight shared by net weight).
    HundredKgGross,
}

impl SpecificUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            SpecificUnit::Item => "item",
            SpecificUnit::Pair => "pair",
            SpecificUnit::KgNet => "kg_net",
            SpecificUnit::HundredKgGross => "100kg_gross",
        }
    }

    pub fn parse(s: &str) -> Option<SpecificUnit> {
        Some(match s.trim() {
            "item" | "" => SpecificUnit::Item,
            "pair" => SpecificUnit::Pair,
            "kg_net" => SpecificUnit::KgNet,
            "100kg_gross" => SpecificUnit::HundredKgGross,
            _ => return None,
        })
    }
}

/// A duty: ad valorem, specific, or both (compound), with an optional
/// minimum and maximum per item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duty {
    pub ad_valorem_ppm: i64,
    /// Amount per unit, in the regime's currency; 0 when none.
    pub specific_minor: i64,
    pub specific_unit: SpecificUnit,
    /// Per item, in the regime's currency.
    pub min_minor: Option<i64>,
    pub max_minor: Option<i64>,
}

impl Duty {
    pub fn ad_valorem(ppm: i64) -> Duty {
        Duty {
            ad_valorem_ppm: ppm,
            specific_minor: 0,
            specific_unit: SpecificUnit::Item,
            min_minor: None,
            max_minor: None,
        }
    }

    /// The duty on `value_minor` for `quantity` items weighing `net_g` net
    /// and `gross_g` gross (their share of the parcel).
    pub fn amount(&self, value_minor: i64, quantity: i64, net_g: i64, gross_g: i64) -> i64 {
        let ad = mul_div_round(value_minor, self.ad_valorem_ppm, PPM);
        let specific = match self.specific_unit {
            _ if self.specific_minor == 0 => 0,
            SpecificUnit::Item | SpecificUnit::Pair => self.specific_minor * quantity,
            SpecificUnit::KgNet => mul_div_round(self.specific_minor, net_g, 1000),
            SpecificUnit::HundredKgGross => mul_div_round(self.specific_minor, gross_g, 100_000),
        };
        let mut duty = ad + specific;
        if let Some(min) = self.min_minor {
            duty = duty.max(min * quantity);
        }
        if let Some(max) = self.max_minor {
            duty = duty.min(max * quantity);
        }
        duty
    }

    /// True for a duty that is only a percentage.
    pub fn is_ad_valorem_only(&self) -> bool {
        self.specific_minor == 0 && self.min_minor.is_none() && self.max_minor.is_none()
    }
}

/// Valid from `from` (inclusive) until `to` (exclusive), or open-ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validity {
    pub from: Date,
    pub to: Option<Date>,
}

impl Validity {
    pub fn contains(&self, day: Date) -> bool {
        self.from <= day && self.to.is_none_or(|to| day < to)
    }
}

/// The duty of an HS prefix into a customs territory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TariffLine {
    pub id: i64,
    /// A customs territory: `EU`, or a country code (`GB`, `US`, `CN`).
    pub territory: String,
    /// 2 to 10 digits; the longest prefix of a code wins.
    pub hs_prefix: String,
    pub description: String,
    pub duty: Duty,
    pub valid: Validity,
}

/// VAT (and consumption tax) of a destination country for an HS prefix
/// (empty: the standard rate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatRate {
    pub id: i64,
    pub country: String,
    pub hs_prefix: String,
    pub vat_ppm: i64,
    /// China's consumption tax; 0 elsewhere.
    pub consumption_ppm: i64,
    /// China's single postal-article tax for personal parcels; 0 elsewhere.
    pub postal_article_ppm: i64,
    /// Other rates for high-end goods of the prefix (China: cosmetics,
    /// perfume and watches above a value per gram or per piece).
    pub high_end: Option<HighEnd>,
    pub valid: Validity,
}

/// Goods worth at least `min_minor` per `unit` (per item, or per kg net)
/// are high-end and pay these rates instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HighEnd {
    pub min_minor: i64,
    pub unit: SpecificUnit,
    pub consumption_ppm: i64,
    pub postal_article_ppm: i64,
}

/// The consumption-tax and postal-article rates of one content line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRates {
    pub vat_ppm: i64,
    pub consumption_ppm: i64,
    pub postal_article_ppm: i64,
    pub high_end: bool,
}

impl VatRate {
    /// The rates for a line worth `value_minor` for `quantity` items of
    /// `net_g` grams net.
    pub fn for_line(&self, value_minor: i64, quantity: i64, net_g: i64) -> LineRates {
        let plain = LineRates {
            vat_ppm: self.vat_ppm,
            consumption_ppm: self.consumption_ppm,
            postal_article_ppm: self.postal_article_ppm,
            high_end: false,
        };
        let Some(h) = self.high_end else {
            return plain;
        };
        // value per unit ≥ min, as value × per ≥ min × units.
        let reached = match h.unit {
            SpecificUnit::KgNet => {
                net_g > 0 && value_minor as i128 * 1000 >= h.min_minor as i128 * net_g as i128
            }
            _ => quantity > 0 && value_minor as i128 >= h.min_minor as i128 * quantity as i128,
        };
        if reached {
            LineRates {
                vat_ppm: self.vat_ppm,
                consumption_ppm: h.consumption_ppm,
                postal_article_ppm: h.postal_article_ppm,
                high_end: true,
            }
        } else {
            plain
        }
    }
}

/// An extra duty on goods of an origin (`*`: every origin) into a
/// territory, such as the United States' additional duties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdditionalDuty {
    pub id: i64,
    pub territory: String,
    pub origin: String,
    pub rate_ppm: i64,
    pub valid: Validity,
}

/// Units of `currency` per one unit of `base`, in millionths, on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FxRate {
    pub id: i64,
    pub base: Currency,
    pub currency: Currency,
    pub day: Date,
    pub per_base_micro: i64,
}

/// China's cross-border e-commerce retail import limits and share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cbec {
    pub per_transaction_max: i64,
    pub annual_max: i64,
    pub share_ppm: i64,
}

/// A specific duty per postal item by band of the origin's additional rate
/// (United States, 29 August 2025 – 28 February 2026, when the carrier
/// elected it): `below_ppm` is the band's exclusive upper bound (`None`:
/// no bound).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalBand {
    pub below_ppm: Option<i64>,
    pub amount_minor: i64,
}

/// The rules of one territory over a period. Amounts in `currency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Regime {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub territory: String,
    pub currency: Currency,
    pub valid: Validity,
    /// No customs duty up to this value of goods (EU EUR 150).
    pub duty_free_max: Option<i64>,
    /// No import VAT up to this value (EU EUR 22 before July 2021).
    pub vat_free_max: Option<i64>,
    /// A flat duty per distinct HS subheading for parcels up to
    /// `flat_duty_max` (EU EUR 3 from 1 July 2026), instead of the tariff.
    pub flat_duty_minor: Option<i64>,
    pub flat_duty_max: Option<i64>,
    /// With an IOSS number and goods up to this value, VAT was collected at
    /// sale: none at import.
    pub ioss_max: Option<i64>,
    /// Up to this value the seller charges VAT at sale and there is no duty
    /// or VAT at the border (United Kingdom GBP 135).
    pub collected_at_sale_max: Option<i64>,
    /// Gifts (between private persons) up to this value pay nothing.
    pub gift_free_max: Option<i64>,
    /// Gifts up to this value pay no VAT (United Kingdom GBP 39).
    pub gift_vat_free_max: Option<i64>,
    /// No duty and no tax up to this value (United States USD 800 before
    /// 29 August 2025).
    pub de_minimis_max: Option<i64>,
    /// Apply the tariff lines (MFN). Off where postal items pay only a
    /// duty by origin (United States, 29 August 2025 – 23 July 2026).
    pub tariff_duties: bool,
    /// Apply the territory's additional duties (by origin).
    pub additional_duties: bool,
    /// The specific amount per postal item of `postal_bands` instead of
    /// the ad valorem duty by origin: the carrier's election, set by an
    /// admin (United States, to 28 February 2026).
    pub postal_specific: bool,
    pub postal_bands: Vec<PostalBand>,
    /// Import VAT (or GST) is levied: every destination country of the
    /// territory must have a VAT row. The United States levies none.
    pub import_vat: bool,
    pub cbec: Option<Cbec>,
    /// Personal postal articles (China): up to this value per parcel, a
    /// single tax; a tax up to `postal_waive_max` is waived.
    pub postal_article_max: Option<i64>,
    /// The lower limit for parcels from Hong Kong, Macao and Taiwan.
    pub postal_article_near_max: Option<i64>,
    pub postal_waive_max: Option<i64>,
    /// Postage and insurance are part of the customs value (and VAT base).
    pub transport_in_value: bool,
    /// The post's fee when the recipient has something to pay.
    pub handling_fee_minor: i64,
}

impl Regime {
    /// A regime with no relief at all (duty and VAT on everything).
    pub fn plain(code: &str, territory: &str, currency: Currency, from: Date) -> Regime {
        Regime {
            id: 0,
            code: code.into(),
            name: code.into(),
            territory: territory.into(),
            currency,
            valid: Validity { from, to: None },
            duty_free_max: None,
            vat_free_max: None,
            flat_duty_minor: None,
            flat_duty_max: None,
            ioss_max: None,
            collected_at_sale_max: None,
            gift_free_max: None,
            gift_vat_free_max: None,
            de_minimis_max: None,
            tariff_duties: true,
            additional_duties: false,
            postal_specific: false,
            postal_bands: Vec::new(),
            import_vat: true,
            cbec: None,
            postal_article_max: None,
            postal_article_near_max: None,
            postal_waive_max: None,
            transport_in_value: true,
            handling_fee_minor: 0,
        }
    }
}

/// The member states of the European Union's customs territory.
pub const EU_MEMBERS: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

/// The customs territory of a destination country.
pub fn territory_of(country: &str) -> &str {
    if EU_MEMBERS.contains(&country) {
        "EU"
    } else {
        country
    }
}

/// Every kind of regime data, indexed for the engine: lookups by HS prefix
/// are a handful of hash probes.
#[derive(Debug, Clone, Default)]
pub struct RegimeData {
    regimes: HashMap<String, Vec<Regime>>,
    tariff: HashMap<String, HashMap<String, Vec<TariffLine>>>,
    vat: HashMap<String, HashMap<String, Vec<VatRate>>>,
    additional: HashMap<String, Vec<AdditionalDuty>>,
    fx: HashMap<(String, String), Vec<FxRate>>,
}

fn newest_first<T>(v: &mut [T], from: impl Fn(&T) -> Date) {
    v.sort_by_key(|x| std::cmp::Reverse(from(x)));
}

impl RegimeData {
    pub fn new(
        regimes: Vec<Regime>,
        tariff: Vec<TariffLine>,
        vat: Vec<VatRate>,
        additional: Vec<AdditionalDuty>,
        fx: Vec<FxRate>,
    ) -> RegimeData {
        let mut d = RegimeData::default();
        for r in regimes {
            d.regimes.entry(r.territory.clone()).or_default().push(r);
        }
        for v in d.regimes.values_mut() {
            newest_first(v, |r| r.valid.from);
        }
        for t in tariff {
            d.tariff
                .entry(t.territory.clone())
                .or_default()
                .entry(t.hs_prefix.clone())
                .or_default()
                .push(t);
        }
        for m in d.tariff.values_mut() {
            for v in m.values_mut() {
                newest_first(v, |t| t.valid.from);
            }
        }
        for r in vat {
            d.vat
                .entry(r.country.clone())
                .or_default()
                .entry(r.hs_prefix.clone())
                .or_default()
                .push(r);
        }
        for m in d.vat.values_mut() {
            for v in m.values_mut() {
                newest_first(v, |r| r.valid.from);
            }
        }
        for a in additional {
            d.additional.entry(a.territory.clone()).or_default().push(a);
        }
        for r in fx {
            d.fx.entry((r.base.code(), r.currency.code()))
                .or_default()
                .push(r);
        }
        for v in d.fx.values_mut() {
            newest_first(v, |r| r.day);
        }
        d
    }

    /// The regime of a territory on a day.
    pub fn regime(&self, territory: &str, day: Date) -> Option<&Regime> {
        self.regimes
            .get(territory)?
            .iter()
            .find(|r| r.valid.contains(day))
    }

    /// The tariff line of the longest prefix of `hs` valid on `day`.
    pub fn tariff_line(&self, territory: &str, hs: &str, day: Date) -> Option<&TariffLine> {
        let lines = self.tariff.get(territory)?;
        (2..=hs.len().min(10)).rev().find_map(|k| {
            lines
                .get(hs.get(..k)?)?
                .iter()
                .find(|t| t.valid.contains(day))
        })
    }

    /// The VAT rate of the longest prefix of `hs` (else the standard rate)
    /// in `country` on `day`.
    pub fn vat_rate(&self, country: &str, hs: &str, day: Date) -> Option<&VatRate> {
        let rates = self.vat.get(country)?;
        (0..=hs.len().min(10)).rev().find_map(|k| {
            rates
                .get(hs.get(..k)?)?
                .iter()
                .find(|r| r.valid.contains(day))
        })
    }

    /// The regimes of every territory, newest first within each.
    pub fn regimes(&self) -> impl Iterator<Item = &Regime> {
        self.regimes.values().flatten()
    }

    /// Destination countries with no standard VAT rate on a day when a
    /// regime of theirs levies import VAT, from `since` on (past regimes are
    /// history): each with the first day missing. A parcel to such a
    /// country cannot be assessed, so this is a data error to mend.
    pub fn vat_gaps(&self, since: Date) -> Vec<(String, Date)> {
        let mut gaps = Vec::new();
        for r in self.regimes().filter(|r| r.import_vat) {
            if r.valid.to.is_some_and(|to| to <= since) {
                continue;
            }
            let start = r.valid.from.max(since);
            let countries: Vec<&str> = if r.territory == "EU" {
                EU_MEMBERS.to_vec()
            } else {
                vec![r.territory.as_str()]
            };
            for c in countries {
                let rows = self.vat.get(c).and_then(|m| m.get(""));
                let mut day = start;
                loop {
                    if r.valid.to.is_some_and(|to| day >= to) {
                        break;
                    }
                    match rows.and_then(|v| v.iter().find(|x| x.valid.contains(day))) {
                        Some(x) => match x.valid.to {
                            Some(to) => day = to,
                            None => break,
                        },
                        None => {
                            gaps.push((c.to_owned(), day));
                            break;
                        }
                    }
                }
            }
        }
        // The first day missing of each country.
        gaps.sort();
        gaps.dedup_by(|later, first| later.0 == first.0);
        gaps
    }

    /// The additional duty rate on goods of `origin` (else of every origin).
    pub fn additional_rate(&self, territory: &str, origin: &str, day: Date) -> i64 {
        let Some(all) = self.additional.get(territory) else {
            return 0;
        };
        let valid = |o: &str| {
            all.iter()
                .find(|a| a.origin == o && a.valid.contains(day))
                .map(|a| a.rate_ppm)
        };
        valid(origin).or_else(|| valid("*")).unwrap_or(0)
    }

    /// `minor` units of `from` in `to`, at the latest rate on or before
    /// `day` (either direction of the stored rate). `None`: no rate.
    pub fn convert(&self, minor: i64, from: Currency, to: Currency, day: Date) -> Option<i64> {
        if from == to {
            return Some(minor);
        }
        let scale = |c: Currency| 10i64.pow(c.exponent());
        let latest = |base: Currency, cur: Currency| {
            self.fx
                .get(&(base.code(), cur.code()))?
                .iter()
                .find(|r| r.day <= day)
                .map(|r| r.per_base_micro)
        };
        if let Some(rate) = latest(to, from) {
            // `rate` units of `from` make one `to`.
            let num = minor as i128 * scale(to) as i128 * PPM as i128;
            let den = rate as i128 * scale(from) as i128;
            return Some(round_i128(num, den));
        }
        let rate = latest(from, to)?;
        let num = minor as i128 * rate as i128 * scale(to) as i128;
        let den = PPM as i128 * scale(from) as i128;
        Some(round_i128(num, den))
    }
}

fn round_i128(n: i128, d: i128) -> i64 {
    if d <= 0 {
        return 0;
    }
    let q = if n >= 0 {
        (2 * n + d) / (2 * d)
    } else {
        -((-2 * n + d) / (2 * d))
    };
    q as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn cur(c: &str) -> Currency {
        Currency::parse("c", c).unwrap()
    }

    #[test]
    fn rounding_is_half_up_per_amount() {
        assert_eq!(mul_div_round(1250, 120_000, PPM), 150);
        assert_eq!(mul_div_round(1254, 120_000, PPM), 150); // 150.48
        assert_eq!(mul_div_round(1255, 120_000, PPM), 151); // 150.6
        assert_eq!(mul_div_round(125, 4, 1000), 1); // 0.5 → 1
        assert_eq!(mul_div_round(-125, 4, 1000), -1);
        assert_eq!(mul_div_round(i64::MAX / 2, 3, 3), i64::MAX / 2);
    }

    #[test]
    fn duties_ad_valorem_specific_compound_with_bounds() {
        assert_eq!(Duty::ad_valorem(169_000).amount(10_000, 1, 500, 600), 1690);
        let pairs = Duty {
            ad_valorem_ppm: 200_000,
            specific_minor: 90,
            specific_unit: SpecificUnit::Pair,
            min_minor: None,
            max_minor: None,
        };
        // 2 pairs at USD 10.00: 20 % + 90 cents a pair.
        assert_eq!(pairs.amount(2000, 2, 800, 900), 400 + 180);
        let per_kg = Duty {
            specific_minor: 1210,
            specific_unit: SpecificUnit::KgNet,
            ..pairs.clone()
        };
        assert_eq!(per_kg.amount(0, 1, 250, 300), 303); // 12.10 × 0.25 = 3.025
        let gross = Duty {
            ad_valorem_ppm: 0,
            specific_minor: 10_000,
            specific_unit: SpecificUnit::HundredKgGross,
            ..pairs.clone()
        };
        assert_eq!(gross.amount(5000, 1, 100, 1500), 150);
        // EU watches: 4.5 % with a minimum of EUR 0.30 and a maximum of
        // EUR 0.80 per piece.
        let watch = Duty {
            ad_valorem_ppm: 45_000,
            specific_minor: 0,
            specific_unit: SpecificUnit::Item,
            min_minor: Some(30),
            max_minor: Some(80),
        };
        assert_eq!(watch.amount(500, 1, 50, 60), 30); // 4.5 % of 5.00 = 0.23 → 0.30
        assert_eq!(watch.amount(1000, 1, 50, 60), 45);
        assert_eq!(watch.amount(5000, 2, 50, 60), 160); // 2.25 → 2 × 0.80
    }

    fn line(prefix: &str, ppm: i64, from: Date, to: Option<Date>) -> TariffLine {
        TariffLine {
            id: 0,
            territory: "EU".into(),
            hs_prefix: prefix.into(),
            description: String::new(),
            duty: Duty::ad_valorem(ppm),
            valid: Validity { from, to },
        }
    }

    #[test]
    fn the_longest_prefix_valid_on_the_day_wins() {
        let d = RegimeData::new(
            vec![],
            vec![
                line("61", 120_000, date!(2000 - 01 - 01), None),
                line("6109", 100_000, date!(2000 - 01 - 01), None),
                line(
                    "610910",
                    80_000,
                    date!(2025 - 01 - 01),
                    Some(date!(2026 - 01 - 01)),
                ),
            ],
            vec![],
            vec![],
            vec![],
        );
        let ppm = |hs: &str, day: Date| d.tariff_line("EU", hs, day).map(|t| t.duty.ad_valorem_ppm);
        assert_eq!(ppm("6109100010", date!(2025 - 06 - 01)), Some(80_000));
        assert_eq!(ppm("6109100010", date!(2026 - 01 - 01)), Some(100_000));
        assert_eq!(ppm("611020", date!(2025 - 06 - 01)), Some(120_000));
        assert_eq!(ppm("850760", date!(2025 - 06 - 01)), None);
        assert_eq!(d.tariff_line("US", "610910", date!(2025 - 06 - 01)), None);
        assert_eq!(territory_of("FR"), "EU");
        assert_eq!(territory_of("GB"), "GB");
    }

    #[test]
    fn conversion_uses_the_latest_rate_either_way() {
        let fx = |day: Date, micro: i64| FxRate {
            id: 0,
            base: cur("EUR"),
            currency: cur("USD"),
            day,
            per_base_micro: micro,
        };
        let d = RegimeData::new(
            vec![],
            vec![],
            vec![],
            vec![],
            vec![
                fx(date!(2026 - 01 - 01), 1_100_000),
                fx(date!(2026 - 02 - 01), 1_250_000),
            ],
        );
        let (eur, usd, jpy) = (cur("EUR"), cur("USD"), cur("JPY"));
        // USD 110.00 → EUR 100.00 at 1.10; at 1.25, EUR 88.00.
        assert_eq!(
            d.convert(11_000, usd, eur, date!(2026 - 01 - 15)),
            Some(10_000)
        );
        assert_eq!(
            d.convert(11_000, usd, eur, date!(2026 - 03 - 01)),
            Some(8_800)
        );
        assert_eq!(
            d.convert(10_000, eur, usd, date!(2026 - 01 - 15)),
            Some(11_000)
        );
        assert_eq!(d.convert(10_000, eur, usd, date!(2025 - 12 - 31)), None);
        assert_eq!(d.convert(500, eur, eur, date!(2020 - 01 - 01)), Some(500));
        assert_eq!(d.convert(500, jpy, eur, date!(2026 - 01 - 15)), None);
    }
}
