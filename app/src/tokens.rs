//! Secrets handed out once and kept only as a hash: the one-time tokens of
//! e-mailed links and the API keys of organisations.
use rand::RngCore;
use sha2::Digest;

/// The prefix of every API key.
pub const KEY_PREFIX: &str = "pck_";

/// The stored form of a token or key: SHA-256, hex (the secret has 256 bits
/// of randomness, so no salt or slow hash is needed).
pub fn hash_token(token: &str) -> String {
    data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(token.trim().as_bytes()))
}

/// Compares two hashes in time that does not depend on where they differ.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A new random token (256 bits, URL-safe) and the hash that is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = data_encoding::BASE64URL_NOPAD.encode(&bytes);
    let hash = hash_token(&token);
    (token, hash)
}

/// A new API key: `pck_<12 hex>_<43 base64url>`, its visible prefix and its hash.
pub fn new_api_key() -> (String, String, String) {
    let mut id = [0u8; 6];
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut id);
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let prefix = format!("{KEY_PREFIX}{}", data_encoding::HEXLOWER.encode(&id));
    let key = format!(
        "{prefix}_{}",
        data_encoding::BASE64URL_NOPAD.encode(&secret)
    );
    let hash = hash_token(&key);
    (key, prefix, hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_token(&a), ha);
        assert_ne!(ha, a);
    }

    #[test]
    fn api_keys_carry_their_prefix_and_compare_by_hash() {
        let (key, prefix, hash) = new_api_key();
        assert!(key.starts_with(&format!("{prefix}_")));
        assert_eq!(prefix.len(), KEY_PREFIX.len() + 12);
        assert!(same_hash(&hash_token(&key), &hash));
        assert!(!same_hash(&hash_token(&format!("{key}x")), &hash));
        assert!(!same_hash("ab", "abc"));
    }
}
