//! Jobs and the outbox, e-mail, documents and the audit log, on both databases.

use std::collections::HashSet;

use crate::common::*;
use app::db::jobs as queue;
use app::jobs::{self, Job};
use app::mail::AccountEmail;
use reqwest::StatusCode;
use serde_json::json;

async fn sign_up_recipient(app: &TestApp, email: &str, language: &str) -> reqwest::Client {
    let c = app.client();
    let r = app
        .post(
            &c,
            "/api/auth/sign_up",
            &[
                ("account_type", "recipient"),
                ("display_name", "Jo Tester"),
                ("email", email),
                ("password", "a long enough password"),
                ("language", language),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    app.sign_in(&c, email, "a long enough password").await;
    c
}

async fn job_count(app: &TestApp) -> i64 {
    app.count("select count(*) from jobs where kind = 'account_email'")
        .await
}

both_backends!(
    outbox_enqueues_only_with_the_change,
    config = |c| {
        c.run_jobs = false;
    },
    |app| {
        let job = Job::AccountEmail(AccountEmail::PasswordChanged { user_id: 1 });
        // Rolled back: the job is gone with the change.
        let mut tx = app.db.begin().await.unwrap();
        jobs::enqueue(&mut tx, &app.state, &job).await.unwrap();
        drop(tx);
        assert_eq!(job_count(&app).await, 0);
        // Committed: there it is.
        let mut tx = app.db.begin().await.unwrap();
        jobs::enqueue(&mut tx, &app.state, &job).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(job_count(&app).await, 1);

        // A sign-up queues its confirmation e-mail; a refused one queues
        // nothing; one with the address of an account queues the e-mail
        // telling that account.
        sign_up_recipient(&app, "new@example.test", "en").await;
        assert_eq!(job_count(&app).await, 2);
        let c = app.client();
        let form = |email: &'static str, password: &'static str| {
            [
                ("account_type", "recipient"),
                ("display_name", "Someone Else"),
                ("email", email),
                ("password", password),
            ]
        };
        let r = app
            .post(
                &c,
                "/api/auth/sign_up",
                &form("other@example.test", "short"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(job_count(&app).await, 2);
        let r = app
            .post(
                &c,
                "/api/auth/sign_up",
                &form("new@example.test", "a long enough password"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(job_count(&app).await, 3);
    }
);

both_backends!(
    failing_jobs_back_off_then_die_and_an_admin_retries_them,
    config = |c| {
        c.run_jobs = false;
        c.job_max_attempts = 3;
        c.job_backoff_base_secs = 0;
        // Nothing listens there: every delivery fails.
        c.smtp_url = Some("smtp://127.0.0.1:9".into());
    },
    |app| {
        sign_up_recipient(&app, "fails@example.test", "en").await;
        let id = app.count("select max(id) from jobs").await;
        for attempt in 1..=3 {
            let pass = app::api::jobs::runner::run_due(&app.state, "runner-a", 10)
                .await
                .unwrap();
            let row = queue::get(&app.db, id).await.unwrap().unwrap();
            assert_eq!(row.attempts, attempt);
            assert!(
                row.last_error.as_deref().unwrap_or("").contains("SMTP"),
                "{row:?}"
            );
            if attempt < 3 {
                assert_eq!(pass.failed, vec![id]);
                assert_eq!(row.state, "pending");
            } else {
                assert_eq!(pass.dead, vec![id]);
                assert_eq!(row.state, "dead");
            }
        }
        // Dead: no runner picks it up again.
        assert!(app::api::jobs::runner::run_due(&app.state, "runner-a", 10)
            .await
            .unwrap()
            .done
            .is_empty());

        // The admin sees it with its error, and retries it.
        let admin = app.signed_in("admin").await;
        let list = json(
            app.post(&admin, "/api/admin/jobs", &[("state", "dead")])
                .await,
        )
        .await;
        let jobs_seen = list["jobs"].as_array().unwrap();
        assert_eq!(jobs_seen.len(), 1);
        assert_eq!(jobs_seen[0]["id"], id);
        assert!(jobs_seen[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("SMTP"));
        // Others may not look.
        let officer = app.signed_in("customs_officer").await;
        assert_eq!(
            app.post(&officer, "/api/admin/jobs", &[]).await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.post(
                &officer,
                "/api/admin/jobs/retry",
                &[("job_id", &id.to_string())]
            )
            .await
            .status(),
            StatusCode::FORBIDDEN
        );

        let r = app
            .post(
                &admin,
                "/api/admin/jobs/retry",
                &[("job_id", &id.to_string())],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let row = queue::get(&app.db, id).await.unwrap().unwrap();
        assert_eq!((row.state.as_str(), row.attempts), ("pending", 0));
        // A pending job that never failed cannot be "retried".
        sign_up_recipient(&app, "second@example.test", "en").await;
        let fresh = app.count("select max(id) from jobs").await;
        let r = app
            .post(
                &admin,
                "/api/admin/jobs/retry",
                &[("job_id", &fresh.to_string())],
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        // Discarded for good.
        let r = app
            .post(
                &admin,
                "/api/admin/jobs/discard",
                &[("job_id", &id.to_string())],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            queue::get(&app.db, id).await.unwrap().unwrap().state,
            "discarded"
        );
        let r = app
            .post(
                &admin,
                "/api/admin/jobs/discard",
                &[("job_id", &id.to_string())],
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        // Both admin actions are in the audit log.
        assert_eq!(
            app.count("select count(*) from audit_log where entity = 'job'")
                .await,
            2
        );
    }
);

both_backends!(
    two_runners_never_run_the_same_job,
    config = |c| {
        c.run_jobs = false;
        c.db_max_connections = 10;
    },
    |app| {
        let n = 120;
        let mut tx = app.db.begin().await.unwrap();
        for _ in 0..n {
            let job = Job::AccountEmail(AccountEmail::PasswordChanged { user_id: 1 });
            jobs::enqueue(&mut tx, &app.state, &job).await.unwrap();
        }
        tx.commit().await.unwrap();
        let runner = |name: &'static str| {
            let state = app.state.clone();
            tokio::spawn(async move {
                let mut ran = Vec::new();
                loop {
                    let pass = app::api::jobs::runner::run_due(&state, name, 3)
                        .await
                        .unwrap();
                    assert!(pass.failed.is_empty() && pass.dead.is_empty(), "{pass:?}");
                    if pass.done.is_empty() {
                        break;
                    }
                    ran.extend(pass.done);
                }
                ran
            })
        };
        let (a, b) = tokio::join!(runner("runner-a"), runner("runner-b"));
        let (a, b) = (a.unwrap(), b.unwrap());
        let sa: HashSet<i64> = a.iter().copied().collect();
        let sb: HashSet<i64> = b.iter().copied().collect();
        assert!(sa.is_disjoint(&sb), "a job ran in both runners");
        assert_eq!(sa.len() + sb.len(), n);
        assert!(
            !a.is_empty() && !b.is_empty(),
            "both runners took part: {} / {}",
            a.len(),
            b.len()
        );
        // Each was claimed exactly once, and each wrote its one message.
        assert_eq!(
            app.count("select count(*) from jobs where state = 'done' and attempts = 1")
                .await,
            n as i64
        );
        assert_eq!(app.outbox().len(), n);
    }
);

both_backends!(
    a_job_whose_runner_died_is_run_again,
    config = |c| {
        c.run_jobs = false;
        c.job_lease_secs = 1;
    },
    |app| {
        let mut tx = app.db.begin().await.unwrap();
        let id = jobs::enqueue(
            &mut tx,
            &app.state,
            &Job::AccountEmail(AccountEmail::PasswordChanged { user_id: 1 }),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // A runner claims it and dies before finishing.
        let now = app::db::now();
        let claimed = queue::claim(
            &app.db,
            "crashed",
            now,
            now + time::Duration::seconds(1),
            10,
        )
        .await
        .unwrap();
        assert_eq!(claimed.len(), 1);
        // While the lease holds, nobody else takes it.
        assert!(app::api::jobs::runner::run_due(&app.state, "survivor", 10)
            .await
            .unwrap()
            .done
            .is_empty());
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        let pass = app::api::jobs::runner::run_due(&app.state, "survivor", 10)
            .await
            .unwrap();
        assert_eq!(pass.done, vec![id]);
        let row = queue::get(&app.db, id).await.unwrap().unwrap();
        assert_eq!((row.state.as_str(), row.attempts), ("done", 2));
        // The dead runner's late "done" changes nothing.
        assert!(!queue::complete(&app.db, id, "crashed").await.unwrap());
    }
);

both_backends!(
    periodic_jobs_are_enqueued_once_per_slot,
    config = |c| {
        c.run_jobs = false;
    },
    |app| {
        let at = app::db::now();
        assert_eq!(
            jobs::schedule_due(&app.state, at).await.unwrap(),
            jobs::SCHEDULE.len()
        );
        // Another process, or the same one again: nothing new for this slot.
        assert_eq!(jobs::schedule_due(&app.state, at).await.unwrap(), 0);
        let pass = app::api::jobs::runner::run_due(&app.state, "runner", 10)
            .await
            .unwrap();
        assert_eq!(pass.done.len(), 1);
        assert_eq!(
            app.count("select count(*) from jobs where kind = 'housekeeping' and state = 'done'")
                .await,
            1
        );
    }
);

both_backends!(
    emails_are_written_to_the_outbox_in_the_accounts_language,
    |app| {
        sign_up_recipient(&app, "anglais@example.test", "en").await;
        sign_up_recipient(&app, "francais@example.test", "fr").await;
        let en = app
            .wait_for_email("anglais@example.test", "verify-email?token=")
            .await;
        let fr = app
            .wait_for_email("francais@example.test", "verify-email?token=")
            .await;
        assert!(en.contains("Content-Language: en"), "{en}");
        assert!(en.contains("Hello Jo Tester"), "{en}");
        assert!(
            en.contains("Subject: Postclear: Confirm your email address"),
            "{en}"
        );
        assert!(en.contains("Content-Type: text/html"), "{en}");
        assert!(fr.contains("Content-Language: fr"), "{fr}");
        assert!(fr.contains("Bonjour Jo Tester"), "{fr}");
        assert!(fr.contains("http://127.0.0.1:3000/verify-email?token="));
        assert_eq!(token_in(&en, "/verify-email").len(), 43);
    }
);

// ---- documents ----

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";

async fn upload(
    app: &TestApp,
    c: &reqwest::Client,
    name: &str,
    mime: &str,
    bytes: Vec<u8>,
    owner: &str,
) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str(mime)
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("owner", owner.to_owned())
        .part("file", part);
    c.post(app.url("/api/documents"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

both_backends!(documents_are_typed_by_content_and_sized, |app| {
    let merchant = app.signed_in("merchant").await;
    // A PDF called .exe is stored as a PDF, under a clean name.
    let r = upload(
        &app,
        &merchant,
        "../invoice.exe",
        "application/octet-stream",
        PDF.to_vec(),
        "user",
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let doc = json(r).await;
    assert_eq!(doc["content_type"], "application/pdf");
    assert_eq!(doc["filename"], "invoice.pdf");
    assert_eq!(doc["size_bytes"], PDF.len());
    // HTML pretending to be a PDF is refused, and nothing is stored.
    let r = upload(
        &app,
        &merchant,
        "x.pdf",
        "application/pdf",
        b"<html><script>alert(1)</script>".to_vec(),
        "user",
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(r).await.to_string().contains("file_type"));
    // Exactly 10 MB is fine; one byte more is not.
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    png.resize(10 * 1024 * 1024, 0);
    let r = upload(&app, &merchant, "big.png", "image/png", png.clone(), "user").await;
    assert_eq!(r.status(), StatusCode::CREATED);
    png.push(0);
    let r = upload(&app, &merchant, "bigger.png", "image/png", png, "user").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(r).await.to_string().contains("file_too_large"));
    // An empty upload and a missing file are refused.
    let r = upload(
        &app,
        &merchant,
        "empty.pdf",
        "application/pdf",
        Vec::new(),
        "user",
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("select count(*) from documents").await, 2);
    // Nobody signed in: 401, nothing stored.
    let r = upload(
        &app,
        &app.client(),
        "a.pdf",
        "application/pdf",
        PDF.to_vec(),
        "user",
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // A plain HTML form goes back to the page.
    let part = reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("form.pdf");
    let r = merchant
        .post(app.url("/api/documents"))
        .header("accept", "text/html")
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/documents?uploaded=1");
    assert_eq!(app.count("select count(*) from documents").await, 3);
});

both_backends!(documents_are_readable_only_by_their_owner, |app| {
    let merchant = app.signed_in("merchant").await;
    let mine = json(
        upload(
            &app,
            &merchant,
            "mine.pdf",
            "application/pdf",
            PDF.to_vec(),
            "user",
        )
        .await,
    )
    .await;
    let company = json(
        upload(
            &app,
            &merchant,
            "company.pdf",
            "application/pdf",
            PDF.to_vec(),
            "organisation",
        )
        .await,
    )
    .await;
    assert_eq!(company["owner_kind"], "organisation");
    for doc in [&mine, &company] {
        let r = merchant
            .get(app.url(&format!("/api/documents/{}", doc["id"])))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let cd = r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(cd.starts_with("attachment; filename="), "{cd}");
        assert!(r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox"));
        assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
    }
    // The listing shows both to their owner.
    let list = json(app.post(&merchant, "/api/documents/list", &[]).await).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    // Anyone else gets the same 404 as for a document that does not exist.
    for role in ["recipient", "customs_officer", "admin"] {
        let other = app.signed_in(role).await;
        for doc in [&mine, &company] {
            let r = other
                .get(app.url(&format!("/api/documents/{}", doc["id"])))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{role}");
        }
        let list = json(app.post(&other, "/api/documents/list", &[]).await).await;
        assert_eq!(list, json!([]), "{role}");
    }
    let r = app
        .client()
        .get(app.url(&format!("/api/documents/{}", mine["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = merchant
        .get(app.url("/api/documents/999999"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A recipient has no organisation to share with.
    let recipient = app.signed_in("recipient").await;
    let r = upload(
        &app,
        &recipient,
        "x.pdf",
        "application/pdf",
        PDF.to_vec(),
        "organisation",
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
});

// ---- audit log ----

both_backends!(every_admin_change_is_in_the_audit_log, |app| {
    let admin = app.signed_in("admin").await;
    let r = app
        .post(
            &admin,
            "/api/admin/organisations/create",
            &[
                ("kind", "company"),
                ("name", "Audit Test Ltd"),
                ("country_code", "GB"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let org: i64 = app.count("select max(id) from organisations").await;
    let r = app
        .post(
            &admin,
            "/api/admin/organisations/update",
            &[
                ("id", &org.to_string()),
                ("name", "Audit Test Limited"),
                ("country_code", "GB"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let post: i64 = app
        .count("select id from organisations where kind = 'post' and country_code = 'GB'")
        .await;
    let r = app
        .post(
            &admin,
            "/api/admin/offices/create",
            &[
                ("organisation_id", &post.to_string()),
                ("kind", "delivery"),
                ("code", "GBAUD1"),
                ("office_name", "Audit delivery office"),
                ("postcode", "AB1 2CD"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let office: i64 = app
        .count("select id from offices where code = 'GBAUD1'")
        .await;
    let r = app
        .post(
            &admin,
            "/api/admin/offices/update",
            &[
                ("id", &office.to_string()),
                ("office_name", "Audit office"),
                ("postcode", "AB1 2CD"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .post(
            &admin,
            "/api/admin/users/create",
            &[
                ("email", "audited@example.test"),
                ("display_name", "Audited Clerk"),
                ("password", "a long enough password"),
                ("role", "postal_clerk"),
                ("office_id", &office.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let user: i64 = app
        .count("select id from users where email = 'audited@example.test'")
        .await;
    for disabled in ["true", "false"] {
        let r = app
            .post(
                &admin,
                "/api/admin/users/set_disabled",
                &[("user_id", &user.to_string()), ("disabled", disabled)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = app
        .post(
            &admin,
            "/api/admin/users/unlock",
            &[("user_id", &user.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // A refused change leaves no trace.
    let r = app
        .post(
            &admin,
            "/api/admin/organisations/update",
            &[
                ("id", &org.to_string()),
                ("name", ""),
                ("country_code", "GB"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let all = json(app.post(&admin, "/api/admin/audit", &[]).await).await;
    let actions: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "user.unlock",
            "user.enable",
            "user.disable",
            "user.create",
            "office.update",
            "office.create",
            "organisation.update",
            "organisation.create",
        ]
    );
    for e in all.as_array().unwrap() {
        assert_eq!(e["actor_email"], "admin@demo.postclear.test");
        assert_eq!(e["actor_role"], "admin");
    }
    let update = &all[6];
    assert!(update["before_json"]
        .as_str()
        .unwrap()
        .contains("Audit Test Ltd"));
    assert!(update["after_json"]
        .as_str()
        .unwrap()
        .contains("Audit Test Limited"));
    let disable = &all[2];
    assert!(disable["before_json"]
        .as_str()
        .unwrap()
        .contains("\"disabled\":false"));
    assert!(disable["after_json"]
        .as_str()
        .unwrap()
        .contains("\"disabled\":true"));
    assert!(
        !all.to_string().contains("password"),
        "no secrets in the log"
    );

    // Filters: by record, by who, by date.
    let orgs = json(
        app.post(&admin, "/api/admin/audit", &[("entity", "organisation")])
            .await,
    )
    .await;
    assert_eq!(orgs.as_array().unwrap().len(), 2);
    let nobody = json(
        app.post(&admin, "/api/admin/audit", &[("actor", "someone-else")])
            .await,
    )
    .await;
    assert_eq!(nobody, json!([]));
    let future = json(
        app.post(&admin, "/api/admin/audit", &[("from", "2999-01-01")])
            .await,
    )
    .await;
    assert_eq!(future, json!([]));
    let r = app
        .post(&admin, "/api/admin/audit", &[("from", "28/11/2026")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Only admins read it.
    let supervisor = app.signed_in("customs_supervisor").await;
    assert_eq!(
        app.post(&supervisor, "/api/admin/audit", &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // The database itself refuses to change or delete a row.
    assert!(app
        .exec("update audit_log set actor_email = 'x'")
        .await
        .is_err());
    assert!(app.exec("delete from audit_log").await.is_err());
    assert_eq!(app.count("select count(*) from audit_log").await, 8);
});

both_backends!(a_supervisors_changes_are_audited_too, |app| {
    let supervisor = app.signed_in("customs_supervisor").await;
    let office: i64 = app.count("select f.id from offices f join organisations o on o.id = f.organisation_id where o.kind = 'customs' and o.country_code = 'FR'").await;
    let r = app
        .post(
            &supervisor,
            "/api/admin/users/create",
            &[
                ("email", "new.officer@example.test"),
                ("display_name", "New Officer"),
                ("password", "a long enough password"),
                ("role", "customs_officer"),
                ("office_id", &office.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert_eq!(app.count("select count(*) from audit_log where action = 'user.create' and actor_email = 'supervisor@demo.postclear.test'").await, 1);
});

// Demo accounts share a published password: they exist only in development
// on a portal that listens on this machine alone.
both_backends!(demo_data_only_on_a_loopback_bind, |app| {
    let on_the_network = |config: &app::config::Config| {
        let config = config.clone();
        async move {
            let mut options = server::leptos_options_from_env().expect("leptos configuration");
            options.site_addr = "0.0.0.0:3000".parse().unwrap();
            server::prepare(config, options).await
        }
    };
    // This database has the demo accounts: served to the network, refused.
    let err = on_the_network(&app.state.config)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("demo account"), "{err}");
    assert!(err.contains("0.0.0.0:3000"), "{err}");
    // A new database served to the network starts without them.
    let backend = if app.state.config.database_url.starts_with("sqlite") {
        Backend::Sqlite
    } else {
        Backend::Postgres
    };
    let url = database_url(backend).await.expect("a second database");
    let state = on_the_network(&app::config::Config::for_tests(&url))
        .await
        .expect("starts");
    assert_eq!(
        app::db::users::count_demo_users(&state.db).await.unwrap(),
        0
    );
});
