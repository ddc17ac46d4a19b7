//! Duty and tax assessment: pure, integer arithmetic, explainable. One
//! function takes a checked declaration, its destination, the day and the
//! regime data, and gives one line per content line and tax, the notes of
//! every relief and rule applied (codes with arguments, worded in the
//! reader's language by the pages), the total and who pays it.
use serde::{Deserialize, Serialize};
use time::Date;

use super::declaration::{Category, Declaration, Incoterm};
use super::goods::{format_decimal, Currency};
use super::tariff::{mul_div_round, territory_of, Regime, RegimeData, PPM};

/// Origins whose personal parcels into China have the lower postal limit.
const NEAR_ORIGINS: &[&str] = &["HK", "MO", "TW"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxKind {
    Duty,
    AdditionalDuty,
    FlatDuty,
    Vat,
    ConsumptionTax,
    PostalArticleTax,
    HandlingFee,
}

impl TaxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TaxKind::Duty => "duty",
            TaxKind::AdditionalDuty => "additional_duty",
            TaxKind::FlatDuty => "flat_duty",
            TaxKind::Vat => "vat",
            TaxKind::ConsumptionTax => "consumption_tax",
            TaxKind::PostalArticleTax => "postal_article_tax",
            TaxKind::HandlingFee => "handling_fee",
        }
    }
}

/// One tax on one content line (`line`: its index; `None` for the parcel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxLine {
    pub line: Option<usize>,
    pub kind: TaxKind,
    pub base_minor: i64,
    pub rate_ppm: Option<i64>,
    pub amount_minor: i64,
}

/// Who pays at import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payer {
    Recipient,
    /// The merchant, in advance (DDP).
    Merchant,
    /// Nothing is collected at import.
    Nobody,
}

impl Payer {
    pub fn as_str(self) -> &'static str {
        match self {
            Payer::Recipient => "recipient",
            Payer::Merchant => "merchant",
            Payer::Nobody => "nobody",
        }
    }
}

/// A relief or rule applied, as a code with its arguments (amounts already
/// formatted, like `EUR 150.00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteCode {
    /// No regime for the territory on the day: nothing assessed.
    NoRegime,
    /// A currency without exchange rate: nothing assessed.
    NoFxRate,
    DeMinimis,
    CollectedAtSale,
    GiftRelief,
    DutyRelief,
    FlatDuty,
    /// No tariff line for an HS code: its duty is not assessed.
    NoTariffLine,
    AdditionalDuty,
    PostalBand,
    /// Postal items pay only the duty by origin, no tariff duty (United
    /// States, 29 August 2025 – 23 July 2026).
    OriginDutyOnly,
    VatFree,
    Ioss,
    GiftVatFree,
    /// No VAT rate: VAT is not assessed.
    NoVatRate,
    NoVat,
    Cbec,
    CbecOverTransaction,
    CbecOverAnnual,
    /// One indivisible item above the per-order limit: cross-border at full
    /// rates, counted toward the annual limit.
    CbecSingleItem,
    /// A merchant that does not sell through a registered cross-border
    /// platform: general trade.
    GeneralTrade,
    /// A line of high-end goods pays the higher rates.
    HighEnd,
    PostalArticle,
    PostalArticleWaived,
    PostalArticleOver,
    Ddp,
    HandlingFee,
}

impl NoteCode {
    pub fn as_str(self) -> &'static str {
        match self {
            NoteCode::NoRegime => "no_regime",
            NoteCode::NoFxRate => "no_fx_rate",
            NoteCode::DeMinimis => "de_minimis",
            NoteCode::CollectedAtSale => "collected_at_sale",
            NoteCode::GiftRelief => "gift_relief",
            NoteCode::DutyRelief => "duty_relief",
            NoteCode::FlatDuty => "flat_duty",
            NoteCode::NoTariffLine => "no_tariff_line",
            NoteCode::AdditionalDuty => "additional_duty",
            NoteCode::PostalBand => "postal_band",
            NoteCode::OriginDutyOnly => "origin_duty_only",
            NoteCode::VatFree => "vat_free",
            NoteCode::Ioss => "ioss",
            NoteCode::GiftVatFree => "gift_vat_free",
            NoteCode::NoVatRate => "no_vat_rate",
            NoteCode::NoVat => "no_vat",
            NoteCode::Cbec => "cbec",
            NoteCode::CbecOverTransaction => "cbec_over_transaction",
            NoteCode::CbecOverAnnual => "cbec_over_annual",
            NoteCode::CbecSingleItem => "cbec_single_item",
            NoteCode::GeneralTrade => "general_trade",
            NoteCode::HighEnd => "high_end",
            NoteCode::PostalArticle => "postal_article",
            NoteCode::PostalArticleWaived => "postal_article_waived",
            NoteCode::PostalArticleOver => "postal_article_over",
            NoteCode::Ddp => "ddp",
            NoteCode::HandlingFee => "handling_fee",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub code: NoteCode,
    pub args: Vec<String>,
}

/// The outcome. Amounts in `currency` (the regime's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub regime: String,
    pub currency: Option<Currency>,
    /// The goods alone, converted: what thresholds are tested on.
    pub goods_value_minor: i64,
    /// Goods plus transport and insurance where the regime counts them.
    pub customs_value_minor: i64,
    pub lines: Vec<TaxLine>,
    pub notes: Vec<Note>,
    pub total_minor: i64,
    pub payer: Payer,
    /// False when something could not be assessed (a note says what): an
    /// officer must look.
    pub complete: bool,
}

impl Assessment {
    /// What counts against an annual limit (China's cross-border
    /// e-commerce): the price with freight and insurance, when the goods
    /// were cleared under it.
    pub fn annual_counted(&self) -> i64 {
        if self
            .notes
            .iter()
            .any(|n| matches!(n.code, NoteCode::Cbec | NoteCode::CbecSingleItem))
        {
            self.customs_value_minor
        } else {
            0
        }
    }

    /// The sum of the lines of one kind.
    pub fn sum(&self, kind: TaxKind) -> i64 {
        self.lines
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| l.amount_minor)
            .sum()
    }
}

/// Who an annual limit is counted for: the recipient's identity document
/// or tax number when given (China requires one for cross-border
/// e-commerce), else their name and postcode, normalised.
pub fn recipient_key(d: &Declaration) -> String {
    let id: String = d
        .addressee
        .tax_ref
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if id.is_empty() {
        let postcode: String = d
            .addressee
            .postcode
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_uppercase)
            .collect();
        format!(
            "{}|name:{}|{postcode}",
            d.addressee.country,
            super::risk::normalise_name(&d.addressee.name)
        )
    } else {
        format!("{}|id:{id}", d.addressee.country)
    }
}

/// What the engine needs besides the regime data.
#[derive(Debug, Clone, Copy)]
pub struct AssessInput<'a> {
    pub declaration: &'a Declaration,
    /// The destination country (ISO 3166 alpha-2).
    pub destination: &'a str,
    pub day: Date,
    /// A business sells the goods (e-commerce), not a private person.
    pub by_merchant: bool,
    /// The merchant sells through a registered cross-border e-commerce
    /// platform (China): without one, its parcels are general trade.
    pub cbec_platform: bool,
    /// China: the recipient's cross-border e-commerce total this year, in
    /// the regime's currency (CNY), before this parcel.
    pub year_to_date_minor: i64,
}

struct Work<'a> {
    regime: &'a Regime,
    currency: Currency,
    lines: Vec<TaxLine>,
    notes: Vec<Note>,
    complete: bool,
}

impl Work<'_> {
    fn money(&self, minor: i64) -> String {
        format!(
            "{} {}",
            self.currency.code(),
            format_decimal(minor, self.currency.exponent())
        )
    }

    fn note(&mut self, code: NoteCode, args: Vec<String>) {
        self.notes.push(Note { code, args });
    }

    fn tax(
        &mut self,
        line: Option<usize>,
        kind: TaxKind,
        base: i64,
        rate: Option<i64>,
        amount: i64,
    ) {
        self.lines.push(TaxLine {
            line,
            kind,
            base_minor: base,
            rate_ppm: rate,
            amount_minor: amount,
        });
    }
}

fn percent(ppm: i64) -> String {
    let s = format_decimal(ppm, 4);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s} %")
}

/// Shares `total` among `weights` in proportion, the rounding remainder to
/// the last; all zero weights share equally.
fn share(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i64 = weights.iter().sum();
    let n = weights.len() as i64;
    let mut out: Vec<i64> = weights
        .iter()
        .map(|w| {
            if sum > 0 {
                (total as i128 * *w as i128 / sum as i128) as i64
            } else if n > 0 {
                total / n
            } else {
                0
            }
        })
        .collect();
    let given: i64 = out.iter().sum();
    if let Some(last) = out.last_mut() {
        *last += total - given;
    }
    out
}

/// Assesses duty and tax. Never fails: what cannot be assessed is left out
/// with a note, and the assessment is marked incomplete.
pub fn assess(input: &AssessInput<'_>, data: &RegimeData) -> Assessment {
    let d = input.declaration;
    let territory = territory_of(input.destination);
    let incomplete = |code: NoteCode, args: Vec<String>, regime: &str, currency| Assessment {
        regime: regime.to_owned(),
        currency,
        goods_value_minor: 0,
        customs_value_minor: 0,
        lines: Vec::new(),
        notes: vec![Note { code, args }],
        total_minor: 0,
        payer: Payer::Nobody,
        complete: false,
    };
    let Some(regime) = data.regime(territory, input.day) else {
        return incomplete(
            NoteCode::NoRegime,
            vec![input.destination.to_owned(), input.day.to_string()],
            "",
            None,
        );
    };
    let currency = regime.currency;
    // Every amount in the regime's currency, line by line.
    let convert = |minor: i64, from: Currency| data.convert(minor, from, currency, input.day);
    let mut values = Vec::with_capacity(d.lines.len());
    for l in &d.lines {
        match convert(l.value.minor, l.value.currency) {
            Some(v) => values.push(v),
            None => {
                return incomplete(
                    NoteCode::NoFxRate,
                    vec![l.value.currency.code(), input.day.to_string()],
                    &regime.code,
                    Some(currency),
                )
            }
        }
    }
    let transport = if regime.transport_in_value {
        let mut t = 0;
        for m in [d.postage, d.insurance].into_iter().flatten() {
            match convert(m.minor, m.currency) {
                Some(v) => t += v,
                None => {
                    return incomplete(
                        NoteCode::NoFxRate,
                        vec![m.currency.code(), input.day.to_string()],
                        &regime.code,
                        Some(currency),
                    )
                }
            }
        }
        t
    } else {
        0
    };
    let goods: i64 = values.iter().sum();
    let customs: Vec<i64> = share(transport, &values)
        .into_iter()
        .zip(&values)
        .map(|(t, v)| t + v)
        .collect();
    let nets: Vec<i64> = d.lines.iter().map(|l| l.net_weight_g).collect();
    let grosses = share(d.gross_weight_g, &nets);

    let mut w = Work {
        regime,
        currency,
        lines: Vec::with_capacity(d.lines.len() * 2 + 1),
        notes: Vec::with_capacity(3),
        complete: true,
    };
    let gift = d.category == Category::Gift && !input.by_merchant;
    let within = |max: Option<i64>| max.is_some_and(|m| goods <= m);

    if within(regime.de_minimis_max) {
        let max = regime.de_minimis_max.unwrap_or(0);
        let args = vec![w.money(goods), w.money(max)];
        w.note(NoteCode::DeMinimis, args);
    } else if !gift && within(regime.collected_at_sale_max) {
        let max = regime.collected_at_sale_max.unwrap_or(0);
        let args = vec![w.money(goods), w.money(max)];
        w.note(NoteCode::CollectedAtSale, args);
    } else if gift && within(regime.gift_free_max) {
        let max = regime.gift_free_max.unwrap_or(0);
        let args = vec![w.money(goods), w.money(max)];
        w.note(NoteCode::GiftRelief, args);
    } else if let (Some(cbec), true) = (regime.cbec, input.by_merchant) {
        if input.cbec_platform {
            china_cbec(&mut w, input, data, &customs, &grosses, cbec);
        } else {
            w.note(NoteCode::GeneralTrade, Vec::new());
            general(&mut w, input, data, &customs, &grosses, i64::MAX, false);
        }
    } else if let (Some(max), false) = (regime.postal_article_max, input.by_merchant) {
        china_postal(&mut w, input, data, &values, &customs, &grosses, max, goods);
    } else {
        general(&mut w, input, data, &customs, &grosses, goods, gift);
    }

    let mut total: i64 = w.lines.iter().map(|l| l.amount_minor).sum();
    let ddp = d.incoterm == Incoterm::Ddp;
    if total > 0 && !ddp && regime.handling_fee_minor > 0 {
        let fee = regime.handling_fee_minor;
        w.tax(None, TaxKind::HandlingFee, 0, None, fee);
        let args = vec![w.money(fee)];
        w.note(NoteCode::HandlingFee, args);
        total += fee;
    }
    let payer = if total == 0 {
        Payer::Nobody
    } else if ddp {
        w.note(NoteCode::Ddp, Vec::new());
        Payer::Merchant
    } else {
        Payer::Recipient
    };
    Assessment {
        regime: regime.code.clone(),
        currency: Some(currency),
        goods_value_minor: goods,
        customs_value_minor: customs.iter().sum(),
        lines: w.lines,
        notes: w.notes,
        total_minor: total,
        payer,
        complete: w.complete,
    }
}

/// Duty per line (tariff, or flat per subheading, or relief), additional
/// duties, then VAT on value plus duty.
#[allow(clippy::too_many_arguments)]
fn general(
    w: &mut Work<'_>,
    input: &AssessInput<'_>,
    data: &RegimeData,
    customs: &[i64],
    grosses: &[i64],
    goods: i64,
    gift: bool,
) {
    let d = input.declaration;
    let regime = w.regime;
    let within = |max: Option<i64>| max.is_some_and(|m| goods <= m);
    let mut duties = vec![0i64; d.lines.len()];
    if within(regime.duty_free_max) {
        let args = vec![w.money(goods), w.money(regime.duty_free_max.unwrap_or(0))];
        w.note(NoteCode::DutyRelief, args);
    } else if let (Some(flat), true) = (regime.flat_duty_minor, within(regime.flat_duty_max)) {
        let mut seen: Vec<&str> = Vec::with_capacity(d.lines.len());
        for (i, l) in d.lines.iter().enumerate() {
            let sub = l.hs_code.subheading();
            if !seen.contains(&sub) {
                seen.push(sub);
                duties[i] = flat;
                w.tax(Some(i), TaxKind::FlatDuty, customs[i], None, flat);
            }
        }
        let args = vec![
            w.money(flat),
            seen.len().to_string(),
            w.money(goods),
            w.money(regime.flat_duty_max.unwrap_or(0)),
        ];
        w.note(NoteCode::FlatDuty, args);
    } else {
        for (i, l) in d.lines.iter().enumerate() {
            if !regime.tariff_duties {
                w.note(NoteCode::OriginDutyOnly, Vec::new());
                break;
            }
            match data.tariff_line(&regime.territory, l.hs_code.as_str(), input.day) {
                Some(t) => {
                    let amount = t
                        .duty
                        .amount(customs[i], l.quantity, l.net_weight_g, grosses[i]);
                    duties[i] = amount;
                    let rate = t.duty.is_ad_valorem_only().then_some(t.duty.ad_valorem_ppm);
                    w.tax(Some(i), TaxKind::Duty, customs[i], rate, amount);
                }
                None => {
                    w.complete = false;
                    w.note(NoteCode::NoTariffLine, vec![l.hs_code.as_str().to_owned()]);
                }
            }
        }
        if regime.additional_duties {
            additional(w, input, data, customs, &mut duties);
        }
    }

    // VAT on customs value plus duty.
    if !regime.import_vat {
        w.note(NoteCode::NoVat, vec![input.destination.to_owned()]);
        return;
    }
    if within(regime.vat_free_max) {
        let args = vec![w.money(goods), w.money(regime.vat_free_max.unwrap_or(0))];
        w.note(NoteCode::VatFree, args);
        return;
    }
    if !d.ioss_number.is_empty() && within(regime.ioss_max) {
        let args = vec![
            d.ioss_number.clone(),
            w.money(goods),
            w.money(regime.ioss_max.unwrap_or(0)),
        ];
        w.note(NoteCode::Ioss, args);
        return;
    }
    if gift && within(regime.gift_vat_free_max) {
        let args = vec![
            w.money(goods),
            w.money(regime.gift_vat_free_max.unwrap_or(0)),
        ];
        w.note(NoteCode::GiftVatFree, args);
        return;
    }
    for (i, l) in d.lines.iter().enumerate() {
        match data.vat_rate(input.destination, l.hs_code.as_str(), input.day) {
            Some(r) => {
                let r = line_rates(w, r, l, customs[i]);
                let base = customs[i] + duties[i];
                if r.consumption_ppm > 0 {
                    // Consumption tax on (value + duty) grossed up, then VAT
                    // on value + duty + consumption tax.
                    let ct = mul_div_round(base, r.consumption_ppm, PPM - r.consumption_ppm);
                    w.tax(
                        Some(i),
                        TaxKind::ConsumptionTax,
                        base,
                        Some(r.consumption_ppm),
                        ct,
                    );
                    let vat = mul_div_round(base + ct, r.vat_ppm, PPM);
                    w.tax(Some(i), TaxKind::Vat, base + ct, Some(r.vat_ppm), vat);
                } else {
                    let vat = mul_div_round(base, r.vat_ppm, PPM);
                    w.tax(Some(i), TaxKind::Vat, base, Some(r.vat_ppm), vat);
                }
            }
            // A country that levies VAT with no rate: a data error, never
            // "no VAT".
            None => {
                w.complete = false;
                w.note(
                    NoteCode::NoVatRate,
                    vec![input.destination.to_owned(), l.hs_code.as_str().to_owned()],
                );
            }
        }
    }
}

/// Additional duties by origin: ad valorem per line, or a specific amount
/// per postal item by band of the highest rate among the lines.
fn additional(
    w: &mut Work<'_>,
    input: &AssessInput<'_>,
    data: &RegimeData,
    customs: &[i64],
    duties: &mut [i64],
) {
    let d = input.declaration;
    let regime = w.regime;
    let rates: Vec<i64> = d
        .lines
        .iter()
        .map(|l| data.additional_rate(&regime.territory, &l.origin, input.day))
        .collect();
    if regime.postal_specific && !regime.postal_bands.is_empty() {
        let top = rates.iter().copied().max().unwrap_or(0);
        if top == 0 {
            return;
        }
        let band = regime
            .postal_bands
            .iter()
            .find(|b| b.below_ppm.is_none_or(|below| top < below))
            .copied();
        if let Some(b) = band {
            w.tax(None, TaxKind::AdditionalDuty, 0, None, b.amount_minor);
            if let Some(first) = duties.first_mut() {
                *first += b.amount_minor;
            }
            let args = vec![w.money(b.amount_minor), percent(top)];
            w.note(NoteCode::PostalBand, args);
        }
        return;
    }
    for (i, l) in d.lines.iter().enumerate() {
        if rates[i] == 0 {
            continue;
        }
        let amount = mul_div_round(customs[i], rates[i], PPM);
        duties[i] += amount;
        w.tax(
            Some(i),
            TaxKind::AdditionalDuty,
            customs[i],
            Some(rates[i]),
            amount,
        );
        let args = vec![l.origin.clone(), percent(rates[i])];
        if !w
            .notes
            .iter()
            .any(|n| n.code == NoteCode::AdditionalDuty && n.args == args)
        {
            w.note(NoteCode::AdditionalDuty, args);
        }
    }
}

/// The rates of a content line (high-end goods have their own), with a
/// note the first time a line is high-end.
fn line_rates(
    w: &mut Work<'_>,
    r: &super::tariff::VatRate,
    l: &super::declaration::Line,
    value: i64,
) -> super::tariff::LineRates {
    let rates = r.for_line(value, l.quantity, l.net_weight_g);
    let hs = l.hs_code.as_str().to_owned();
    if rates.high_end
        && !w
            .notes
            .iter()
            .any(|n| n.code == NoteCode::HighEnd && n.args.first() == Some(&hs))
    {
        w.note(NoteCode::HighEnd, vec![hs]);
    }
    rates
}

/// China, cross-border e-commerce retail imports: within the per-order and
/// annual limits no duty, and VAT and consumption tax at 70 %, on the price
/// with freight and insurance; one indivisible item above the per-order
/// limit stays cross-border at full rates; beyond the limits, general trade.
fn china_cbec(
    w: &mut Work<'_>,
    input: &AssessInput<'_>,
    data: &RegimeData,
    customs: &[i64],
    grosses: &[i64],
    cbec: super::tariff::Cbec,
) {
    let d = input.declaration;
    let price: i64 = customs.iter().sum();
    let year = input.year_to_date_minor + price;
    let single = d.lines.len() == 1 && d.lines[0].quantity == 1;
    if price > cbec.per_transaction_max && !single {
        let args = vec![w.money(price), w.money(cbec.per_transaction_max)];
        w.note(NoteCode::CbecOverTransaction, args);
        return general(w, input, data, customs, grosses, i64::MAX, false);
    }
    if year > cbec.annual_max {
        let args = vec![w.money(year), w.money(cbec.annual_max)];
        w.note(NoteCode::CbecOverAnnual, args);
        return general(w, input, data, customs, grosses, i64::MAX, false);
    }
    if price > cbec.per_transaction_max {
        let args = vec![w.money(price), w.money(cbec.per_transaction_max)];
        w.note(NoteCode::CbecSingleItem, args);
        return general(w, input, data, customs, grosses, i64::MAX, false);
    }
    let args = vec![
        w.money(price),
        w.money(cbec.per_transaction_max),
        w.money(year),
        w.money(cbec.annual_max),
    ];
    w.note(NoteCode::Cbec, args);
    let share = cbec.share_ppm as i128;
    let p = PPM as i128;
    for (i, l) in d.lines.iter().enumerate() {
        let Some(r) = data.vat_rate(input.destination, l.hs_code.as_str(), input.day) else {
            w.complete = false;
            w.note(
                NoteCode::NoVatRate,
                vec![input.destination.to_owned(), l.hs_code.as_str().to_owned()],
            );
            continue;
        };
        let r = line_rates(w, r, l, customs[i]);
        let (v, c, value) = (
            r.vat_ppm as i128,
            r.consumption_ppm as i128,
            customs[i] as i128,
        );
        // value × c / (1 − c) × 70 % and value / (1 − c) × v × 70 %.
        let den = (p - c) * p;
        if c > 0 {
            let ct = div_round(value * c * share, den);
            let rate = div_round(c * share, p - c);
            w.tax(Some(i), TaxKind::ConsumptionTax, customs[i], Some(rate), ct);
        }
        let vat = div_round(value * v * share, den);
        let base = div_round(value * p, p - c);
        w.tax(
            Some(i),
            TaxKind::Vat,
            base,
            Some(div_round(v * share, p)),
            vat,
        );
    }
}

fn div_round(n: i128, d: i128) -> i64 {
    if d <= 0 {
        return 0;
    }
    if n >= 0 {
        ((2 * n + d) / (2 * d)) as i64
    } else {
        -(((-2 * n + d) / (2 * d)) as i64)
    }
}

/// China, personal postal articles: one tax by kind of goods up to the
/// parcel limit, waived when small; above the limit, general trade.
#[allow(clippy::too_many_arguments)]
fn china_postal(
    w: &mut Work<'_>,
    input: &AssessInput<'_>,
    data: &RegimeData,
    values: &[i64],
    customs: &[i64],
    grosses: &[i64],
    max: i64,
    goods: i64,
) {
    let d = input.declaration;
    let near = NEAR_ORIGINS.contains(&d.sender.country.as_str());
    let max = match w.regime.postal_article_near_max {
        Some(m) if near => m,
        _ => max,
    };
    if goods > max {
        let args = vec![w.money(goods), w.money(max)];
        w.note(NoteCode::PostalArticleOver, args);
        return general(w, input, data, customs, grosses, i64::MAX, false);
    }
    let mut taxes = Vec::with_capacity(d.lines.len());
    for (i, l) in d.lines.iter().enumerate() {
        match data.vat_rate(input.destination, l.hs_code.as_str(), input.day) {
            Some(r) => {
                let r = line_rates(w, r, l, values[i]);
                taxes.push((i, values[i], r.postal_article_ppm))
            }
            None => {
                w.complete = false;
                w.note(
                    NoteCode::NoVatRate,
                    vec![input.destination.to_owned(), l.hs_code.as_str().to_owned()],
                );
            }
        }
    }
    let amounts: Vec<i64> = taxes
        .iter()
        .map(|(_, v, r)| mul_div_round(*v, *r, PPM))
        .collect();
    let total: i64 = amounts.iter().sum();
    let waive = w.regime.postal_waive_max.unwrap_or(0);
    if total <= waive {
        let args = vec![w.money(total), w.money(waive)];
        w.note(NoteCode::PostalArticleWaived, args);
        return;
    }
    w.note(NoteCode::PostalArticle, vec![w.money(goods), w.money(max)]);
    for ((i, v, r), a) in taxes.into_iter().zip(amounts) {
        w.tax(Some(i), TaxKind::PostalArticleTax, v, Some(r), a);
    }
}

#[cfg(test)]
mod tests;

/// A parcel's share of its recipient's annual limit (China's cross-border
/// e-commerce): kept with the assessment, summed for the next parcels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annual {
    pub recipient_key: String,
    pub year: i32,
    pub counted_minor: i64,
}
