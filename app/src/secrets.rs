//! Secrets at rest: authenticator secrets are sealed (XChaCha20-Poly1305)
//! and recovery codes kept as a keyed hash (HMAC-SHA-256), both with the
//! key of `SECRETS_KEY`, so a copy of the database alone gives neither a
//! second factor nor a code to try.
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The prefix of a sealed value (the version of the scheme).
pub const SEALED: &str = "v1:";

/// A 32-byte key, from `SECRETS_KEY` (64 hex digits).
#[derive(Clone, PartialEq, Eq)]
pub struct SecretsKey([u8; 32]);

impl std::fmt::Debug for SecretsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretsKey(…)")
    }
}

impl SecretsKey {
    /// 64 hex digits; `None` otherwise.
    pub fn from_hex(hex: &str) -> Option<SecretsKey> {
        let bytes = data_encoding::HEXLOWER_PERMISSIVE
            .decode(hex.trim().as_bytes())
            .ok()?;
        Some(SecretsKey(bytes.try_into().ok()?))
    }

    /// A key for one use, derived from this one (domain separation).
    fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("any key length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Seals a secret: `v1:` and the nonce with the ciphertext, base64.
    pub fn seal(&self, plain: &str) -> String {
        let cipher = XChaCha20Poly1305::new(&self.derive("totp-secret").into());
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), plain.as_bytes())
            .expect("encryption of a short secret cannot fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!("{SEALED}{}", data_encoding::BASE64.encode(&out))
    }

    /// Opens a sealed secret; `None` when it was sealed with another key or
    /// altered.
    pub fn open(&self, stored: &str) -> Option<String> {
        let bytes = data_encoding::BASE64
            .decode(stored.strip_prefix(SEALED)?.as_bytes())
            .ok()?;
        if bytes.len() < 24 {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(24);
        let cipher = XChaCha20Poly1305::new(&self.derive("totp-secret").into());
        let plain = cipher.decrypt(XNonce::from_slice(nonce), sealed).ok()?;
        String::from_utf8(plain).ok()
    }

    /// The keyed hash kept of a recovery code (normalised as typed codes
    /// are: case and separators ignored), hex.
    pub fn recovery_hash(&self, code: &str) -> String {
        let normal = crate::totp::normalise_recovery(code);
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.derive("recovery-code"))
            .expect("any key length");
        mac.update(normal.as_bytes());
        data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> SecretsKey {
        SecretsKey([b; 32])
    }

    #[test]
    fn sealed_secrets_open_with_their_key_only() {
        let k = key(7);
        let sealed = k.seal("JBSWY3DPEHPK3PXP");
        assert!(sealed.starts_with(SEALED));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(
            sealed,
            k.seal("JBSWY3DPEHPK3PXP"),
            "a fresh nonce each time"
        );
        assert_eq!(k.open(&sealed).as_deref(), Some("JBSWY3DPEHPK3PXP"));
        assert_eq!(key(8).open(&sealed), None);
        let mut altered = sealed.clone();
        altered.pop();
        altered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(k.open(&altered), None);
        assert_eq!(k.open("JBSWY3DPEHPK3PXP"), None);
    }

    #[test]
    fn recovery_hashes_are_keyed_and_ignore_case_and_dashes() {
        let k = key(7);
        assert_eq!(k.recovery_hash("ab12-cd34"), k.recovery_hash("AB12CD34"));
        assert_ne!(
            k.recovery_hash("ab12-cd34"),
            key(8).recovery_hash("ab12-cd34")
        );
        assert_eq!(k.recovery_hash("ab12-cd34").len(), 64);
    }

    #[test]
    fn keys_are_64_hex_digits() {
        assert!(SecretsKey::from_hex(&"ab".repeat(32)).is_some());
        assert!(SecretsKey::from_hex(&"ab".repeat(31)).is_none());
        assert!(SecretsKey::from_hex("not hex").is_none());
    }
}
