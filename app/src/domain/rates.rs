//! The regime data as admins keep it (`/admin/rates`): six tables, each
//! listed, edited row by row with validity dates, imported and exported as
//! CSV in the layout of the seed files (`app/seed/regimes/`).
use serde::{Deserialize, Serialize};

use super::goods::Currency;
use super::tariff::{AdditionalDuty, FxRate, Regime, TariffLine, VatRate};

/// One table of regime data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    Regimes,
    Tariff,
    Vat,
    Additional,
    Fx,
    Sdr,
}

/// What a column holds: how its field is typed and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// A percentage (`12.5`).
    Percent,
    /// An amount in the row's currency (`150.00`).
    Amount,
    /// An exchange rate (`1.1000`).
    Rate,
    /// `yes` or `no`.
    YesNo,
    /// What a specific duty is counted in.
    Unit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub kind: ColumnKind,
    /// Shown in the table of rows (the rest only in the row's form).
    pub listed: bool,
}

const fn col(name: &'static str, kind: ColumnKind, listed: bool) -> Column {
    Column { name, kind, listed }
}

use ColumnKind::{Amount, Date, Percent, Rate, Text, Unit, YesNo};

const REGIMES: &[Column] = &[
    col("code", Text, true),
    col("name", Text, true),
    col("territory", Text, true),
    col("currency", Text, true),
    col("valid_from", Date, true),
    col("valid_to", Date, true),
    col("duty_free_max", Amount, true),
    col("vat_free_max", Amount, true),
    col("flat_duty", Amount, false),
    col("flat_duty_max", Amount, false),
    col("ioss_max", Amount, false),
    col("collected_at_sale_max", Amount, false),
    col("gift_free_max", Amount, false),
    col("gift_vat_free_max", Amount, false),
    col("de_minimis_max", Amount, false),
    col("tariff_duties", YesNo, false),
    col("additional_duties", YesNo, false),
    col("postal_specific", YesNo, false),
    col("postal_bands", Text, false),
    col("import_vat", YesNo, false),
    col("cbec_per_transaction_max", Amount, false),
    col("cbec_annual_max", Amount, false),
    col("cbec_share", Percent, false),
    col("postal_article_max", Amount, false),
    col("postal_article_near_max", Amount, false),
    col("postal_waive_max", Amount, false),
    col("transport_in_value", YesNo, false),
    col("handling_fee", Amount, true),
    col("source", Text, false),
];

const TARIFF: &[Column] = &[
    col("territory", Text, true),
    col("hs_prefix", Text, true),
    col("description", Text, true),
    col("ad_valorem_percent", Percent, true),
    col("specific_amount", Amount, true),
    col("specific_unit", Unit, true),
    col("min_amount", Amount, true),
    col("max_amount", Amount, true),
    col("valid_from", Date, true),
    col("valid_to", Date, true),
    col("source", Text, false),
];

const VAT: &[Column] = &[
    col("country", Text, true),
    col("hs_prefix", Text, true),
    col("vat_percent", Percent, true),
    col("consumption_percent", Percent, true),
    col("postal_article_percent", Percent, true),
    col("high_end_from", Amount, false),
    col("high_end_unit", Unit, false),
    col("high_end_consumption_percent", Percent, false),
    col("high_end_postal_percent", Percent, false),
    col("valid_from", Date, true),
    col("valid_to", Date, true),
    col("source", Text, false),
];

const ADDITIONAL: &[Column] = &[
    col("territory", Text, true),
    col("origin", Text, true),
    col("rate_percent", Percent, true),
    col("valid_from", Date, true),
    col("valid_to", Date, true),
    col("note", Text, true),
];

const FX: &[Column] = &[
    col("base", Text, true),
    col("currency", Text, true),
    col("day", Date, true),
    col("rate", Rate, true),
    col("source", Text, true),
];

const SDR: &[Column] = &[
    col("currency", Text, true),
    col("valid_from", Date, true),
    col("units_per_sdr", Rate, true),
    col("source", Text, true),
];

impl Table {
    pub const ALL: [Table; 6] = [
        Table::Regimes,
        Table::Tariff,
        Table::Vat,
        Table::Additional,
        Table::Fx,
        Table::Sdr,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Table::Regimes => "regimes",
            Table::Tariff => "tariff",
            Table::Vat => "vat",
            Table::Additional => "additional",
            Table::Fx => "fx",
            Table::Sdr => "sdr",
        }
    }

    pub fn parse(s: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The columns, in the order of the CSV file.
    pub fn columns(self) -> &'static [Column] {
        match self {
            Table::Regimes => REGIMES,
            Table::Tariff => TARIFF,
            Table::Vat => VAT,
            Table::Additional => ADDITIONAL,
            Table::Fx => FX,
            Table::Sdr => SDR,
        }
    }

    pub fn column(self, name: &str) -> Option<usize> {
        self.columns().iter().position(|c| c.name == name)
    }

    /// The columns that, with the start date, identify a row: an import
    /// replaces the stored row with the same values.
    pub fn key(self) -> &'static [&'static str] {
        match self {
            Table::Regimes => &["code"],
            Table::Tariff => &["territory", "hs_prefix", "valid_from"],
            Table::Vat => &["country", "hs_prefix", "valid_from"],
            Table::Additional => &["territory", "origin", "valid_from"],
            Table::Fx => &["base", "currency", "day"],
            Table::Sdr => &["currency", "valid_from"],
        }
    }

    /// The columns whose rows may not have overlapping periods (`None`:
    /// the table's rows are points in time, the latest applying).
    pub fn period_group(self) -> Option<&'static [&'static str]> {
        match self {
            Table::Regimes => Some(&["territory"]),
            Table::Tariff => Some(&["territory", "hs_prefix"]),
            Table::Vat => Some(&["country", "hs_prefix"]),
            Table::Additional => Some(&["territory", "origin"]),
            Table::Fx | Table::Sdr => None,
        }
    }

    /// The CSV file's name when downloaded.
    pub fn file_name(self) -> String {
        format!("{}.csv", self.as_str())
    }
}

/// Whether a row applies today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowState {
    /// Starts later.
    Future,
    /// In force today (for rates of a day: the latest one).
    Current,
    /// Ended, or replaced by a later rate.
    Past,
}

/// One stored row as text, in the table's column order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateRow {
    pub id: i64,
    pub cells: Vec<String>,
    pub state: RowState,
}

impl RateRow {
    pub fn cell(&self, table: Table, column: &str) -> &str {
        table
            .column(column)
            .and_then(|i| self.cells.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// A page of a table's rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateTable {
    pub table: Table,
    pub rows: Vec<RateRow>,
    /// Rows matching the filter (more than `rows` when cut at the page size).
    pub matching: usize,
    pub total: usize,
}

/// Rows a list shows at most; the filter narrows them.
pub const PAGE_ROWS: usize = 500;

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOutcome {
    pub added: usize,
    pub replaced: usize,
    /// Stored rows whose open period a new row ended.
    pub ended: usize,
}

/// Problems of an import carried in the page's address
/// (`3:rate:number_invalid;…`; a code keeps its own `:` arguments).
pub fn problems_param(problems: &[super::uploads::Problem], max: usize) -> String {
    problems
        .iter()
        .take(max)
        .map(|p| format!("{}:{}:{}", p.row, p.column, p.code.replace(';', "")))
        .collect::<Vec<_>>()
        .join(";")
}

pub fn parse_problems_param(s: &str) -> Vec<super::uploads::Problem> {
    s.split(';')
        .filter_map(|p| {
            let mut it = p.splitn(3, ':');
            let row = it.next()?.parse().ok()?;
            let column = it.next()?;
            let code = it.next()?;
            Some(super::uploads::Problem::new(row, column, code))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_round_trip_by_name() {
        for t in Table::ALL {
            assert_eq!(Table::parse(t.as_str()), Some(t));
            for k in t.key() {
                assert!(t.column(k).is_some(), "{k} of {t:?}");
            }
            for k in t.period_group().unwrap_or(&[]) {
                assert!(t.column(k).is_some(), "{k} of {t:?}");
            }
        }
        assert_eq!(Table::parse("users"), None);
    }

    #[test]
    fn problems_travel_in_the_address() {
        let p = vec![
            super::super::uploads::Problem::new(3, "rate", "number_invalid"),
            super::super::uploads::Problem::new(7, "", "csv_unreadable"),
        ];
        let s = problems_param(&p, 10);
        assert_eq!(s, "3:rate:number_invalid;7::csv_unreadable");
        assert_eq!(parse_problems_param(&s), p);
        assert_eq!(parse_problems_param(&problems_param(&p, 1)).len(), 1);
    }
}

/// A row read from a file, with where its figures come from (its `source`
/// or `note` column).
pub type Sourced<T> = (T, String);

/// Units of a currency per SDR (what chooses CN22 or CN23), from a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SdrRate {
    pub currency: Currency,
    pub valid_from: time::Date,
    pub units_per_sdr_micro: i64,
}

/// One row of one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Record {
    Regimes(Box<Regime>),
    Tariff(TariffLine),
    Vat(VatRate),
    Additional(AdditionalDuty),
    Fx(FxRate),
    Sdr(SdrRate),
}

/// The overview of the regime data: each table's size, and the data
/// errors an admin must mend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataOverview {
    pub tables: Vec<TableSummary>,
    /// Destination countries that levy import VAT with no standard VAT
    /// rate from a day on (`YYYY-MM-DD`): their parcels are refused.
    pub vat_gaps: Vec<(String, String)>,
}

/// A table's size, for the overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSummary {
    pub table: Table,
    pub rows: usize,
    pub current: usize,
    pub future: usize,
}
