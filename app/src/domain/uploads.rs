//! Bulk uploads of declarations (a CSV file, one row per content line): what
//! pages and handlers say about an upload, and the file's columns.
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Most data rows in one file.
pub const MAX_ROWS: u64 = 100_000;
/// Largest file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// Problems shown on the page at most (all of them are in the CSV).
pub const PROBLEMS_SHOWN: usize = 500;

/// The file's columns, in the template's order: parcel columns (the same on
/// every row of a parcel; later rows may leave them empty), then the content
/// line's.
pub const COLUMNS: &[&str] = &[
    "reference",
    "item_id",
    "category",
    "category_explanation",
    "currency",
    "incoterm",
    "ioss_number",
    "non_delivery",
    "gross_weight_kg",
    "postage",
    "insurance",
    "invoice_number",
    "licence_number",
    "certificate_number",
    "comments",
    "sender_name",
    "sender_address1",
    "sender_address2",
    "sender_city",
    "sender_postcode",
    "sender_country",
    "sender_phone",
    "sender_email",
    "sender_tax_ref",
    "addressee_name",
    "addressee_address1",
    "addressee_address2",
    "addressee_city",
    "addressee_postcode",
    "addressee_country",
    "addressee_phone",
    "addressee_email",
    "addressee_tax_ref",
    "description",
    "quantity",
    "net_weight_kg",
    "value",
    "hs_code",
    "origin",
];

/// The columns of a content line; the others describe the parcel.
pub const LINE_COLUMNS: &[&str] = &[
    "description",
    "quantity",
    "net_weight_kg",
    "value",
    "hs_code",
    "origin",
];

/// Columns the header must have. The others may be left out: the sender
/// comes from the company profile, the currency and origin from its
/// defaults, the category is sale of goods, the incoterm DAP and undeliverable
/// parcels are returned.
pub const REQUIRED_COLUMNS: &[&str] = &[
    "reference",
    "gross_weight_kg",
    "addressee_name",
    "addressee_address1",
    "addressee_city",
    "addressee_postcode",
    "addressee_country",
    "description",
    "quantity",
    "net_weight_kg",
    "value",
    "hs_code",
];

/// What to do when some parcels have problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UploadMode {
    /// Save nothing unless every parcel is valid.
    All,
    /// Save the valid parcels; return the others to fix.
    Valid,
}

impl UploadMode {
    pub fn as_str(self) -> &'static str {
        match self {
            UploadMode::All => "all",
            UploadMode::Valid => "valid",
        }
    }

    pub fn parse(s: &str) -> Option<UploadMode> {
        match s.trim() {
            "all" => Some(UploadMode::All),
            "valid" => Some(UploadMode::Valid),
            _ => None,
        }
    }
}

/// Where an upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UploadStatus {
    Queued,
    Checking,
    Saving,
    /// Saved (in `Valid` mode possibly with parcels rejected).
    Done,
    /// Nothing saved because of problems in the file.
    Rejected,
    /// The server could not finish; nothing saved.
    Failed,
}

impl UploadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UploadStatus::Queued => "queued",
            UploadStatus::Checking => "checking",
            UploadStatus::Saving => "saving",
            UploadStatus::Done => "done",
            UploadStatus::Rejected => "rejected",
            UploadStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<UploadStatus> {
        Some(match s {
            "queued" => UploadStatus::Queued,
            "checking" => UploadStatus::Checking,
            "saving" => UploadStatus::Saving,
            "done" => UploadStatus::Done,
            "rejected" => UploadStatus::Rejected,
            "failed" => UploadStatus::Failed,
            _ => return None,
        })
    }

    /// Nothing more will happen to the upload.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            UploadStatus::Done | UploadStatus::Rejected | UploadStatus::Failed
        )
    }
}

/// One problem in a file: the spreadsheet row (the header is row 1), the
/// column, and an error code (see `components::error_text`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub row: u64,
    pub column: String,
    pub code: String,
}

impl Problem {
    pub fn new(row: u64, column: &str, code: &str) -> Problem {
        Problem {
            row,
            column: column.to_owned(),
            code: code.to_owned(),
        }
    }
}

/// An upload as its pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct UploadInfo {
    pub id: i64,
    pub filename: String,
    pub mode: String,
    pub status: String,
    pub rows_total: i64,
    pub rows_checked: i64,
    pub parcels_total: i64,
    pub parcels_valid: i64,
    pub parcels_saved: i64,
    pub problem_count: i64,
    pub failure: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
}

impl UploadInfo {
    pub fn status(&self) -> Option<UploadStatus> {
        UploadStatus::parse(&self.status)
    }

    pub fn is_final(&self) -> bool {
        self.status().is_none_or(UploadStatus::is_final)
    }

    /// Parcels that had problems.
    pub fn parcels_rejected(&self) -> i64 {
        self.parcels_total - self.parcels_valid
    }

    /// How far along, in percent: checking is the first half, saving the
    /// second.
    pub fn percent(&self) -> i64 {
        let part = |done: i64, of: i64| {
            if of <= 0 {
                0
            } else {
                (done.clamp(0, of) * 50) / of
            }
        };
        match self.status() {
            Some(UploadStatus::Queued) => 0,
            Some(UploadStatus::Checking) => part(self.rows_checked, self.rows_total),
            Some(UploadStatus::Saving) => 50 + part(self.parcels_saved, self.parcels_valid),
            _ => 100,
        }
    }
}

/// An upload with the first problems found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadDetail {
    pub info: UploadInfo,
    pub problems: Vec<Problem>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(status: &str) -> UploadInfo {
        UploadInfo {
            id: 1,
            filename: "a.csv".into(),
            mode: "all".into(),
            status: status.into(),
            rows_total: 200,
            rows_checked: 100,
            parcels_total: 100,
            parcels_valid: 80,
            parcels_saved: 40,
            problem_count: 20,
            failure: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            finished_at: None,
        }
    }

    #[test]
    fn percent_covers_checking_then_saving() {
        assert_eq!(info("queued").percent(), 0);
        assert_eq!(info("checking").percent(), 25);
        assert_eq!(info("saving").percent(), 75);
        assert_eq!(info("done").percent(), 100);
        assert_eq!(info("done").parcels_rejected(), 20);
        assert!(!info("saving").is_final());
        assert!(info("failed").is_final());
    }

    #[test]
    fn every_required_column_is_a_column() {
        for c in REQUIRED_COLUMNS.iter().chain(LINE_COLUMNS) {
            assert!(COLUMNS.contains(c), "{c}");
        }
        assert_eq!(UploadMode::parse("valid"), Some(UploadMode::Valid));
        assert_eq!(UploadMode::parse("some"), None);
        for s in ["queued", "checking", "saving", "done", "rejected", "failed"] {
            assert_eq!(UploadStatus::parse(s).unwrap().as_str(), s);
        }
    }
}
