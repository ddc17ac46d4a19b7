//! E-mail: what is sent, rendered with askama (plain text and HTML, in the
//! recipient's language), and delivered by a job through SMTP when
//! `SMTP_URL` is set, else written as a `.eml` file to the outbox folder.
use askama::Template;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::db::{self, tokens};
use crate::state::AppState;

/// E-mails about an account. The job holds only the account id: the link's
/// token is made when the job runs, so no secret sits in the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "email", rename_all = "snake_case")]
pub enum AccountEmail {
    /// A link to confirm the address of a new account.
    VerifyEmail { user_id: i64 },
    /// A link to choose a new password.
    PasswordReset { user_id: i64 },
    /// The password was changed (so an owner who did not do it can react).
    PasswordChanged { user_id: i64 },
    /// Someone tried to sign up with the address of this account (the
    /// sign-up page answers the same either way).
    AccountExists { user_id: i64 },
}

/// How long a verification link works.
pub const VERIFY_HOURS: i64 = 48;
/// How long a password reset link works.
pub const RESET_MINUTES: i64 = 30;

/// Languages the e-mails are written in (as the portal: `domain::account::LANGUAGES`).
/// The account's language, else that of its country if the portal speaks it,
/// else English.
pub fn language_for(account: Option<&str>, country: Option<&str>) -> &'static str {
    match account {
        Some("fr") => return "fr",
        Some("en") => return "en",
        _ => {}
    }
    match country {
        // Countries whose (main or first official) language is French.
        Some(
            "FR" | "BE" | "LU" | "MC" | "CH" | "SN" | "CI" | "CM" | "ML" | "BF" | "NE" | "TG"
            | "BJ" | "GA" | "CG" | "CD" | "MG" | "HT" | "PF" | "NC",
        ) => "fr",
        _ => "en",
    }
}

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What every template may use.
pub struct MailData<'a> {
    pub lang: &'a str,
    pub name: &'a str,
    pub link: &'a str,
    pub minutes: i64,
    pub hours: i64,
}

#[derive(Template)]
#[template(path = "email/verify_email.txt")]
struct VerifyText<'a> {
    m: &'a MailData<'a>,
}

#[derive(Template)]
#[template(path = "email/verify_email.html")]
struct VerifyHtml<'a> {
    m: &'a MailData<'a>,
}

#[derive(Template)]
#[template(path = "email/password_reset.txt")]
struct ResetText<'a> {
    m: &'a MailData<'a>,
}

#[derive(Template)]
#[template(path = "email/password_reset.html")]
struct ResetHtml<'a> {
    m: &'a MailData<'a>,
}

#[derive(Template)]
#[template(path = "email/password_changed.txt")]
struct ChangedText<'a> {
    m: &'a MailData<'a>,
}

#[derive(Template)]
#[template(path = "email/password_changed.html")]
struct ChangedHtml<'a> {
    m: &'a MailData<'a>,
}

#[derive(Template)]
#[template(path = "email/account_exists.txt")]
struct ExistsText<'a> {
    m: &'a MailData<'a>,
}

#[derive(Template)]
#[template(path = "email/account_exists.html")]
struct ExistsHtml<'a> {
    m: &'a MailData<'a>,
}

/// Which e-mail, with what it needs to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    VerifyEmail,
    PasswordReset,
    PasswordChanged,
    AccountExists,
}

/// Renders one e-mail in `lang` ("en" or "fr").
pub fn render(kind: Kind, m: &MailData<'_>) -> Result<Rendered, askama::Error> {
    let fr = m.lang == "fr";
    let (subject, text, html) = match kind {
        Kind::VerifyEmail => (
            if fr {
                "Confirmez votre adresse e-mail"
            } else {
                "Confirm your email address"
            },
            VerifyText { m }.render()?,
            VerifyHtml { m }.render()?,
        ),
        Kind::PasswordReset => (
            if fr {
                "Choisir un nouveau mot de passe"
            } else {
                "Reset your password"
            },
            ResetText { m }.render()?,
            ResetHtml { m }.render()?,
        ),
        Kind::PasswordChanged => (
            if fr {
                "Votre mot de passe a été modifié"
            } else {
                "Your password was changed"
            },
            ChangedText { m }.render()?,
            ChangedHtml { m }.render()?,
        ),
        Kind::AccountExists => (
            if fr {
                "Vous avez déjà un compte"
            } else {
                "You already have an account"
            },
            ExistsText { m }.render()?,
            ExistsHtml { m }.render()?,
        ),
    };
    Ok(Rendered {
        subject: format!("Postclear: {subject}"),
        text,
        html,
    })
}

/// Runs an account e-mail job: makes the link's token if the e-mail has one,
/// renders the message in the account's language and delivers it. Running it
/// again sends the message again with a fresh link (safe: each link works once).
pub async fn send_account_email(
    state: &AppState,
    job_id: i64,
    email: &AccountEmail,
) -> Result<(), String> {
    let err = |e: crate::error::AppError| format!("database: {e}");
    let (user_id, kind) = match *email {
        AccountEmail::VerifyEmail { user_id } => (user_id, Kind::VerifyEmail),
        AccountEmail::PasswordReset { user_id } => (user_id, Kind::PasswordReset),
        AccountEmail::PasswordChanged { user_id } => (user_id, Kind::PasswordChanged),
        AccountEmail::AccountExists { user_id } => (user_id, Kind::AccountExists),
    };
    let Some(target) = db::users::mail_target(&state.db, user_id)
        .await
        .map_err(err)?
    else {
        tracing::info!(user_id, "account gone; e-mail not sent");
        return Ok(());
    };
    if target.disabled {
        tracing::info!(user_id, "account disabled; e-mail not sent");
        return Ok(());
    }
    let base = &state.config.public_url;
    let link = match kind {
        Kind::VerifyEmail if target.email_verified => {
            tracing::info!(user_id, "already verified; e-mail not sent");
            return Ok(());
        }
        Kind::VerifyEmail | Kind::PasswordReset => {
            let (purpose, valid, path) = if kind == Kind::VerifyEmail {
                (
                    tokens::VERIFY_EMAIL,
                    time::Duration::hours(VERIFY_HOURS),
                    "/verify-email",
                )
            } else {
                (
                    tokens::RESET_PASSWORD,
                    time::Duration::minutes(RESET_MINUTES),
                    "/reset-password",
                )
            };
            let (token, hash) = crate::tokens::new_token();
            let mut tx = state.db.begin().await.map_err(|e| e.to_string())?;
            tokens::insert(&mut tx, user_id, purpose, &hash, db::now() + valid)
                .await
                .map_err(err)?;
            tx.commit().await.map_err(|e| e.to_string())?;
            format!("{base}{path}?token={token}")
        }
        Kind::PasswordChanged | Kind::AccountExists => format!("{base}/forgot-password"),
    };
    let lang = language_for(target.language.as_deref(), target.country_code.as_deref());
    let rendered = render(
        kind,
        &MailData {
            lang,
            name: &target.display_name,
            link: &link,
            minutes: RESET_MINUTES,
            hours: VERIFY_HOURS,
        },
    )
    .map_err(|e| format!("template: {e}"))?;
    deliver(
        state,
        &format!("job-{job_id}"),
        &target.display_name,
        &target.email,
        lang,
        &rendered,
    )
    .await
}

/// The `Content-Language` header (lettre has no type for it).
#[derive(Debug, Clone)]
struct ContentLanguage(String);

impl lettre::message::header::Header for ContentLanguage {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("Content-Language")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }
    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// Builds the MIME message (text and HTML alternatives).
pub fn message(
    from: &str,
    to_name: &str,
    to_addr: &str,
    lang: &str,
    key: &str,
    r: &Rendered,
    readable: bool,
) -> Result<Message, String> {
    let from: Mailbox = from.parse().map_err(|e| format!("MAIL_FROM: {e}"))?;
    let to = Mailbox::new(
        Some(to_name.to_owned()),
        to_addr
            .parse()
            .map_err(|e| format!("address {to_addr:?}: {e}"))?,
    );
    let domain = from.email.domain().to_owned();
    Message::builder()
        .from(from)
        .to(to)
        .subject(r.subject.clone())
        .message_id(Some(format!("<{key}@{domain}>")))
        .header(ContentLanguage(lang.to_owned()))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(body(&r.text, readable)),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(body(&r.html, readable)),
                ),
        )
        .map_err(|e| format!("message: {e}"))
}

/// A MIME body.
/// For the outbox folder: UTF-8 as is (`8bit`, lines of at most 998 octets as
/// RFC 5322 allows), so the file reads plainly and links stay whole. For SMTP:
/// lettre's choice (it keeps lines under 76, so quoted-printable here).
fn body(text: &str, readable: bool) -> Body {
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    let fits = crlf.split("\r\n").all(|l| l.len() <= 998) && !crlf.contains('\0');
    if readable && fits {
        Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::EightBit)
    } else {
        Body::new(crlf)
    }
}

/// Sends through SMTP, or writes `<outbox>/<key>.eml` (replacing an earlier
/// attempt's file, so a repeated job leaves one file).
pub async fn deliver(
    state: &AppState,
    key: &str,
    to_name: &str,
    to_addr: &str,
    lang: &str,
    r: &Rendered,
) -> Result<(), String> {
    let cfg = &state.config;
    let msg = message(
        &cfg.mail_from,
        to_name,
        to_addr,
        lang,
        key,
        r,
        cfg.smtp_url.is_none(),
    )?;
    match &cfg.smtp_url {
        Some(url) => {
            let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|e| format!("SMTP_URL: {e}"))?
                .timeout(Some(std::time::Duration::from_secs(20)))
                .build();
            transport
                .send(msg)
                .await
                .map(|_| ())
                .map_err(|e| format!("SMTP: {e}"))
        }
        None => {
            let dir = &cfg.mail_outbox_dir;
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| format!("outbox {}: {e}", dir.display()))?;
            let file = dir.join(format!("{key}.eml"));
            let tmp = dir.join(format!(".{key}.eml.tmp"));
            tokio::fs::write(&tmp, msg.formatted())
                .await
                .map_err(|e| format!("outbox {}: {e}", tmp.display()))?;
            tokio::fs::rename(&tmp, &file)
                .await
                .map_err(|e| format!("outbox {}: {e}", file.display()))?;
            tracing::info!(file = %file.display(), to = to_addr, subject = %r.subject, "e-mail written to the outbox");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data<'a>(lang: &'a str) -> MailData<'a> {
        MailData {
            lang,
            name: "Ana <b>",
            link: "https://postclear.test/verify-email?token=abc",
            minutes: RESET_MINUTES,
            hours: VERIFY_HOURS,
        }
    }

    #[test]
    fn language_is_the_accounts_then_the_countrys_then_english() {
        assert_eq!(language_for(Some("fr"), Some("DE")), "fr");
        assert_eq!(language_for(Some("en"), Some("FR")), "en");
        assert_eq!(language_for(None, Some("FR")), "fr");
        assert_eq!(language_for(None, Some("BE")), "fr");
        assert_eq!(language_for(Some("xx"), Some("DE")), "en");
        assert_eq!(language_for(None, None), "en");
    }

    #[test]
    fn every_email_renders_in_both_languages() {
        for kind in [
            Kind::VerifyEmail,
            Kind::PasswordReset,
            Kind::PasswordChanged,
            Kind::AccountExists,
        ] {
            let en = render(kind, &data("en")).unwrap();
            let fr = render(kind, &data("fr")).unwrap();
            assert_ne!(en.subject, fr.subject);
            assert_ne!(en.text, fr.text);
            for r in [&en, &fr] {
                assert!(
                    r.text
                        .contains("https://postclear.test/verify-email?token=abc"),
                    "{kind:?}"
                );
                assert!(
                    r.html
                        .contains("https://postclear.test/verify-email?token=abc"),
                    "{kind:?}"
                );
                // The name is escaped in HTML, as typed in text.
                assert!(
                    r.html.contains("Ana &#60;b&#62;") || r.html.contains("Ana &lt;b&gt;"),
                    "{}",
                    r.html
                );
                assert!(r.text.contains("Ana <b>"));
            }
        }
        let en = render(Kind::PasswordReset, &data("en")).unwrap();
        assert!(en.text.contains("30 minutes"), "{}", en.text);
        let fr = render(Kind::VerifyEmail, &data("fr")).unwrap();
        assert!(fr.text.contains("Bonjour"), "{}", fr.text);
    }

    #[test]
    fn outbox_files_keep_links_whole_and_smtp_gets_short_lines() {
        let r = render(Kind::VerifyEmail, &data("fr")).unwrap();
        let build = |readable| {
            let m = message(
                "Postclear <no-reply@postclear.test>",
                "Ana",
                "ana@example.test",
                "fr",
                "job-1",
                &r,
                readable,
            )
            .unwrap();
            String::from_utf8(m.formatted()).unwrap()
        };
        let file = build(true);
        assert!(file.contains("Content-Transfer-Encoding: 8bit"), "{file}");
        assert!(file.contains("https://postclear.test/verify-email?token=abc"));
        assert!(file.contains("Bonjour Ana <b>"));
        assert!(file.contains("Content-Language: fr"));
        assert!(file.contains("Message-ID: <job-1@postclear.test>"));
        let smtp = build(false);
        assert!(smtp.lines().all(|l| l.len() <= 78), "{smtp}");
        assert!(!smtp.contains("Content-Transfer-Encoding: 8bit"));
    }
}

// ---- notices about parcels ----

/// A notice about a customs decision, to whoever must act next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParcelNotice {
    pub parcel_id: i64,
    pub decision: String,
    pub to: crate::domain::decision::Notify,
}

/// What a parcel notice says.
pub struct NoticeData<'a> {
    pub lang: &'a str,
    pub name: &'a str,
    pub item_id: &'a str,
    pub what: &'a str,
    pub reason: &'a str,
    pub next: &'a str,
    pub link: &'a str,
}

#[derive(Template)]
#[template(path = "email/parcel_notice.txt")]
struct NoticeText<'a> {
    n: &'a NoticeData<'a>,
}

#[derive(Template)]
#[template(path = "email/parcel_notice.html")]
struct NoticeHtml<'a> {
    m: &'a MailData<'a>,
    n: &'a NoticeData<'a>,
}

/// The decision in words, and what the reader does next.
pub fn decision_words(
    lang: &str,
    decision: &str,
    to: crate::domain::decision::Notify,
) -> (&'static str, &'static str) {
    use crate::domain::decision::Notify;
    let fr = lang == "fr";
    let what = match (decision, fr) {
        ("RELEASE", false) => "customs released it.",
        ("RELEASE", true) => "la douane l’a libéré.",
        ("PRE_CLEAR", false) => "customs cleared it before arrival.",
        ("PRE_CLEAR", true) => "la douane l’a dédouané avant son arrivée.",
        ("HOLD_DOCUMENTARY", false) => "customs holds it for a check of its documents.",
        ("HOLD_DOCUMENTARY", true) => "la douane le retient pour contrôler ses documents.",
        ("HOLD_INSPECTION", false) => "customs holds it for a physical examination.",
        ("HOLD_INSPECTION", true) => "la douane le retient pour un examen physique.",
        ("REQUEST_INFO", false) => "customs needs more information.",
        ("REQUEST_INFO", true) => "la douane a besoin de renseignements.",
        ("SEIZE", false) => "customs seized it.",
        ("SEIZE", true) => "la douane l’a saisi.",
        ("RETURN_TO_SENDER", false) => "customs refused it: it goes back to the sender.",
        ("RETURN_TO_SENDER", true) => "la douane l’a refusé : il retourne à l’expéditeur.",
        ("REJECT_DATA", false) => "customs refused its declaration data.",
        ("REJECT_DATA", true) => "la douane a refusé les données de sa déclaration.",
        (_, false) => "customs made a decision.",
        (_, true) => "la douane a pris une décision.",
    };
    let next = match (to, decision, fr) {
        (Notify::Recipient, "RELEASE" | "PRE_CLEAR", false) => {
            "Duty and tax are due: pay them online and the post will deliver it."
        }
        (Notify::Recipient, "RELEASE" | "PRE_CLEAR", true) => {
            "Des droits et taxes sont dus : payez-les en ligne et la poste le livrera."
        }
        (Notify::Merchant, "REJECT_DATA", false) => "Correct the declaration and submit it again.",
        (Notify::Merchant, "REJECT_DATA", true) => {
            "Corrigez la déclaration et soumettez-la à nouveau."
        }
        (Notify::Merchant, "REQUEST_INFO" | "HOLD_DOCUMENTARY", false) => {
            "Open the parcel in Postclear and send what customs asks for."
        }
        (Notify::Merchant, "REQUEST_INFO" | "HOLD_DOCUMENTARY", true) => {
            "Ouvrez le colis dans Postclear et envoyez ce que la douane demande."
        }
        (_, _, false) => "You can follow the parcel in Postclear.",
        (_, _, true) => "Vous pouvez suivre le colis dans Postclear.",
    };
    (what, next)
}

pub fn render_notice(n: &NoticeData<'_>) -> Result<Rendered, askama::Error> {
    let m = MailData {
        lang: n.lang,
        name: n.name,
        link: n.link,
        minutes: 0,
        hours: 0,
    };
    let subject = if n.lang == "fr" {
        format!("Postclear : colis {}", n.item_id)
    } else {
        format!("Postclear: parcel {}", n.item_id)
    };
    Ok(Rendered {
        subject,
        text: NoticeText { n }.render()?,
        html: NoticeHtml { m: &m, n }.render()?,
    })
}

/// Runs a parcel notice job: to the merchant user who declared the parcel,
/// or to the addressee's e-mail address when the declaration gives one.
pub async fn send_parcel_notice(
    state: &AppState,
    job_id: i64,
    notice: &ParcelNotice,
) -> Result<(), String> {
    use crate::domain::decision::Notify;
    let err = |e: crate::error::AppError| format!("database: {e}");
    let Some(t) = db::parcels::notice_target(&state.db, notice.parcel_id)
        .await
        .map_err(err)?
    else {
        tracing::info!(parcel = notice.parcel_id, "parcel gone; notice not sent");
        return Ok(());
    };
    let base = &state.config.public_url;
    let reason = t.reason.unwrap_or_default();
    let (name, email, lang, link) = match notice.to {
        Notify::Merchant => {
            let Some(u) = db::users::mail_target(&state.db, t.created_by)
                .await
                .map_err(err)?
                .filter(|u| !u.disabled)
            else {
                tracing::info!(parcel = notice.parcel_id, "declarant gone; notice not sent");
                return Ok(());
            };
            let lang = language_for(u.language.as_deref(), u.country_code.as_deref());
            (
                u.display_name,
                u.email,
                lang,
                format!("{base}/parcels/{}", notice.parcel_id),
            )
        }
        Notify::Recipient => {
            let input: crate::domain::declaration::DeclarationInput =
                serde_json::from_str(&t.input_json).map_err(|e| format!("declaration: {e}"))?;
            let email = input.addressee.email.trim().to_owned();
            if email.is_empty() {
                tracing::info!(
                    parcel = notice.parcel_id,
                    "no addressee e-mail; notice not sent"
                );
                return Ok(());
            }
            let lang = language_for(None, Some(&input.addressee.country));
            (
                input.addressee.name,
                email,
                lang,
                format!("{base}/track?item={}", t.item_id),
            )
        }
    };
    let (what, next) = decision_words(lang, &notice.decision, notice.to);
    let rendered = render_notice(&NoticeData {
        lang,
        name: &name,
        item_id: &t.item_id,
        what,
        reason: &reason,
        next,
        link: &link,
    })
    .map_err(|e| format!("template: {e}"))?;
    deliver(
        state,
        &format!("job-{job_id}"),
        &name,
        &email,
        lang,
        &rendered,
    )
    .await
}
