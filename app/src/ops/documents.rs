//! Documents: files a user uploads (invoices, licences, photos of goods),
//! kept in the database so that any server process can serve them. Each
//! belongs to an account or to an organisation and is readable only by it.
use crate::db::documents::{self, NewDocument};
use crate::domain::account::CurrentUser;
use crate::domain::platform::{clean_filename, sniff_content_type, DocumentInfo};
use crate::error::{AppError, AppResult, OrInternal};
use crate::ops::Caller;
use crate::state::AppState;

/// Whether `user` may read (and list) documents of this owner.
pub fn may_read(user: &CurrentUser, owner_kind: &str, owner_id: i64) -> bool {
    match owner_kind {
        "user" => owner_id == user.id,
        "organisation" => user.organisation_id == Some(owner_id),
        _ => false,
    }
}

/// The caller's documents and those of their organisation, newest first.
pub async fn list(state: &AppState, caller: &Caller) -> AppResult<Vec<DocumentInfo>> {
    let user = caller.signed_in()?;
    let db = &state.db;
    let mut docs = documents::list_for(db, "user", user.id).await?;
    if let Some(org) = user.organisation_id {
        docs.extend(documents::list_for(db, "organisation", org).await?);
    }
    docs.sort_by_key(|d| std::cmp::Reverse(d.id));
    Ok(docs)
}

/// A file sent to keep.
pub struct NewFile {
    /// `user` or `organisation`.
    pub owner: String,
    /// The file's name as the browser sent it.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Keeps a file of a type the portal accepts (found from its content, not
/// its name) for the caller or their organisation.
pub async fn upload(state: &AppState, caller: &Caller, file: NewFile) -> AppResult<DocumentInfo> {
    let user = caller.signed_in()?;
    if file.bytes.is_empty() {
        return Err(AppError::field("file", "required"));
    }
    let content_type =
        sniff_content_type(&file.bytes).ok_or_else(|| AppError::field("file", "file_type"))?;
    let owner_id = match file.owner.as_str() {
        "user" => user.id,
        "organisation" => user
            .organisation_id
            .ok_or_else(|| AppError::field("owner", "invalid"))?,
        _ => return Err(AppError::field("owner", "invalid")),
    };
    let sha = {
        use sha2::Digest;
        data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(&file.bytes))
    };
    let filename = clean_filename(&file.name, content_type);
    let mut tx = state.db.begin().await?;
    let id = documents::insert(
        &mut tx,
        &NewDocument {
            owner_kind: &file.owner,
            owner_id,
            uploaded_by: user.id,
            filename: &filename,
            content_type,
            sha256: &sha,
            content: &file.bytes,
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        user = user.id,
        document = id,
        size = file.bytes.len(),
        content_type,
        "document uploaded"
    );
    documents::info(&state.db, id)
        .await?
        .or_internal("a stored document is missing")
}

/// A document the caller may read, with its bytes. Someone who may not read
/// it gets the same "not found" as for a document that does not exist.
pub async fn download(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> AppResult<(DocumentInfo, Vec<u8>)> {
    let user = caller.signed_in()?;
    let info = match documents::info(&state.db, id).await? {
        Some(i) if may_read(user, &i.owner_kind, i.owner_id) => i,
        _ => return Err(AppError::NotFound),
    };
    let bytes = documents::content(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tracing::info!(user = user.id, document = id, "document downloaded");
    Ok((info, bytes))
}
