//! TOTP (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) and recovery codes.
use crate::error::{AppError, AppResult};
use totp_rs::{Algorithm, TOTP};

const STEP: u64 = 30;
const DIGITS: usize = 6;
const ISSUER: &str = "Postclear";

/// 160 random bits, base32 (the size RFC 4226 recommends).
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    data_encoding::BASE32_NOPAD.encode(&bytes)
}

fn totp(secret: &str, account: &str) -> Option<TOTP> {
    let bytes = data_encoding::BASE32_NOPAD
        .decode(secret.replace(' ', "").to_uppercase().as_bytes())
        .ok()?;
    Some(TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP,
        bytes,
        Some(ISSUER.to_owned()),
        account.to_owned(),
    ))
}

/// The code of `secret` at unix time `t`.
pub fn code_at(secret: &str, t: i64) -> Option<String> {
    Some(totp(secret, "")?.generate(t.max(0) as u64))
}

/// The time step whose code `code` is, allowing one step of clock
/// drift either way; `None` when it is no code of those steps.
pub fn verify(secret: &str, code: &str, now: i64) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if !looks_like_totp(&code) {
        return None;
    }
    let t = totp(secret, "")?;
    let now_step = now.max(0) / STEP as i64;
    let mut found = None;
    for step in [now_step - 1, now_step, now_step + 1] {
        let expected = t.generate((step.max(0) as u64) * STEP);
        // Compare every candidate fully (no early exit on a match).
        if constant_time_eq(expected.as_bytes(), code.as_bytes()) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn looks_like_totp(code: &str) -> bool {
    let code = code.trim().replace(' ', "");
    code.len() == DIGITS && code.bytes().all(|b| b.is_ascii_digit())
}

pub fn otpauth_url(secret: &str, account: &str) -> String {
    totp(secret, account)
        .map(|t| t.get_url())
        .unwrap_or_default()
}

/// The secret in groups of four, for typing it in by hand.
pub fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The QR code of `data` as an SVG image in a `data:` URL.
pub fn qr_data_url(data: &str) -> AppResult<String> {
    let code = qrcode::QrCode::new(data.as_bytes()).map_err(|e| {
        tracing::error!(error = %e, "QR code");
        AppError::Internal
    })?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    Ok(format!(
        "data:image/svg+xml;base64,{}",
        data_encoding::BASE64.encode(svg.as_bytes())
    ))
}

/// Letters and digits that cannot be mistaken for one another.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// `n` codes like `k7hq2-m9xtp`, about 49 bits each.
pub fn recovery_codes(n: usize) -> Vec<String> {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    (0..n)
        .map(|_| {
            let mut s: String = (0..10)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect();
            s.insert(5, '-');
            s
        })
        .collect()
}

/// A recovery code as typed, normalised: case, spaces and dashes do not
/// matter.
pub fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The plain hash recovery codes were kept as before they were keyed
/// ([`crate::secrets::SecretsKey::recovery_hash`]).
pub fn hash_recovery(code: &str) -> String {
    crate::tokens::hash_token(&normalise_recovery(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B, SHA1, secret "12345678901234567890" (8 digits
    // there; the last six are the 6-digit code).
    #[test]
    fn matches_the_rfc_6238_test_vectors() {
        let secret = data_encoding::BASE32_NOPAD.encode(b"12345678901234567890");
        for (t, eight) in [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
        ] {
            assert_eq!(code_at(&secret, t).unwrap(), &eight[2..], "t={t}");
        }
    }

    #[test]
    fn accepts_one_step_of_drift_and_no_more() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let step = now / 30;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(verify(&secret, &code, now), Some(step));
        assert_eq!(verify(&secret, &code, now + 30), Some(step));
        assert_eq!(verify(&secret, &code, now - 30), Some(step));
        assert_eq!(verify(&secret, &code, now + 90), None);
        assert_eq!(verify(&secret, "12345", now), None);
        assert_eq!(verify(&secret, "abcdef", now), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_forgiving_to_type() {
        let codes = recovery_codes(10);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        let c = &codes[0];
        assert_eq!(c.len(), 11);
        assert_eq!(
            hash_recovery(c),
            hash_recovery(&c.to_uppercase().replace('-', " "))
        );
        assert!(!looks_like_totp(c));
    }

    #[test]
    fn the_enrolment_link_names_the_issuer_and_account() {
        let url = otpauth_url("JBSWY3DPEHPK3PXP", "officer@example.test");
        assert!(
            url.starts_with("otpauth://totp/Postclear:officer%40example.test?"),
            "{url}"
        );
        assert!(url.contains("secret=JBSWY3DPEHPK3PXP"), "{url}");
        let img = qr_data_url(&url).unwrap();
        let svg = data_encoding::BASE64
            .decode(
                img.trim_start_matches("data:image/svg+xml;base64,")
                    .as_bytes(),
            )
            .unwrap();
        assert!(String::from_utf8(svg).unwrap().contains("<svg"));
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}
