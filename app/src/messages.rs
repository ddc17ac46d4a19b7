//! Words shared by the pages and the doors: the translated sentence of every
//! error code, the reader's language, and query values encoded for the
//! `?error=` of a redirect.
use crate::i18n::*;

/// The translated sentence for an error code (`field.code` or `code`).
pub fn error_text(locale: Locale, code: &str, retry_secs: Option<i64>) -> String {
    let full = code.rsplit('.').next().unwrap_or(code);
    let code = full.split(':').next().unwrap_or(full);
    // Parameters after the code: `item_id_check_digit:5:4`.
    let p: Vec<&str> = full.split(':').skip(1).collect();
    let arg = |i: usize| p.get(i).copied().unwrap_or("").to_owned();
    let with = |text: &str| text.replace("{0}", &arg(0)).replace("{1}", &arg(1));
    match code {
        "unauthorized" => td_string!(locale, errors.unauthorized).to_string(),
        "forbidden" => td_string!(locale, errors.forbidden).to_string(),
        "not_found" => td_string!(locale, errors.not_found).to_string(),
        "bad_credentials" => td_string!(locale, errors.bad_credentials).to_string(),
        "account_disabled" => td_string!(locale, errors.account_disabled).to_string(),
        "throttled" => {
            let minutes = retry_secs.map(|s| (s + 59) / 60).unwrap_or(1).max(1);
            format!(
                "{} {minutes} {}",
                td_string!(locale, errors.throttled),
                td_string!(locale, errors.minutes)
            )
        }
        "required" => td_string!(locale, errors.required).to_string(),
        "too_long" => td_string!(locale, errors.too_long).to_string(),
        "email_invalid" => td_string!(locale, errors.email_invalid).to_string(),
        "email_taken" => td_string!(locale, errors.email_taken).to_string(),
        "password_too_short" => td_string!(locale, errors.password_too_short).to_string(),
        "password_too_long" => td_string!(locale, errors.password_too_long).to_string(),
        "country_invalid" => td_string!(locale, errors.country_invalid).to_string(),
        "one_per_country" => td_string!(locale, errors.one_per_country).to_string(),
        "office_code_invalid" => td_string!(locale, errors.office_code_invalid).to_string(),
        "office_code_taken" => td_string!(locale, errors.office_code_taken).to_string(),
        "office_wrong_kind" => td_string!(locale, errors.office_wrong_kind).to_string(),
        "office_not_exchange" => td_string!(locale, errors.office_not_exchange).to_string(),
        "customs_office_not_in_country" => {
            td_string!(locale, errors.customs_office_not_in_country).to_string()
        }
        "office_not_in_organisation" => {
            td_string!(locale, errors.office_not_in_organisation).to_string()
        }
        "organisation_wrong_kind" => td_string!(locale, errors.organisation_wrong_kind).to_string(),
        "role_invalid" => td_string!(locale, errors.role_invalid).to_string(),
        "role_has_no_organisation" => {
            td_string!(locale, errors.role_has_no_organisation).to_string()
        }
        "language_invalid" => td_string!(locale, errors.language_invalid).to_string(),
        "cannot_disable_self" => td_string!(locale, errors.cannot_disable_self).to_string(),
        "bad_arguments" => td_string!(locale, errors.bad_arguments).to_string(),
        "invalid" => td_string!(locale, errors.invalid).to_string(),
        "cannot_reset_self" => td_string!(locale, errors.cannot_reset_self).to_string(),
        "two_factor_off" => td_string!(locale, errors.two_factor_off).to_string(),
        "email_unverified" => td_string!(locale, errors.email_unverified).to_string(),
        "token_unknown" => td_string!(locale, errors.token_unknown).to_string(),
        "token_used" => td_string!(locale, errors.token_used).to_string(),
        "token_expired" => td_string!(locale, errors.token_expired).to_string(),
        "code_wrong" => td_string!(locale, errors.code_wrong).to_string(),
        "setup_expired" => td_string!(locale, errors.setup_expired).to_string(),
        "two_factor_on" => td_string!(locale, errors.two_factor_on).to_string(),
        "two_factor_required" => td_string!(locale, errors.two_factor_required).to_string(),
        "already_verified" => td_string!(locale, errors.already_verified).to_string(),
        "password_common" => td_string!(locale, errors.password_common).to_string(),
        "password_same" => td_string!(locale, errors.password_same).to_string(),
        "password_wrong" => td_string!(locale, errors.password_wrong).to_string(),
        "file_too_large" => td_string!(locale, errors.file_too_large).to_string(),
        "file_type" => td_string!(locale, errors.file_type).to_string(),
        "job_not_failed" => td_string!(locale, errors.job_not_failed).to_string(),
        "job_not_discardable" => td_string!(locale, errors.job_not_discardable).to_string(),
        "date_invalid" => td_string!(locale, errors.date_invalid).to_string(),
        "office_not_in_country" => td_string!(locale, errors.office_not_in_country).to_string(),
        "route_exists" => td_string!(locale, errors.route_exists).to_string(),
        "serial_invalid" => td_string!(locale, errors.serial_invalid).to_string(),
        "range_reversed" => td_string!(locale, errors.range_reversed).to_string(),
        "range_overlaps" => td_string!(locale, errors.range_overlaps).to_string(),
        "range_outside_post" => td_string!(locale, errors.range_outside_post).to_string(),
        "hs_code_length" => with(td_string!(locale, errors.hs_code_length)),
        "hs_code_digits" => td_string!(locale, errors.hs_code_digits).to_string(),
        "description_vague" => td_string!(locale, errors.description_vague).to_string(),
        "gift_from_merchant" => td_string!(locale, errors.gift_from_merchant).to_string(),
        "incoterm_invalid" => td_string!(locale, errors.incoterm_invalid).to_string(),
        "ioss_invalid" => td_string!(locale, errors.ioss_invalid).to_string(),
        "weight_zero" => td_string!(locale, errors.weight_zero).to_string(),
        "gross_below_net" => td_string!(locale, errors.gross_below_net).to_string(),
        "total_mismatch" => td_string!(locale, errors.total_mismatch).to_string(),
        "no_sdr_rate" => td_string!(locale, errors.no_sdr_rate).to_string(),
        "lines_required" => td_string!(locale, errors.lines_required).to_string(),
        "destination_no_vat_rate" => td_string!(locale, errors.destination_no_vat_rate).to_string(),
        "too_many_lines" => td_string!(locale, errors.too_many_lines).to_string(),
        "quantity_zero" => td_string!(locale, errors.quantity_zero).to_string(),
        "quantity_too_large" | "amount_too_large" | "weight_too_large" | "rate_too_large" => {
            td_string!(locale, errors.number_too_large).to_string()
        }
        "amount_decimals" | "weight_decimals" | "quantity_decimals" | "rate_decimals" => {
            with(td_string!(locale, errors.decimals))
        }
        "amount_negative" | "weight_negative" | "quantity_negative" | "rate_negative" => {
            td_string!(locale, errors.negative).to_string()
        }
        "amount_invalid" | "weight_invalid" | "quantity_invalid" | "rate_invalid"
        | "number_invalid" => td_string!(locale, errors.number_invalid).to_string(),
        "currency_invalid" => td_string!(locale, errors.currency_invalid).to_string(),
        "phone_invalid" => td_string!(locale, errors.phone_invalid).to_string(),
        "item_id_length" => with(td_string!(locale, errors.item_id_length)),
        "item_id_service" => with(td_string!(locale, errors.item_id_service)),
        "item_id_digits" => td_string!(locale, errors.item_id_digits).to_string(),
        "item_id_check_digit" => with(td_string!(locale, errors.item_id_check_digit)),
        "item_id_country" => with(td_string!(locale, errors.item_id_country)),
        "item_id_serial" => td_string!(locale, errors.item_id_serial).to_string(),
        "item_id_not_in_ranges" => td_string!(locale, errors.item_id_not_in_ranges).to_string(),
        "item_id_taken" => td_string!(locale, errors.item_id_taken).to_string(),
        "item_id_fixed" => td_string!(locale, errors.item_id_fixed).to_string(),
        "no_item_ids" => td_string!(locale, errors.no_item_ids).to_string(),
        "no_route" => td_string!(locale, errors.no_route).to_string(),
        "destination_fixed" => td_string!(locale, errors.destination_fixed).to_string(),
        "not_a_draft" => td_string!(locale, errors.not_a_draft).to_string(),
        "parcel_changed" => td_string!(locale, errors.parcel_changed).to_string(),
        "state_refused" => with(td_string!(locale, errors.state_refused)).replace("{2}", &arg(2)),
        "file_not_utf8" => td_string!(locale, errors.file_not_utf8).to_string(),
        "csv_unreadable" => td_string!(locale, errors.csv_unreadable).to_string(),
        "unknown_column" => td_string!(locale, errors.unknown_column).to_string(),
        "duplicate_column" => td_string!(locale, errors.duplicate_column).to_string(),
        "missing_column" => td_string!(locale, errors.missing_column).to_string(),
        "file_empty" => td_string!(locale, errors.file_empty).to_string(),
        "too_many_rows" => with(td_string!(locale, errors.too_many_rows)),
        "too_many_fields" => with(td_string!(locale, errors.too_many_fields)),
        "differs_from_row" => with(td_string!(locale, errors.differs_from_row)),
        "not_enough_item_ids" => with(td_string!(locale, errors.not_enough_item_ids)),
        "upload_too_large" => td_string!(locale, errors.upload_too_large).to_string(),
        "upload_not_finished" => td_string!(locale, errors.upload_not_finished).to_string(),
        "territory_no_regime" => td_string!(locale, errors.territory_no_regime).to_string(),
        "rate_row_taken" => td_string!(locale, errors.rate_row_taken).to_string(),
        "rate_period_overlaps" => with(td_string!(locale, errors.rate_period_overlaps)),
        "rate_row_twice" => with(td_string!(locale, errors.rate_row_twice)),
        "regime_in_use" => td_string!(locale, errors.regime_in_use).to_string(),
        "file_no_rows" => td_string!(locale, errors.file_no_rows).to_string(),
        _ => td_string!(locale, errors.internal).to_string(),
    }
}

/// Percent-encodes a query value (error codes keep their `field.code,` form).
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The language of a reader, chosen as the pages choose theirs: the language
/// cookie (set by the language switch and at sign-in), else the first
/// language the browser asks for (`Accept-Language`, by weight) that the
/// portal speaks, else `fallback` (the account's language or its country's).
/// A file served beside a page (the rows to fix of an upload) is then in the
/// language of the page that links to it.
pub fn reader_locale(
    cookie: Option<&str>,
    accept_language: Option<&str>,
    fallback: &str,
) -> Locale {
    let spoken = |tag: &str| match tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
        .as_str()
    {
        "fr" => Some(Locale::fr),
        "en" => Some(Locale::en),
        _ => None,
    };
    if let Some(l) = cookie.and_then(spoken) {
        return l;
    }
    let mut asked: Vec<(u16, &str)> = accept_language
        .unwrap_or("")
        .split(',')
        .filter_map(|part| {
            let mut bits = part.split(';');
            let tag = bits.next()?.trim();
            // Weights are 0 to 1 with up to three decimals: read in thousandths.
            let weight = bits
                .find_map(|b| b.trim().strip_prefix("q="))
                .map(|q| {
                    let (whole, frac) = q.split_once('.').unwrap_or((q, ""));
                    let frac: String = frac.chars().chain("000".chars()).take(3).collect();
                    whole.parse::<u16>().unwrap_or(0) * 1000 + frac.parse::<u16>().unwrap_or(0)
                })
                .unwrap_or(1000);
            (weight > 0 && !tag.is_empty()).then_some((weight, tag))
        })
        .collect();
    // Highest weight first; equal weights keep the browser's order.
    asked.sort_by_key(|(w, _)| std::cmp::Reverse(*w));
    asked
        .into_iter()
        .find_map(|(_, tag)| spoken(tag))
        .or_else(|| spoken(fallback))
        .unwrap_or(Locale::en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reader_reads_the_cookie_then_the_browser_then_the_account() {
        assert_eq!(reader_locale(Some("fr"), Some("en-GB"), "en"), Locale::fr);
        assert_eq!(
            reader_locale(None, Some("en-US,en;q=0.9"), "fr"),
            Locale::en
        );
        assert_eq!(
            reader_locale(None, Some("de-DE, fr;q=0.8, en;q=0.7"), "en"),
            Locale::fr
        );
        // By weight, not by order; a weight of zero means "not this one".
        assert_eq!(
            reader_locale(None, Some("en;q=0.5, fr-CA;q=0.9"), "en"),
            Locale::fr
        );
        assert_eq!(
            reader_locale(None, Some("fr;q=0, en;q=0.1"), "fr"),
            Locale::en
        );
        // Nothing the portal speaks: the account's language.
        assert_eq!(reader_locale(None, Some("de, es"), "fr"), Locale::fr);
        assert_eq!(reader_locale(None, None, "fr"), Locale::fr);
        assert_eq!(reader_locale(Some("xx"), None, "zz"), Locale::en);
    }
}
