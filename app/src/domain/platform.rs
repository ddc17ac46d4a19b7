//! Shared shapes of the platform services (jobs, audit log, documents), as
//! the admin and account pages see them.
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One row of the admin's job list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: OffsetDateTime,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
}

/// The job page: counts per state and the jobs of the chosen state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobList {
    pub counts: Vec<(String, i64)>,
    pub jobs: Vec<JobRow>,
}

/// One change to reference data, as the audit page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditEntry {
    pub id: i64,
    pub at: OffsetDateTime,
    pub actor_id: Option<i64>,
    pub actor_email: String,
    pub actor_role: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// What the audit page filters by; empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Inclusive dates, `YYYY-MM-DD`.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Show entries older than this id (the next page).
    pub before_id: Option<i64>,
}

/// An uploaded file without its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DocumentInfo {
    pub id: i64,
    pub owner_kind: String,
    pub owner_id: i64,
    pub uploaded_by: i64,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: OffsetDateTime,
}

/// Largest upload accepted.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// The file types accepted, recognised from the first bytes of the content
/// (never from the name or the declared type).
pub fn sniff_content_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]) {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// The extension that goes with a sniffed type.
pub fn extension_for(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    }
}

/// A file name safe to keep and to send back in `Content-Disposition`:
/// the last path part, printable ASCII letters, digits, `-_.` and spaces,
/// at most 100 characters, with the extension of the real type.
pub fn clean_filename(raw: &str, content_type: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let stem = last.rsplit_once('.').map(|(s, _)| s).unwrap_or(last);
    let mut clean: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .take(96)
        .collect();
    clean = clean
        .trim_matches(|c: char| c == '_' || c == ' ')
        .to_owned();
    if clean.is_empty() {
        clean = "document".into();
    }
    format!("{clean}.{}", extension_for(content_type))
}

/// States the job list can filter by.
pub const JOB_STATES: [&str; 5] = ["pending", "running", "dead", "done", "discarded"];

/// Audit entries per page.
pub const AUDIT_PAGE: i64 = 100;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_comes_from_the_content() {
        assert_eq!(
            sniff_content_type(b"%PDF-1.7\n..."),
            Some("application/pdf")
        );
        assert_eq!(
            sniff_content_type(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0]),
            Some("image/png")
        );
        assert_eq!(
            sniff_content_type(&[0xff, 0xd8, 0xff, 0xe0]),
            Some("image/jpeg")
        );
        assert_eq!(sniff_content_type(b"<html><script>"), None);
        assert_eq!(sniff_content_type(b"GIF89a"), None);
        assert_eq!(sniff_content_type(b""), None);
    }

    #[test]
    fn file_names_are_cleaned() {
        assert_eq!(
            clean_filename("../../etc/passwd", "application/pdf"),
            "passwd.pdf"
        );
        assert_eq!(
            clean_filename("C:\\Users\\me\\Invoice 12.PDF", "application/pdf"),
            "Invoice 12.pdf"
        );
        assert_eq!(clean_filename("photo.exe", "image/png"), "photo.png");
        assert_eq!(clean_filename("\"; x=.pdf", "image/jpeg"), "x.jpg");
        assert_eq!(clean_filename("", "image/jpeg"), "document.jpg");
    }
}
