//! Reading a bulk-upload CSV file into declarations, placing every problem
//! at a row and a column, and writing the template and the rows to fix.
//!
//! One row per content line; rows with the same `reference` are one parcel.
//! The parcel's columns are read from its first row; later rows may leave
//! them empty or repeat them, but not say something else.
use std::collections::{HashMap, HashSet};

use crate::domain::declaration::{DeclarationInput, LineInput, PartyInput};
use crate::domain::uploads::{Problem, COLUMNS, LINE_COLUMNS, MAX_ROWS, REQUIRED_COLUMNS};
use crate::domain::FieldError;
use crate::spreadsheet::{cell, record as safe_record, unquote};

/// What the file may leave out, from the company profile.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    pub sender: PartyInput,
    pub currency: String,
    pub origin: String,
}

/// One parcel of the file.
#[derive(Debug, Clone)]
pub struct Group {
    pub reference: String,
    /// Its rows, in file order (the header is row 1).
    pub rows: Vec<u64>,
    pub input: DeclarationInput,
    pub problems: Vec<Problem>,
}

impl Group {
    /// Where a declaration problem (`lines.1.hs_code`, `addressee.country`…)
    /// is in the file.
    pub fn locate(&self, e: &FieldError) -> Problem {
        let first = self.rows.first().copied().unwrap_or(0);
        let (row, column) = if let Some(rest) = e.field.strip_prefix("lines.") {
            match rest.split_once('.') {
                Some((n, col)) => match n.parse::<usize>().ok().and_then(|n| self.rows.get(n)) {
                    Some(row) => (*row, col.to_owned()),
                    None => (first, col.to_owned()),
                },
                None => (first, "description".to_owned()),
            }
        } else if e.field == "lines" {
            (first, "description".to_owned())
        } else if let Some(f) = e.field.strip_prefix("sender.") {
            (first, format!("sender_{f}"))
        } else if let Some(f) = e.field.strip_prefix("addressee.") {
            (first, format!("addressee_{f}"))
        } else {
            (first, e.field.clone())
        };
        Problem {
            row,
            column,
            code: e.code.clone(),
        }
    }

    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A file read.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// Data rows (not counting the header and empty rows).
    pub rows: u64,
    pub groups: Vec<Group>,
    /// Problems of rows that belong to no parcel (no reference).
    pub loose: Vec<Problem>,
}

impl Parsed {
    /// Every problem, in row order.
    pub fn problems(&self) -> Vec<Problem> {
        let mut all: Vec<Problem> = self
            .groups
            .iter()
            .flat_map(|g| g.problems.iter().cloned())
            .chain(self.loose.iter().cloned())
            .collect();
        all.sort_by(|a, b| a.row.cmp(&b.row).then_with(|| a.column.cmp(&b.column)));
        all
    }
}

/// The column the rows to fix come back with; ignored when they are
/// uploaded again.
pub const IGNORED_COLUMN: &str = "problems";

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// The file as text; a problem names the line with the first byte that is
/// not UTF-8.
fn text(bytes: &[u8]) -> Result<&str, Problem> {
    std::str::from_utf8(strip_bom(bytes)).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        Problem::new(line, "", "file_not_utf8")
    })
}

/// Comma, or what a spreadsheet set to another language writes instead
/// (semicolon or tab) when the header has no comma.
fn delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    if first.contains(',') {
        b','
    } else if first.contains(';') {
        b';'
    } else if first.contains('\t') {
        b'\t'
    } else {
        b','
    }
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes())
}

/// `Addressee Country` → `addressee_country`.
fn column_name(raw: &str) -> String {
    raw.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

/// The column index of each known column; problems with the header.
fn header(rdr: &mut csv::Reader<&[u8]>) -> Result<HashMap<&'static str, usize>, Vec<Problem>> {
    let names = rdr
        .headers()
        .map_err(|_| vec![Problem::new(1, "", "csv_unreadable")])?
        .clone();
    let mut index = HashMap::new();
    let mut problems = Vec::new();
    for (i, raw) in names.iter().enumerate() {
        let name = column_name(raw);
        if name.is_empty() {
            continue;
        }
        if name == IGNORED_COLUMN {
            continue;
        }
        match COLUMNS.iter().find(|c| **c == name) {
            Some(c) => {
                if index.insert(*c, i).is_some() {
                    problems.push(Problem::new(1, c, "duplicate_column"));
                }
            }
            None => problems.push(Problem::new(1, &name, "unknown_column")),
        }
    }
    for c in REQUIRED_COLUMNS {
        if !index.contains_key(c) {
            problems.push(Problem::new(1, c, "missing_column"));
        }
    }
    if problems.is_empty() {
        Ok(index)
    } else {
        Err(problems)
    }
}

/// The parcel columns: every column but the content line's.
fn parcel_columns() -> impl Iterator<Item = &'static str> {
    COLUMNS
        .iter()
        .copied()
        .filter(|c| !LINE_COLUMNS.contains(c))
}

fn party(get: &impl Fn(&str) -> String, prefix: &str) -> PartyInput {
    let f = |name: &str| get(&format!("{prefix}_{name}"));
    PartyInput {
        name: f("name"),
        address1: f("address1"),
        address2: f("address2"),
        city: f("city"),
        postcode: f("postcode"),
        country: f("country"),
        phone: f("phone"),
        email: f("email"),
        tax_ref: f("tax_ref"),
    }
}

fn or(value: String, default: &str) -> String {
    if value.is_empty() {
        default.to_owned()
    } else {
        value
    }
}

/// The declaration's parcel part from the parcel's first row.
fn parcel_input(get: &impl Fn(&str) -> String, d: &Defaults) -> DeclarationInput {
    let sender = party(get, "sender");
    let sender = if sender == PartyInput::default() {
        d.sender.clone()
    } else {
        sender
    };
    DeclarationInput {
        sender,
        addressee: party(get, "addressee"),
        category: or(column_name(&get("category")), "sale_of_goods"),
        category_explanation: get("category_explanation"),
        currency: or(get("currency").to_uppercase(), &d.currency),
        gross_weight_kg: get("gross_weight_kg"),
        postage: get("postage"),
        insurance: get("insurance"),
        invoice_number: get("invoice_number"),
        licence_number: get("licence_number"),
        certificate_number: get("certificate_number"),
        ioss_number: get("ioss_number"),
        incoterm: or(get("incoterm").to_uppercase(), "DAP"),
        non_delivery: or(get("non_delivery").to_lowercase(), "return"),
        comments: get("comments"),
        lines: Vec::new(),
        declared_total: None,
        reference: get("reference"),
        item_id: get("item_id"),
    }
}

/// Reads the whole file into parcels. `Err`: the file as a whole cannot be
/// read (not UTF-8, a bad header, too many rows, broken quoting); nothing in
/// it is used then.
pub fn read(bytes: &[u8], defaults: &Defaults) -> Result<Parsed, Vec<Problem>> {
    let text = text(bytes).map_err(|p| vec![p])?;
    let mut rdr = reader(text);
    let index = header(&mut rdr)?;
    let width = rdr.headers().map(|h| h.len()).unwrap_or(0);
    let mut parsed = Parsed::default();
    let mut by_reference: HashMap<String, usize> = HashMap::new();
    let mut first_values: Vec<Vec<String>> = Vec::new();
    for (i, record) in rdr.records().enumerate() {
        let row = i as u64 + 2;
        let record = record.map_err(|_| vec![Problem::new(row, "", "csv_unreadable")])?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        parsed.rows += 1;
        if parsed.rows > MAX_ROWS {
            return Err(vec![Problem::new(
                row,
                "",
                &format!("too_many_rows:{MAX_ROWS}"),
            )]);
        }
        let get = |name: &str| -> String {
            index
                .get(name)
                .and_then(|i| record.get(*i))
                .map(|v| unquote(v.trim()).to_owned())
                .unwrap_or_default()
        };
        let mut row_problems = Vec::new();
        if record.len() > width && record.iter().skip(width).any(|f| !f.trim().is_empty()) {
            row_problems.push(Problem::new(
                row,
                "",
                &format!("too_many_fields:{}:{width}", record.len()),
            ));
        }
        let reference = get("reference");
        if reference.is_empty() {
            row_problems.push(Problem::new(row, "reference", "required"));
            parsed.loose.extend(row_problems);
            continue;
        }
        let values: Vec<String> = parcel_columns().map(&get).collect();
        let g = match by_reference.get(&reference) {
            Some(g) => {
                let first = &first_values[*g];
                let first_row = parsed.groups[*g].rows[0];
                for ((column, value), was) in parcel_columns().zip(&values).zip(first) {
                    if !value.is_empty() && value != was {
                        row_problems.push(Problem::new(
                            row,
                            column,
                            &format!("differs_from_row:{first_row}"),
                        ));
                    }
                }
                *g
            }
            None => {
                let g = parsed.groups.len();
                parsed.groups.push(Group {
                    reference: reference.clone(),
                    rows: Vec::new(),
                    input: parcel_input(&get, defaults),
                    problems: Vec::new(),
                });
                first_values.push(values);
                by_reference.insert(reference, g);
                g
            }
        };
        let group = &mut parsed.groups[g];
        group.rows.push(row);
        group.input.lines.push(LineInput {
            description: get("description"),
            quantity: get("quantity"),
            net_weight_kg: get("net_weight_kg"),
            value: get("value"),
            hs_code: get("hs_code"),
            origin: or(get("origin").to_uppercase(), &defaults.origin),
        });
        group.problems.extend(row_problems);
    }
    if parsed.rows == 0 {
        return Err(vec![Problem::new(2, "", "file_empty")]);
    }
    Ok(parsed)
}

/// The template: the header and an example parcel of two content lines.
pub fn template() -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS)?;
    let example = |reference: &str, line: [&str; 6], first: bool| -> Vec<String> {
        COLUMNS
            .iter()
            .map(|c| {
                if let Some(i) = LINE_COLUMNS.iter().position(|l| l == c) {
                    return line[i].to_owned();
                }
                let v = match *c {
                    "reference" => reference,
                    _ if !first => "",
                    "category" => "sale_of_goods",
                    "currency" => "EUR",
                    "incoterm" => "DAP",
                    "non_delivery" => "return",
                    "gross_weight_kg" => "0.9",
                    "invoice_number" => "INV-1001",
                    "addressee_name" => "Alice Walker",
                    "addressee_address1" => "1 High Street",
                    "addressee_city" => "London",
                    "addressee_postcode" => "SW1A 1AA",
                    "addressee_country" => "GB",
                    "addressee_email" => "alice@example.com",
                    _ => "",
                };
                v.to_owned()
            })
            .collect()
    };
    w.write_record(safe_record(example(
        "ORDER-1001",
        ["Cotton T-shirt", "2", "0.4", "30.00", "610910", "PT"],
        true,
    )))?;
    w.write_record(safe_record(example(
        "ORDER-1001",
        ["Leather wallet", "1", "0.2", "45.00", "420231", "FR"],
        false,
    )))?;
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Rows that were not saved: every row of a parcel with a problem and every
/// row with a problem of its own.
pub fn rejected_rows(parsed: &Parsed, problems: &[Problem]) -> HashSet<u64> {
    let with_problem: HashSet<u64> = problems.iter().map(|p| p.row).collect();
    let mut rows: HashSet<u64> = with_problem.iter().copied().filter(|r| *r > 1).collect();
    for g in &parsed.groups {
        if g.rows.iter().any(|r| with_problem.contains(r)) {
            rows.extend(&g.rows);
        }
    }
    rows
}

/// The rows not saved, as they were in the file, with a last column
/// `problems` saying what to fix (`text` words each problem).
pub fn rejected_csv(
    bytes: &[u8],
    problems: &[Problem],
    text_of: impl Fn(&Problem) -> String,
) -> Result<Vec<u8>, String> {
    let text = text(bytes).map_err(|p| p.code)?;
    // A file whose header could not be read has no parcels: only the rows
    // with problems of their own come back.
    let parsed = read(bytes, &Defaults::default()).unwrap_or_default();
    let rows = rejected_rows(&parsed, problems);
    let mut by_row: HashMap<u64, Vec<String>> = HashMap::new();
    for p in problems {
        by_row.entry(p.row).or_default().push(text_of(p));
    }
    let mut rdr = reader(text);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head: Vec<String> = rdr
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_owned)
        .collect();
    head.push(IGNORED_COLUMN.into());
    w.write_record(safe_record(&head))
        .map_err(|e| e.to_string())?;
    for (i, record) in rdr.records().enumerate() {
        let row = i as u64 + 2;
        let Ok(record) = record else { break };
        if !rows.contains(&row) {
            continue;
        }
        // As they were (a cell quoted before stays quoted), with the problems.
        let mut out: Vec<String> = record
            .iter()
            .map(|v| cell(unquote(v)).into_owned())
            .collect();
        out.resize(head.len() - 1, String::new());
        out.push(cell(&by_row.get(&row).map(|v| v.join("; ")).unwrap_or_default()).into_owned());
        w.write_record(&out).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// Every problem as CSV: row, column, problem.
pub fn problems_csv(
    problems: &[Problem],
    text_of: impl Fn(&Problem) -> String,
) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["row", "column", "problem"])?;
    for p in problems {
        w.write_record(safe_record([
            p.row.to_string(),
            p.column.clone(),
            text_of(p),
        ]))?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults {
        Defaults {
            sender: PartyInput {
                name: "Shop".into(),
                country: "GB".into(),
                ..Default::default()
            },
            currency: "GBP".into(),
            origin: "GB".into(),
        }
    }

    const HEAD: &str = "reference,gross_weight_kg,addressee_name,addressee_address1,addressee_city,addressee_postcode,addressee_country,description,quantity,net_weight_kg,value,hs_code";

    #[test]
    fn rows_with_one_reference_are_one_parcel_with_defaults() {
        let csv = format!(
            "{HEAD}\nA,1,Ada,1 Rue,Paris,75001,FR,Shirt,1,0.2,10.00,610910\n\
             B,1,Bob,2 Rue,Lyon,69001,FR,Mug,1,0.3,5.00,691200\n\
             A,,,,,,,Socks,2,0.1,4.00,611595\n"
        );
        let p = read(csv.as_bytes(), &defaults()).unwrap();
        assert_eq!(p.rows, 3);
        assert_eq!(p.groups.len(), 2);
        let a = &p.groups[0];
        assert_eq!(a.rows, vec![2, 4]);
        assert_eq!(a.input.lines.len(), 2);
        assert_eq!(a.input.lines[1].description, "Socks");
        assert_eq!(a.input.lines[1].origin, "GB");
        assert_eq!(a.input.sender.name, "Shop");
        assert_eq!(a.input.currency, "GBP");
        assert_eq!(a.input.category, "sale_of_goods");
        assert_eq!(a.input.incoterm, "DAP");
        assert_eq!(a.input.reference, "A");
        assert!(p.problems().is_empty());
    }

    #[test]
    fn a_later_row_may_not_contradict_the_first() {
        let csv = format!(
            "{HEAD}\nA,1,Ada,1 Rue,Paris,75001,FR,Shirt,1,0.2,10.00,610910\n\
             A,1,Eve,1 Rue,Paris,75001,FR,Socks,2,0.1,4.00,611595\n"
        );
        let p = read(csv.as_bytes(), &defaults()).unwrap();
        assert_eq!(
            p.problems(),
            vec![Problem::new(3, "addressee_name", "differs_from_row:2")]
        );
    }

    #[test]
    fn header_problems_stop_the_file() {
        let e = read(b"reference,colour\nA,red\n", &defaults()).unwrap_err();
        assert!(e.contains(&Problem::new(1, "colour", "unknown_column")));
        assert!(e.contains(&Problem::new(1, "hs_code", "missing_column")));
        let e = read(format!("{HEAD},Reference\n").as_bytes(), &defaults()).unwrap_err();
        assert_eq!(e, vec![Problem::new(1, "reference", "duplicate_column")]);
        let e = read(format!("{HEAD}\n,,,\n").as_bytes(), &defaults()).unwrap_err();
        assert_eq!(e, vec![Problem::new(2, "", "file_empty")]);
        let e = read(b"reference\n\xff\n", &defaults()).unwrap_err();
        assert_eq!(e, vec![Problem::new(2, "", "file_not_utf8")]);
    }

    #[test]
    fn semicolons_a_bom_and_spreadsheet_headings_are_read() {
        let csv = format!(
            "\u{feff}{}\nA;1;Ada;1 Rue;Paris;75001;FR;Shirt;1;0.2;10.00;610910\n",
            HEAD.replace(',', ";").replace("hs_code", "HS Code")
        );
        let p = read(csv.as_bytes(), &defaults()).unwrap();
        assert_eq!(p.groups[0].input.lines[0].hs_code, "610910");
    }

    #[test]
    fn rows_without_reference_or_with_extra_fields_are_problems() {
        let csv = format!(
            "{HEAD}\n,1,Ada,1 Rue,Paris,75001,FR,Shirt,1,0.2,10.00,610910\n\
             A,1,Ada,1 Rue,Paris,75001,FR,Shirt,1,0.2,10.00,610910,oops\n"
        );
        let p = read(csv.as_bytes(), &defaults()).unwrap();
        assert_eq!(
            p.problems(),
            vec![
                Problem::new(2, "reference", "required"),
                Problem::new(3, "", "too_many_fields:13:12"),
            ]
        );
    }

    #[test]
    fn declaration_problems_are_placed_at_their_row_and_column() {
        let g = Group {
            reference: "A".into(),
            rows: vec![5, 9],
            input: DeclarationInput::default(),
            problems: vec![],
        };
        let at = |f: &str| g.locate(&FieldError::new(f, "x"));
        assert_eq!(at("lines.1.hs_code"), Problem::new(9, "hs_code", "x"));
        assert_eq!(at("lines"), Problem::new(5, "description", "x"));
        assert_eq!(
            at("addressee.country"),
            Problem::new(5, "addressee_country", "x")
        );
        assert_eq!(at("sender.name"), Problem::new(5, "sender_name", "x"));
        assert_eq!(at("ioss_number"), Problem::new(5, "ioss_number", "x"));
    }

    #[test]
    fn too_many_rows_are_refused() {
        let mut csv = format!("{HEAD}\n");
        for i in 0..=MAX_ROWS {
            csv.push_str(&format!(
                "R{i},1,Ada,1 Rue,Paris,75001,FR,Shirt,1,0.2,10.00,610910\n"
            ));
        }
        let e = read(csv.as_bytes(), &defaults()).unwrap_err();
        assert_eq!(
            e,
            vec![Problem::new(MAX_ROWS + 2, "", "too_many_rows:100000")]
        );
    }

    #[test]
    fn the_template_reads_back_as_one_valid_parcel_shape() {
        let t = template().unwrap();
        let p = read(&t, &defaults()).unwrap();
        assert_eq!(p.groups.len(), 1);
        assert_eq!(p.groups[0].input.lines.len(), 2);
        assert!(p.problems().is_empty());
    }

    #[test]
    fn rejected_rows_keep_the_file_and_add_the_problems() {
        let csv = format!(
            "{HEAD}\nA,1,Ada,1 Rue,Paris,75001,FR,Shirt,1,0.2,10.00,610910\n\
             B,1,Bob,2 Rue,Lyon,69001,FR,Mug,1,0.3,5.00,12\n\
             B,,,,,,,Cup,1,0.3,5.00,691200\n"
        );
        let problems = vec![Problem::new(3, "hs_code", "hs_invalid")];
        let out = rejected_csv(csv.as_bytes(), &problems, |p| {
            format!("{}: {}", p.column, p.code)
        })
        .unwrap();
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        assert!(lines[0].ends_with(",problems"));
        assert!(lines[1].starts_with("B,1,Bob") && lines[1].ends_with(",hs_code: hs_invalid"));
        assert!(lines[2].starts_with("B,,,") && lines[2].ends_with(','));
    }
}
