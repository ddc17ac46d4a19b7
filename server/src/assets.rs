//! How browsers may keep the files the portal serves, and compression of
//! everything else it answers.
//!
//! With `hash-files` (the workspace's Leptos settings), cargo-leptos puts a
//! hash of each bundle file's content into its name and lists the hashes in
//! `hash.txt` beside the server binary: such a name never changes content, so
//! browsers keep it for a year without asking again. Every other static file
//! (unhashed bundles of a build without hashes, icons) is revalidated each
//! time (`no-cache`: the browser asks, the server answers 304 if unchanged).
use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::header::{self, HeaderValue};
use leptos::config::LeptosOptions;

/// The content hashes of this build's bundle files.
#[derive(Clone, Debug, Default)]
pub struct Hashes(Arc<HashSet<String>>);

impl Hashes {
    /// Reads `hash.txt` (`js: …`, `wasm: …`, `css: …` lines) when the options
    /// say the files are hashed; none otherwise. A hashed build without its
    /// hash file cannot name its own bundle: that is an error, not "no hashes".
    pub fn of_build(options: &LeptosOptions) -> Result<Self, String> {
        if !options.hash_files {
            return Ok(Self::default());
        }
        let file = std::env::current_exe()
            .map_err(|e| format!("the server binary's path: {e}"))?
            .with_file_name(options.hash_file.as_ref());
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("the bundle's hash file {}: {e}", file.display()))?;
        Ok(Self::parse(&text))
    }

    pub fn parse(text: &str) -> Self {
        let hashes = text
            .lines()
            .filter_map(|line| line.split_once(':'))
            .map(|(_, hash)| hash.trim().to_owned())
            .filter(|hash| !hash.is_empty())
            .collect();
        Self(Arc::new(hashes))
    }

    /// Whether `path` names a file of the bundle under its hashed name
    /// (`/pkg/postclear.<hash>.wasm`).
    pub fn is_hashed(&self, pkg_dir: &str, path: &str) -> bool {
        let Some(name) = path
            .strip_prefix('/')
            .and_then(|p| p.strip_prefix(pkg_dir))
            .and_then(|p| p.strip_prefix('/'))
        else {
            return false;
        };
        let parts: Vec<&str> = name.split('.').collect();
        parts.len() >= 3 && self.0.contains(parts[parts.len() - 2])
    }
}

const YEAR: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// Sets `Cache-Control` on the static files: a year for hashed bundle
/// files, revalidation for the others. Pages and API answers are left alone.
pub async fn cache_headers(
    State((hashes, options)): State<(Hashes, LeptosOptions)>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    if !res.status().is_success() && res.status() != http::StatusCode::NOT_MODIFIED {
        return res;
    }
    let pkg = options.site_pkg_dir.as_ref();
    let value = if hashes.is_hashed(pkg, &path) {
        YEAR
    } else if path.starts_with(&format!("/{pkg}/")) || is_public_asset(&path) {
        REVALIDATE
    } else {
        return res;
    };
    res.headers_mut().insert(header::CACHE_CONTROL, value);
    res
}

/// The files of `public/` (icons): served from the site root by name.
fn is_public_asset(path: &str) -> bool {
    [".svg", ".png", ".ico", ".webmanifest", ".txt"]
        .iter()
        .any(|ext| path.ends_with(ext))
        && !path.starts_with("/api/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_with_this_builds_hashes_are_kept_for_a_year() {
        let h = Hashes::parse("js: 4bHd9k2\nwasm: Zx81Qa0\ncss: c55sS1p\n");
        assert!(h.is_hashed("pkg", "/pkg/postclear.4bHd9k2.js"));
        assert!(h.is_hashed("pkg", "/pkg/postclear.Zx81Qa0.wasm"));
        assert!(h.is_hashed("pkg", "/pkg/postclear.c55sS1p.css"));
        // Unhashed, another build's hash, outside the bundle folder.
        assert!(!h.is_hashed("pkg", "/pkg/postclear.js"));
        assert!(!h.is_hashed("pkg", "/pkg/postclear.0000000.wasm"));
        assert!(!h.is_hashed("pkg", "/other/postclear.4bHd9k2.js"));
        assert!(!Hashes::default().is_hashed("pkg", "/pkg/postclear.4bHd9k2.js"));
    }
}
