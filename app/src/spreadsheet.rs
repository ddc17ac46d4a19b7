//! CSV cells that a spreadsheet opens as data, never as a formula (CSV
//! injection, OWASP ASVS 4.0 5.3.10).
//!
//! A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a
//! formula (and some treat a leading tab or carriage return the same), so a
//! description typed by a merchant, a sender's name or a rate's source note
//! could run in the reader's spreadsheet. Every CSV file the portal writes
//! passes its cells through [`cell`], which puts a `'` in front of such a
//! cell; plain numbers (`-12.50`) are left as they are. The portal's own
//! CSV readers (bulk upload, rates import) take the `'` off again with
//! [`unquote`], so a file downloaded and uploaded again is read as written.
use std::borrow::Cow;

const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn is_number(v: &str) -> bool {
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// The cell as written to a CSV file: `'` before one a spreadsheet would run.
pub fn cell(v: &str) -> Cow<'_, str> {
    if v.starts_with(TRIGGERS) && !is_number(v) {
        Cow::Owned(format!("'{v}"))
    } else {
        Cow::Borrowed(v)
    }
}

/// A whole record through [`cell`].
pub fn record<I, T>(fields: I) -> Vec<String>
where
    I: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    fields
        .into_iter()
        .map(|f| cell(f.as_ref()).into_owned())
        .collect()
}

/// A cell read from a CSV file: without the `'` that [`cell`] added.
pub fn unquote(v: &str) -> &str {
    match v.strip_prefix('\'') {
        Some(rest) if rest.starts_with(TRIGGERS) && !is_number(rest) => rest,
        _ => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_quoted_and_numbers_and_text_are_not() {
        for formula in [
            "=HYPERLINK(\"http://evil.example\",\"click\")",
            "+1+1",
            "-2+3",
            "@SUM(A1:A2)",
            "\t=1",
            "\r=1",
            "- wallet",
        ] {
            assert_eq!(cell(formula), format!("'{formula}"), "{formula:?}");
            // Read back as it was.
            assert_eq!(unquote(&cell(formula)), formula);
        }
        for plain in ["-12.50", "+3", "42", "Cotton T-shirt", "", "'quoted", "a=b"] {
            assert_eq!(cell(plain), plain, "{plain:?}");
            assert_eq!(unquote(plain), plain, "{plain:?}");
        }
        assert_eq!(
            record(["=1", "ok"]),
            vec!["'=1".to_owned(), "ok".to_owned()]
        );
    }
}
