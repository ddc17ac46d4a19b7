//! The customs declaration (CN22/CN23 data) and its rules: one function that
//! returns every problem at once, each naming its field. The same rules run
//! in the browser as the merchant types and on the server, which decides.
use serde::{Deserialize, Serialize};

use super::goods::{parse_decimal, parse_kg, Currency, HsCode, Money};
use super::org::CountryCode;
use super::FieldError;

/// Category of item, with the UPU CDS codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    SaleOfGoods,
    ReturnedGoods,
    Gift,
    CommercialSample,
    Documents,
    Other,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::SaleOfGoods,
        Category::ReturnedGoods,
        Category::Gift,
        Category::CommercialSample,
        Category::Documents,
        Category::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Category::SaleOfGoods => "sale_of_goods",
            Category::ReturnedGoods => "returned_goods",
            Category::Gift => "gift",
            Category::CommercialSample => "commercial_sample",
            Category::Documents => "documents",
            Category::Other => "other",
        }
    }
    /// The UPU CDS code: 11, 21, 31, 32, 91, 991.
    pub fn upu_code(self) -> u16 {
        match self {
            Category::SaleOfGoods => 11,
            Category::ReturnedGoods => 21,
            Category::Gift => 31,
            Category::CommercialSample => 32,
            Category::Documents => 91,
            Category::Other => 991,
        }
    }
    pub fn parse(s: &str) -> Option<Category> {
        let s = s.trim();
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s || c.upu_code().to_string() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Incoterm {
    /// Delivered duty paid: the merchant pays duty and tax.
    Ddp,
    /// Delivered at place: the recipient pays.
    Dap,
}

impl Incoterm {
    pub fn as_str(self) -> &'static str {
        match self {
            Incoterm::Ddp => "DDP",
            Incoterm::Dap => "DAP",
        }
    }
    pub fn parse(s: &str) -> Option<Incoterm> {
        match s.trim().to_uppercase().as_str() {
            "DDP" => Some(Incoterm::Ddp),
            // DDU is the older name of DAP.
            "DAP" | "DDU" => Some(Incoterm::Dap),
            _ => None,
        }
    }
}

/// What the post does if the parcel cannot be delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NonDelivery {
    Return,
    Abandon,
}

impl NonDelivery {
    pub fn as_str(self) -> &'static str {
        match self {
            NonDelivery::Return => "return",
            NonDelivery::Abandon => "abandon",
        }
    }
    pub fn parse(s: &str) -> Option<NonDelivery> {
        match s.trim() {
            "return" => Some(NonDelivery::Return),
            "abandon" => Some(NonDelivery::Abandon),
            _ => None,
        }
    }
}

/// CN22 up to 300 SDR, CN23 above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Form {
    Cn22,
    Cn23,
}

/// A sender or addressee, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PartyInput {
    pub name: String,
    pub address1: String,
    pub address2: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
    pub phone: String,
    pub email: String,
    /// Tax or importer reference (EORI, VAT number…), if any.
    pub tax_ref: String,
}

/// One kind of goods, as typed (amounts and weights as text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LineInput {
    pub description: String,
    pub quantity: String,
    /// Kilograms, e.g. `0.25`.
    pub net_weight_kg: String,
    /// Value of the whole line in the declaration's currency, e.g. `19.90`.
    pub value: String,
    pub hs_code: String,
    pub origin: String,
}

/// A declaration as a form or an API client sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeclarationInput {
    pub sender: PartyInput,
    pub addressee: PartyInput,
    pub category: String,
    /// Required when the category is "other".
    pub category_explanation: String,
    pub currency: String,
    pub gross_weight_kg: String,
    pub postage: String,
    pub insurance: String,
    pub invoice_number: String,
    pub licence_number: String,
    pub certificate_number: String,
    pub ioss_number: String,
    pub incoterm: String,
    pub non_delivery: String,
    pub comments: String,
    pub lines: Vec<LineInput>,
    /// When given (the API), must equal the sum of the lines.
    pub declared_total: Option<String>,
    /// The merchant's own reference (an order number), free text.
    pub reference: String,
    /// An S10 id the merchant brings; empty: allocated from its range.
    pub item_id: String,
}

/// A party once checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub name: String,
    pub address1: String,
    pub address2: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
    pub phone: String,
    pub email: String,
    pub tax_ref: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub description: String,
    pub quantity: i64,
    pub net_weight_g: i64,
    pub value: Money,
    pub hs_code: HsCode,
    pub origin: String,
}

/// A declaration that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    pub sender: Party,
    pub addressee: Party,
    pub category: Category,
    pub category_explanation: String,
    pub currency: Currency,
    pub gross_weight_g: i64,
    pub postage: Option<Money>,
    pub insurance: Option<Money>,
    pub invoice_number: String,
    pub licence_number: String,
    pub certificate_number: String,
    pub ioss_number: String,
    pub incoterm: Incoterm,
    pub non_delivery: NonDelivery,
    pub comments: String,
    pub reference: String,
    pub item_id: Option<super::s10::ItemId>,
    pub lines: Vec<Line>,
    pub total_value: Money,
    pub total_net_weight_g: i64,
    pub form: Form,
}

/// What the rules need besides the declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// A merchant (a business) is declaring: "gift" is not allowed.
    pub by_merchant: bool,
    /// Units of the declaration's currency per 1 SDR, in millionths, on the
    /// day (e.g. 1.21 EUR per SDR = 1_210_000). `None`: the currency has no
    /// rate, which is itself an error.
    pub units_per_sdr_micro: Option<i64>,
}

pub const MAX_LINES: usize = 99;
/// CN22 up to this many SDR.
pub const CN22_MAX_SDR: i64 = 300;

/// Descriptions that say nothing about the goods, in every UI language.
const VAGUE: &[&str] = &[
    // English
    "gift",
    "gifts",
    "present",
    "goods",
    "good",
    "parts",
    "part",
    "spare parts",
    "sample",
    "samples",
    "stuff",
    "things",
    "items",
    "item",
    "merchandise",
    "product",
    "products",
    "accessories",
    "accessory",
    "misc",
    "miscellaneous",
    "various",
    "other",
    "others",
    "general",
    "commercial goods",
    "personal items",
    "personal effects",
    "clothes",
    "clothing",
    "food",
    "electronics",
    "toys",
    "tools",
    "parcel",
    "package",
    // French
    "cadeau",
    "cadeaux",
    "marchandise",
    "marchandises",
    "pièces",
    "pièce",
    "pieces",
    "piece",
    "pièces détachées",
    "échantillon",
    "échantillons",
    "echantillon",
    "echantillons",
    "trucs",
    "truc",
    "choses",
    "articles",
    "article",
    "produit",
    "produits",
    "accessoires",
    "divers",
    "autre",
    "autres",
    "vêtements",
    "vetements",
    "nourriture",
    "jouets",
    "outils",
    "colis",
    "effets personnels",
];

/// True when a description is too vague for customs ("gift", "parts", …).
pub fn is_vague(description: &str) -> bool {
    let norm: String = description
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == ' ' {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    norm.chars().count() < 3 || VAGUE.contains(&norm.as_str())
}

/// An EU IOSS number: `IM`, then 10 digits.
pub fn is_ioss_number(s: &str) -> bool {
    let s = s.trim().to_uppercase();
    s.len() == 12 && s.starts_with("IM") && s[2..].bytes().all(|b| b.is_ascii_digit())
}

fn text(
    field: String,
    raw: &str,
    required: bool,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    let v = raw.trim().to_owned();
    if required && v.is_empty() {
        errors.push(FieldError::new(&field, "required"));
    } else if v.chars().count() > max {
        errors.push(FieldError::new(&field, "too_long"));
    }
    v
}

fn party(prefix: &str, p: &PartyInput, errors: &mut Vec<FieldError>) -> Party {
    let f = |name: &str| format!("{prefix}.{name}");
    let country = match CountryCode::parse(&f("country"), &p.country) {
        Ok(c) => c.as_str().to_owned(),
        Err(e) => {
            errors.push(e);
            String::new()
        }
    };
    let email = p.email.trim().to_lowercase();
    if !email.is_empty() && crate::domain::account::normalise_email(&email).is_err() {
        errors.push(FieldError::new(&f("email"), "email_invalid"));
    }
    let phone = p.phone.trim().to_owned();
    if !phone.is_empty()
        && !phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'))
    {
        errors.push(FieldError::new(&f("phone"), "phone_invalid"));
    }
    Party {
        name: text(f("name"), &p.name, true, 100, errors),
        address1: text(f("address1"), &p.address1, true, 100, errors),
        address2: text(f("address2"), &p.address2, false, 100, errors),
        city: text(f("city"), &p.city, true, 60, errors),
        postcode: text(f("postcode"), &p.postcode, false, 16, errors),
        country,
        phone,
        email,
        tax_ref: text(f("tax_ref"), &p.tax_ref, false, 40, errors),
    }
}

/// Checks a declaration against every rule; all problems at once, each with
/// its field (`addressee.city`, `lines.2.hs_code`, …).
pub fn validate(input: &DeclarationInput, ctx: &Context) -> Result<Declaration, Vec<FieldError>> {
    let mut errors = Vec::new();
    let sender = party("sender", &input.sender, &mut errors);
    let addressee = party("addressee", &input.addressee, &mut errors);

    let category = match Category::parse(&input.category) {
        Some(Category::Gift) if ctx.by_merchant => {
            errors.push(FieldError::new("category", "gift_from_merchant"));
            Some(Category::Gift)
        }
        Some(c) => Some(c),
        None => {
            errors.push(FieldError::new("category", "required"));
            None
        }
    };
    let category_explanation = text(
        "category_explanation".into(),
        &input.category_explanation,
        category == Some(Category::Other),
        200,
        &mut errors,
    );
    let currency = Currency::parse("currency", &input.currency)
        .map_err(|e| errors.push(e))
        .ok();
    let incoterm = Incoterm::parse(&input.incoterm);
    if incoterm.is_none() {
        errors.push(FieldError::new("incoterm", "incoterm_invalid"));
    }
    let non_delivery = NonDelivery::parse(&input.non_delivery);
    if non_delivery.is_none() {
        errors.push(FieldError::new("non_delivery", "required"));
    }
    let item_id = if input.item_id.trim().is_empty() {
        None
    } else {
        super::s10::ItemId::parse(&input.item_id)
            .map_err(|e| errors.push(FieldError::new("item_id", &e.code())))
            .ok()
    };
    let reference = text("reference".into(), &input.reference, false, 60, &mut errors);
    let ioss_number = input.ioss_number.trim().to_uppercase();
    if !ioss_number.is_empty() && !is_ioss_number(&ioss_number) {
        errors.push(FieldError::new("ioss_number", "ioss_invalid"));
    }
    let gross_weight_g = match parse_kg("gross_weight_kg", &input.gross_weight_kg) {
        Ok(0) => {
            errors.push(FieldError::new("gross_weight_kg", "weight_zero"));
            None
        }
        Ok(g) => Some(g),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let optional_money = |field: &str, raw: &str, errors: &mut Vec<FieldError>| -> Option<Money> {
        match (raw.trim().is_empty(), currency) {
            (true, _) | (_, None) => None,
            (false, Some(c)) => Money::parse(field, raw, c).map_err(|e| errors.push(e)).ok(),
        }
    };
    let postage = optional_money("postage", &input.postage, &mut errors);
    let insurance = optional_money("insurance", &input.insurance, &mut errors);

    if input.lines.is_empty() {
        errors.push(FieldError::new("lines", "lines_required"));
    } else if input.lines.len() > MAX_LINES {
        errors.push(FieldError::new("lines", "too_many_lines"));
    }
    let mut lines = Vec::new();
    for (i, l) in input.lines.iter().enumerate() {
        let f = |name: &str| format!("lines.{i}.{name}");
        let description = text(f("description"), &l.description, true, 200, &mut errors);
        if !description.is_empty() && is_vague(&description) {
            errors.push(FieldError::new(&f("description"), "description_vague"));
        }
        let quantity = match parse_decimal(&f("quantity"), &l.quantity, 0, "quantity") {
            Ok(0) => {
                errors.push(FieldError::new(&f("quantity"), "quantity_zero"));
                None
            }
            Ok(q) if q > 1_000_000 => {
                errors.push(FieldError::new(&f("quantity"), "quantity_too_large"));
                None
            }
            Ok(q) => Some(q),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let net = match parse_kg(&f("net_weight_kg"), &l.net_weight_kg) {
            Ok(0) => {
                errors.push(FieldError::new(&f("net_weight_kg"), "weight_zero"));
                None
            }
            Ok(g) => Some(g),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let value = currency.and_then(|c| {
            Money::parse(&f("value"), &l.value, c)
                .map_err(|e| errors.push(e))
                .ok()
        });
        let hs = HsCode::parse(&f("hs_code"), &l.hs_code)
            .map_err(|e| errors.push(e))
            .ok();
        let origin = CountryCode::parse(&f("origin"), &l.origin)
            .map_err(|e| errors.push(e))
            .ok();
        if let (Some(quantity), Some(net_weight_g), Some(value), Some(hs_code), Some(origin)) =
            (quantity, net, value, hs, origin)
        {
            lines.push(Line {
                description,
                quantity,
                net_weight_g,
                value,
                hs_code,
                origin: origin.as_str().to_owned(),
            });
        }
    }
    let all_lines = !lines.is_empty() && lines.len() == input.lines.len();
    let total_minor: i64 = lines.iter().map(|l| l.value.minor).sum();
    let total_net: i64 = lines.iter().map(|l| l.net_weight_g).sum();
    if all_lines {
        if let Some(g) = gross_weight_g {
            if g < total_net {
                errors.push(FieldError::new("gross_weight_kg", "gross_below_net"));
            }
        }
        if let (Some(c), Some(raw)) = (currency, input.declared_total.as_deref()) {
            match Money::parse("declared_total", raw, c) {
                Ok(m) if m.minor != total_minor => {
                    errors.push(FieldError::new("declared_total", "total_mismatch"))
                }
                Ok(_) => {}
                Err(e) => errors.push(e),
            }
        }
    }
    if currency.is_some() && ctx.units_per_sdr_micro.is_none() {
        errors.push(FieldError::new("currency", "no_sdr_rate"));
    }
    let form = match (currency, ctx.units_per_sdr_micro) {
        (Some(c), Some(rate)) => form_for(total_minor, c, rate),
        _ => Form::Cn22,
    };
    let (
        true,
        Some(category),
        Some(currency),
        Some(incoterm),
        Some(non_delivery),
        Some(gross_weight_g),
    ) = (
        errors.is_empty(),
        category,
        currency,
        incoterm,
        non_delivery,
        gross_weight_g,
    )
    else {
        return Err(errors);
    };
    Ok(Declaration {
        sender,
        addressee,
        category,
        category_explanation,
        currency,
        gross_weight_g,
        postage,
        insurance,
        invoice_number: input.invoice_number.trim().to_owned(),
        licence_number: input.licence_number.trim().to_owned(),
        certificate_number: input.certificate_number.trim().to_owned(),
        ioss_number,
        incoterm,
        non_delivery,
        comments: input.comments.trim().to_owned(),
        reference,
        item_id,
        lines,
        total_value: Money::new(total_minor, currency),
        total_net_weight_g: total_net,
        form,
    })
}

/// CN22 when the contents are worth at most 300 SDR, else CN23.
pub fn form_for(total_minor: i64, currency: Currency, units_per_sdr_micro: i64) -> Form {
    // total / 10^exp units  >  300 × rate / 10^6   ⇔   total × 10^6 > 300 × rate × 10^exp
    let lhs = i128::from(total_minor) * 1_000_000;
    let rhs = i128::from(CN22_MAX_SDR)
        * i128::from(units_per_sdr_micro)
        * 10i128.pow(currency.exponent());
    if lhs > rhs {
        Form::Cn23
    } else {
        Form::Cn22
    }
}

impl DeclarationInput {
    /// A short description of the contents for lists: the line descriptions.
    pub fn summary(&self) -> String {
        let s = self
            .lines
            .iter()
            .map(|l| l.description.trim())
            .filter(|d| !d.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        s.chars().take(200).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party_input(country: &str) -> PartyInput {
        PartyInput {
            name: "Maison Lumière".into(),
            address1: "12 rue des Lilas".into(),
            city: "Lyon".into(),
            postcode: "69001".into(),
            country: country.into(),
            ..Default::default()
        }
    }

    fn line(description: &str, value: &str, net: &str) -> LineInput {
        LineInput {
            description: description.into(),
            quantity: "2".into(),
            net_weight_kg: net.into(),
            value: value.into(),
            hs_code: "6109.10".into(),
            origin: "PT".into(),
        }
    }

    fn good() -> DeclarationInput {
        DeclarationInput {
            sender: party_input("FR"),
            addressee: party_input("GB"),
            category: "sale_of_goods".into(),
            currency: "EUR".into(),
            gross_weight_kg: "0.6".into(),
            incoterm: "DAP".into(),
            non_delivery: "return".into(),
            lines: vec![
                line("Cotton T-shirt", "39.80", "0.3"),
                line("Silk scarf", "25", "0.1"),
            ],
            ..Default::default()
        }
    }

    const MERCHANT: Context = Context {
        by_merchant: true,
        units_per_sdr_micro: Some(1_200_000),
    };

    fn codes(r: Result<Declaration, Vec<FieldError>>) -> Vec<String> {
        r.unwrap_err()
            .into_iter()
            .map(|e| format!("{}.{}", e.field, e.code))
            .collect()
    }

    #[test]
    fn a_good_declaration_passes_with_its_totals() {
        let d = validate(&good(), &MERCHANT).unwrap();
        assert_eq!(d.total_value.minor, 6480);
        assert_eq!(d.total_net_weight_g, 400);
        assert_eq!(d.lines[0].hs_code.as_str(), "610910");
        assert_eq!(d.form, Form::Cn22);
        assert_eq!(d.category.upu_code(), 11);
    }

    #[test]
    fn every_problem_is_reported_at_once_with_its_field() {
        let mut d = good();
        d.addressee.city = " ".into();
        d.addressee.country = "XX".into();
        d.category = "gift".into();
        d.incoterm = "EXW".into();
        d.ioss_number = "IM12345".into();
        d.lines[0].hs_code = "6109".into();
        d.lines[1].description = "Goods".into();
        d.lines[1].quantity = "0".into();
        d.item_id = "RR123456784CN".into();
        let c = codes(validate(&d, &MERCHANT));
        for expected in [
            "addressee.city.required",
            "addressee.country.country_invalid",
            "category.gift_from_merchant",
            "incoterm.incoterm_invalid",
            "ioss_number.ioss_invalid",
            "lines.0.hs_code.hs_code_length:4",
            "lines.1.description.description_vague",
            "lines.1.quantity.quantity_zero",
            "item_id.item_id_check_digit:5:4",
        ] {
            assert!(
                c.contains(&expected.to_owned()),
                "{expected} missing from {c:?}"
            );
        }
        assert_eq!(c.len(), 9, "{c:?}");
    }

    #[test]
    fn gifts_are_for_private_senders_only() {
        let mut d = good();
        d.category = "gift".into();
        assert!(validate(&d, &MERCHANT).is_err());
        let private = Context {
            by_merchant: false,
            ..MERCHANT
        };
        assert_eq!(validate(&d, &private).unwrap().category, Category::Gift);
        // UPU codes work too.
        d.category = "991".into();
        assert_eq!(
            codes(validate(&d, &MERCHANT)),
            ["category_explanation.required"]
        );
        d.category_explanation = "Hand-made ceramic vase and its stand".into();
        assert_eq!(validate(&d, &MERCHANT).unwrap().category, Category::Other);
    }

    #[test]
    fn vague_descriptions_are_refused_in_each_language() {
        for vague in [
            "gift",
            "Goods",
            "PARTS",
            "sample",
            "stuff",
            "cadeau",
            "Marchandises",
            "pièces détachées",
            "échantillon",
            "divers",
            "  misc. ",
            "ab",
        ] {
            assert!(is_vague(vague), "{vague}");
        }
        for fine in [
            "cotton T-shirt",
            "Gift box of chocolates",
            "brake parts for a bicycle",
            "livre de cuisine",
        ] {
            assert!(!is_vague(fine), "{fine}");
        }
    }

    #[test]
    fn weights_and_totals_must_agree() {
        let mut d = good();
        d.gross_weight_kg = "0.39".into();
        assert_eq!(
            codes(validate(&d, &MERCHANT)),
            ["gross_weight_kg.gross_below_net"]
        );
        d.gross_weight_kg = "0.4".into();
        assert!(validate(&d, &MERCHANT).is_ok());
        d.declared_total = Some("64.81".into());
        assert_eq!(
            codes(validate(&d, &MERCHANT)),
            ["declared_total.total_mismatch"]
        );
        d.declared_total = Some("64.80".into());
        assert!(validate(&d, &MERCHANT).is_ok());
        d.lines.clear();
        assert_eq!(codes(validate(&d, &MERCHANT)), ["lines.lines_required"]);
    }

    #[test]
    fn cn22_up_to_300_sdr_cn23_above() {
        let eur = Currency::parse("c", "EUR").unwrap();
        // 1.20 EUR per SDR: 300 SDR = EUR 360.00.
        assert_eq!(form_for(36000, eur, 1_200_000), Form::Cn22);
        assert_eq!(form_for(36001, eur, 1_200_000), Form::Cn23);
        let jpy = Currency::parse("c", "JPY").unwrap();
        // 200 JPY per SDR: 300 SDR = JPY 60,000.
        assert_eq!(form_for(60000, jpy, 200_000_000), Form::Cn22);
        assert_eq!(form_for(60001, jpy, 200_000_000), Form::Cn23);
        let mut d = good();
        d.lines[0].value = "400".into();
        assert_eq!(validate(&d, &MERCHANT).unwrap().form, Form::Cn23);
        let no_rate = Context {
            units_per_sdr_micro: None,
            ..MERCHANT
        };
        assert_eq!(codes(validate(&good(), &no_rate)), ["currency.no_sdr_rate"]);
    }

    #[test]
    fn ioss_numbers_and_incoterms() {
        assert!(is_ioss_number("IM2500012345"));
        assert!(is_ioss_number(" im2500012345 "));
        assert!(!is_ioss_number("IM250001234"));
        assert!(!is_ioss_number("XM2500012345"));
        assert_eq!(Incoterm::parse("ddu"), Some(Incoterm::Dap));
        assert_eq!(Incoterm::parse("DDP"), Some(Incoterm::Ddp));
        assert_eq!(Incoterm::parse("EXW"), None);
    }
}
