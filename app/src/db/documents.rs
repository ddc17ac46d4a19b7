//! Uploaded documents, stored in the database.
use super::{now, on_db, on_tx, Db, Tx};
pub use crate::domain::platform::DocumentInfo;
use crate::error::AppResult;

pub struct NewDocument<'a> {
    pub owner_kind: &'a str,
    pub owner_id: i64,
    pub uploaded_by: i64,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
}

pub async fn insert(tx: &mut Tx, d: &NewDocument<'_>) -> AppResult<i64> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "insert into documents (owner_kind, owner_id, uploaded_by, filename, content_type,
                                size_bytes, sha256, content, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id"
    )
    .bind(d.owner_kind)
    .bind(d.owner_id)
    .bind(d.uploaded_by)
    .bind(d.filename)
    .bind(d.content_type)
    .bind(d.content.len() as i64)
    .bind(d.sha256)
    .bind(d.content)
    .bind(now())
    .fetch_one(c)
    .await)?)
}

const INFO: &str = "select id, owner_kind, owner_id, uploaded_by, filename, content_type,
        size_bytes, sha256, created_at from documents";

pub async fn info(db: &Db, id: i64) -> AppResult<Option<DocumentInfo>> {
    let sql = format!("{INFO} where id = $1");
    Ok(on_db!(db, |p| sqlx::query_as::<_, DocumentInfo>(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)?)
}

pub async fn content(db: &Db, id: i64) -> AppResult<Option<Vec<u8>>> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, Vec<u8>>(
        "select content from documents where id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

/// Documents of an owner, newest first.
pub async fn list_for(db: &Db, owner_kind: &str, owner_id: i64) -> AppResult<Vec<DocumentInfo>> {
    let sql = format!("{INFO} where owner_kind = $1 and owner_id = $2 order by id desc");
    Ok(on_db!(db, |p| sqlx::query_as::<_, DocumentInfo>(&sql)
        .bind(owner_kind)
        .bind(owner_id)
        .fetch_all(p)
        .await)?)
}
