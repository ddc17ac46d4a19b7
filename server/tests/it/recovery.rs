//! E-mail verification, password reset and two-factor sign-in, on both databases.

use crate::common::*;
use app::totp;
use reqwest::StatusCode;
use serde_json::Value;

const PASSWORD: &str = "a long enough password";

async fn sign_up(app: &TestApp, email: &str) -> reqwest::Client {
    let c = app.client();
    let r = app
        .post(
            &c,
            "/api/auth/sign_up",
            &[
                ("account_type", "recipient"),
                ("display_name", "Pat Example"),
                ("email", email),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert_eq!(
        app.sign_in(&c, email, PASSWORD).await.status(),
        StatusCode::OK
    );
    c
}

fn error_codes(v: &Value) -> String {
    v.to_string()
}

both_backends!(a_new_account_confirms_its_address_once, |app| {
    let c = sign_up(&app, "pat@example.test").await;
    assert_eq!(app.me(&c).await["email_verified"], false);
    let eml = app
        .wait_for_email("pat@example.test", "/verify-email?token=")
        .await;
    let token = token_in(&eml, "/verify-email");
    // The page with the link shows a button; only pressing it confirms.
    let page = app
        .get_page(&c, &format!("/verify-email?token={token}"))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(app.me(&c).await["email_verified"], false);
    let r = app
        .post(&c, "/api/account/verify_email", &[("token", &token)])
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert_eq!(app.me(&c).await["email_verified"], true);
    // Single use.
    let r = app
        .post(&c, "/api/account/verify_email", &[("token", &token)])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_codes(&json(r).await).contains("token_used"));
    // Unknown token.
    let r = app
        .post(&c, "/api/account/verify_email", &[("token", "not-a-token")])
        .await;
    assert!(error_codes(&json(r).await).contains("token_unknown"));
    // Nothing to resend now.
    let r = app.post(&c, "/api/account/resend_verification", &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
});

both_backends!(verification_links_expire_and_can_be_sent_again, |app| {
    let c = sign_up(&app, "late@example.test").await;
    let eml = app
        .wait_for_email("late@example.test", "/verify-email?token=")
        .await;
    let token = token_in(&eml, "/verify-email");
    app.exec("update account_tokens set expires_at = created_at")
        .await
        .unwrap();
    let r = app
        .post(&c, "/api/account/verify_email", &[("token", &token)])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_codes(&json(r).await).contains("token_expired"));
    assert_eq!(app.me(&c).await["email_verified"], false);
    // A plain form goes back to the page with the reason.
    let r = app
        .post_html(&c, "/api/account/verify_email", &[("token", &token)])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("error=token.token_expired"));
    // A new link works.
    let before = app.outbox().len();
    let r = app.post(&c, "/api/account/resend_verification", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    for _ in 0..300 {
        if app.outbox().len() > before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let newest = app
        .outbox()
        .into_iter()
        .map(|(_, e)| e)
        .find(|e| !e.contains(&token) && e.contains("verify-email"))
        .expect("a second e-mail");
    let fresh = token_in(&newest, "/verify-email");
    let r = app
        .post(&c, "/api/account/verify_email", &[("token", &fresh)])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.me(&c).await["email_verified"], true);
    // Anonymous callers cannot ask for one.
    let r = app
        .post(&app.client(), "/api/account/resend_verification", &[])
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
});

both_backends!(password_reset_by_email_ends_every_session, |app| {
    let laptop = sign_up(&app, "reset@example.test").await;
    let phone = app.client();
    assert_eq!(
        app.sign_in(&phone, "reset@example.test", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    let jobs_before = app
        .count("select count(*) from jobs where kind = 'account_email'")
        .await;
    // The same answer for an unknown address, and no e-mail.
    let anon = app.client();
    let r = app
        .post(
            &anon,
            "/api/account/forgot_password",
            &[("email", "nobody@example.test")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.count("select count(*) from jobs where kind = 'account_email'")
            .await,
        jobs_before
    );
    let r = app
        .post_html(
            &anon,
            "/api/account/forgot_password",
            &[("email", "nobody@example.test")],
        )
        .await;
    assert_eq!(r.headers()["location"], "/forgot-password/sent");
    let r = app
        .post_html(
            &anon,
            "/api/account/forgot_password",
            &[("email", "RESET@example.test ")],
        )
        .await;
    assert_eq!(r.headers()["location"], "/forgot-password/sent");
    let eml = app
        .wait_for_email("reset@example.test", "/reset-password?token=")
        .await;
    assert!(eml.contains("30 minutes"));
    let token = token_in(&eml, "/reset-password");
    // Asking again at once sends no second e-mail.
    let r = app
        .post(
            &anon,
            "/api/account/forgot_password",
            &[("email", "reset@example.test")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // A too-short password is refused and does not use up the link.
    let r = app
        .post(
            &anon,
            "/api/account/reset_password",
            &[("token", &token), ("password", "short")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            &anon,
            "/api/account/reset_password",
            &[("token", &token), ("password", "a brand new passphrase")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    // Every session of the account is over.
    assert_eq!(app.me(&laptop).await, Value::Null);
    assert_eq!(app.me(&phone).await, Value::Null);
    // The old password no longer works; the new one does.
    assert_eq!(
        app.sign_in(&app.client(), "reset@example.test", PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let c = app.client();
    assert_eq!(
        app.sign_in(&c, "reset@example.test", "a brand new passphrase")
            .await
            .status(),
        StatusCode::OK
    );
    // Following the link proved the address.
    assert_eq!(app.me(&c).await["email_verified"], true);
    // The link worked once.
    let r = app
        .post(
            &anon,
            "/api/account/reset_password",
            &[("token", &token), ("password", "yet another passphrase")],
        )
        .await;
    assert!(error_codes(&json(r).await).contains("token_used"));
    // The owner is told the password changed.
    app.wait_for_email(
        "reset@example.test",
        "password of your Postclear account was just changed",
    )
    .await;
    assert_eq!(
        app.count("select count(*) from jobs where kind = 'account_email'")
            .await,
        jobs_before + 2
    );
});

both_backends!(reset_links_expire_after_30_minutes, |app| {
    sign_up(&app, "expire@example.test").await;
    let anon = app.client();
    app.post(
        &anon,
        "/api/account/forgot_password",
        &[("email", "expire@example.test")],
    )
    .await;
    let eml = app
        .wait_for_email("expire@example.test", "/reset-password?token=")
        .await;
    let token = token_in(&eml, "/reset-password");
    let minutes = app
        .count("select count(*) from account_tokens where purpose = 'reset_password'")
        .await;
    assert_eq!(minutes, 1);
    // The stored expiry is 30 minutes after creation.
    let (created, expires): (time::OffsetDateTime, time::OffsetDateTime) = match &app.db {
        app::db::Db::Sqlite(p) => sqlx::query_as(
            "select created_at, expires_at from account_tokens where purpose = 'reset_password'",
        )
        .fetch_one(p)
        .await
        .unwrap(),
        app::db::Db::Postgres(p) => sqlx::query_as(
            "select created_at, expires_at from account_tokens where purpose = 'reset_password'",
        )
        .fetch_one(p)
        .await
        .unwrap(),
    };
    assert!(((expires - created).whole_seconds() - 1800).abs() <= 1);
    app.exec("update account_tokens set expires_at = created_at")
        .await
        .unwrap();
    let r = app
        .post(
            &anon,
            "/api/account/reset_password",
            &[("token", &token), ("password", "a brand new passphrase")],
        )
        .await;
    assert!(error_codes(&json(r).await).contains("token_expired"));
    assert_eq!(
        app.sign_in(&app.client(), "expire@example.test", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
});

async fn secret_from_setup(app: &TestApp, c: &reqwest::Client) -> String {
    let setup = json(app.post(c, "/api/account/two_factor/setup", &[]).await).await;
    assert!(setup["qr_image"]
        .as_str()
        .unwrap()
        .starts_with("data:image/svg+xml;base64,"));
    assert!(setup["otpauth_url"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/Postclear:"));
    setup["secret"].as_str().unwrap().replace(' ', "")
}

fn code(secret: &str, offset_steps: i64) -> String {
    totp::code_at(secret, app::db::now().unix_timestamp() + 30 * offset_steps).unwrap()
}

both_backends!(
    staff_must_enrol_then_sign_in_with_a_code_or_a_recovery_code,
    config = |c| {
        c.staff_two_factor = true;
    },
    |app| {
        let c = app.client();
        let r = app
            .sign_in(&c, "officer@demo.postclear.test", DEMO_PASSWORD)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(json(r).await, "enrol");
        // Not signed in until enrolled.
        assert_eq!(app.me(&c).await, Value::Null);
        assert_eq!(
            app.post(&c, "/api/admin/users", &[]).await.status(),
            StatusCode::UNAUTHORIZED
        );
        let secret = secret_from_setup(&app, &c).await;
        // The same secret while the set-up lasts.
        assert_eq!(secret_from_setup(&app, &c).await, secret);
        let r = app
            .post(&c, "/api/account/two_factor/confirm", &[("code", "000000")])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = app
            .post(
                &c,
                "/api/account/two_factor/confirm",
                &[("code", &code(&secret, 0))],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        assert_eq!(app.me(&c).await["role"], "customs_officer");
        assert_eq!(app.me(&c).await["two_factor"], true);
        let codes: Vec<String> = serde_json::from_value(
            json(
                app.post(&c, "/api/account/two_factor/recovery_codes", &[])
                    .await,
            )
            .await,
        )
        .unwrap();
        assert_eq!(codes.len(), 10);
        // Shown once.
        let again: Vec<String> = serde_json::from_value(
            json(
                app.post(&c, "/api/account/two_factor/recovery_codes", &[])
                    .await,
            )
            .await,
        )
        .unwrap();
        assert!(again.is_empty());
        // Neither is kept as typed: the secret sealed with SECRETS_KEY, the
        // codes as keyed hashes (not the SHA-256 of the code).
        let stored = app
            .text("select totp_secret from users where email = 'officer@demo.postclear.test'")
            .await;
        assert!(
            stored.starts_with("v1:") && !stored.contains(&secret),
            "{stored}"
        );
        assert_eq!(
            app.state.config.secrets_key().open(&stored).as_deref(),
            Some(secret.as_str())
        );
        let hashes = app
            .count(&format!(
                "select count(*) from recovery_codes where code_hash = '{}'",
                app.state.config.secrets_key().recovery_hash(&codes[0])
            ))
            .await;
        assert_eq!(hashes, 1);
        assert_eq!(
            app.count(&format!(
                "select count(*) from recovery_codes where code_hash = '{}'",
                app::totp::hash_recovery(&codes[0])
            ))
            .await,
            0
        );
        // Staff cannot turn it off.
        let r = app
            .post(
                &c,
                "/api/account/two_factor/disable",
                &[("password", DEMO_PASSWORD)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);

        // Next sign-in: password, then a code.
        let c2 = app.client();
        let r = app
            .sign_in(&c2, "officer@demo.postclear.test", DEMO_PASSWORD)
            .await;
        assert_eq!(json(r).await, "code");
        assert_eq!(app.me(&c2).await, Value::Null);
        let r = app.post(&c2, "/api/auth/code", &[("code", "123456")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // The code just used for enrolment cannot be replayed; the next one works.
        let used = code(&secret, 0);
        let r = app.post(&c2, "/api/auth/code", &[("code", &used)]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = app
            .post(&c2, "/api/auth/code", &[("code", &code(&secret, 1))])
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        assert_eq!(app.me(&c2).await["role"], "customs_officer");

        // A recovery code works once, typed any way.
        let c3 = app.client();
        app.sign_in(&c3, "officer@demo.postclear.test", DEMO_PASSWORD)
            .await;
        let r = app
            .post(&c3, "/api/auth/code", &[("code", &codes[3].to_uppercase())])
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        assert_eq!(app.me(&c3).await["role"], "customs_officer");
        let c4 = app.client();
        app.sign_in(&c4, "officer@demo.postclear.test", DEMO_PASSWORD)
            .await;
        let r = app
            .post(&c4, "/api/auth/code", &[("code", &codes[3])])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.me(&c4).await, Value::Null);
        // Without a pending sign-in there is nothing to enter a code for.
        let r = app
            .post(
                &app.client(),
                "/api/auth/code",
                &[("code", &code(&secret, 1))],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
);

both_backends!(
    wrong_codes_are_throttled,
    config = |c| {
        c.staff_two_factor = true;
        c.demo_two_factor = true;
    },
    |app| {
        let c = admin_waiting_for_code(&app).await;
        for _ in 0..5 {
            let r = app.post(&c, "/api/auth/code", &[("code", "000000")]).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        }
        // Even the right code waits now.
        let r = app
            .post(&c, "/api/auth/code", &[("code", &demo_code_now())])
            .await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(app.me(&c).await, Value::Null);
    }
);

// Thirty codes guessed at once: each is counted before it is checked, so
// no more than the allowed five are checked at all.
both_backends!(
    a_burst_of_codes_is_throttled_like_a_sequence,
    config = |c| {
        c.staff_two_factor = true;
        c.demo_two_factor = true;
    },
    |app| {
        let c = admin_waiting_for_code(&app).await;
        let statuses = burst(&c, app.url("/api/auth/code"), &[("code", "000000")]).await;
        let checked = tally(&statuses, StatusCode::UNPROCESSABLE_ENTITY);
        let waiting = tally(&statuses, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!((checked, waiting), (5, 25), "{statuses:?}");
    }
);

both_backends!(merchants_may_turn_two_factor_on_and_off, |app| {
    let c = app.signed_in("merchant").await;
    // Another device, signed in without the second step.
    let elsewhere = app.signed_in("merchant").await;
    assert_eq!(app.me(&c).await["two_factor"], false);
    let secret = secret_from_setup(&app, &c).await;
    let r = app
        .post(
            &c,
            "/api/account/two_factor/confirm",
            &[("code", &code(&secret, 0))],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.me(&c).await["two_factor"], true);
    // Turning it on ends every other session; this one goes on.
    assert!(app.me(&elsewhere).await.is_null());
    let elsewhere = app.client();
    let r = app
        .sign_in(&elsewhere, "merchant@demo.postclear.test", DEMO_PASSWORD)
        .await;
    assert_eq!(json(r).await, "code");
    let r = app
        .post(&elsewhere, "/api/auth/code", &[("code", &code(&secret, 1))])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.me(&elsewhere).await["role"], "merchant");
    // Setting up again is refused while it is on.
    assert_eq!(
        app.post(&c, "/api/account/two_factor/setup", &[])
            .await
            .status(),
        StatusCode::CONFLICT
    );
    let c2 = app.client();
    let r = app
        .sign_in(&c2, "merchant@demo.postclear.test", DEMO_PASSWORD)
        .await;
    assert_eq!(json(r).await, "code");
    // Turning it off needs the password.
    let r = app
        .post(
            &c,
            "/api/account/two_factor/disable",
            &[("password", "wrong password here")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.me(&c).await["two_factor"], true);
    let r = app
        .post(
            &c,
            "/api/account/two_factor/disable",
            &[("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.me(&c).await["two_factor"], false);
    // Turning it off ends the others too.
    assert!(app.me(&elsewhere).await.is_null());
    let r = app
        .sign_in(&app.client(), "merchant@demo.postclear.test", DEMO_PASSWORD)
        .await;
    assert_eq!(json(r).await, "done");
    assert_eq!(app.count("select count(*) from recovery_codes").await, 0);
});

both_backends!(set_up_needs_a_signed_in_or_pending_account, |app| {
    let r = app
        .post(&app.client(), "/api/account/two_factor/setup", &[])
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app
        .post(
            &app.client(),
            "/api/account/two_factor/confirm",
            &[("code", "123456")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
});

both_backends!(
    an_admin_resets_a_lost_authenticator,
    config = |c| {
        c.staff_two_factor = true;
        c.demo_two_factor = true;
    },
    |app| {
        let officer_id = app
            .count("select id from users where email = 'officer@demo.postclear.test'")
            .await;
        let right_now = || {
            totp::code_at(
                server::demo::DEMO_TOTP_SECRET,
                app::db::now().unix_timestamp(),
            )
            .unwrap()
        };
        // The officer is signed in somewhere.
        let officer = app.client();
        assert_eq!(
            json(
                app.sign_in(&officer, "officer@demo.postclear.test", DEMO_PASSWORD)
                    .await
            )
            .await,
            "code"
        );
        assert_eq!(
            app.post(&officer, "/api/auth/code", &[("code", &right_now())])
                .await
                .status(),
            StatusCode::OK
        );
        assert_eq!(app.me(&officer).await["role"], "customs_officer");
        // An admin signs in with their own code.
        let admin = app.client();
        app.sign_in(&admin, "admin@demo.postclear.test", DEMO_PASSWORD)
            .await;
        assert_eq!(
            app.post(&admin, "/api/auth/code", &[("code", &right_now())])
                .await
                .status(),
            StatusCode::OK
        );
        let users = json(app.post(&admin, "/api/admin/users", &[]).await).await;
        let row = users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == officer_id)
            .unwrap()
            .clone();
        assert_eq!(row["two_factor"], true);
        // Not one's own; not a recipient's.
        let admin_id = app
            .count("select id from users where email = 'admin@demo.postclear.test'")
            .await;
        let r = app
            .post(
                &admin,
                "/api/admin/users/reset_two_factor",
                &[("user_id", &admin_id.to_string())],
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let r = app
            .post(
                &admin,
                "/api/admin/users/reset_two_factor",
                &[("user_id", &officer_id.to_string())],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        // Their sessions are over, and they set it up again at the next sign-in.
        assert_eq!(app.me(&officer).await, Value::Null);
        let again = app.client();
        assert_eq!(
            json(
                app.sign_in(&again, "officer@demo.postclear.test", DEMO_PASSWORD)
                    .await
            )
            .await,
            "enrol"
        );
        let r = app
            .post(
                &admin,
                "/api/admin/users/reset_two_factor",
                &[("user_id", &officer_id.to_string())],
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert_eq!(
            app.count("select count(*) from audit_log where action = 'user.reset_two_factor'")
                .await,
            1
        );
    }
);

both_backends!(
    confirmation_e_mails_and_sign_ups_are_rate_limited,
    config = |c| {
        c.signup_address_max = 3;
    },
    |app| {
        // Three confirmation e-mails on asking, then a wait.
        let c = sign_up(&app, "many@example.test").await;
        for _ in 0..3 {
            let r = app.post(&c, "/api/account/resend_verification", &[]).await;
            assert_eq!(r.status(), StatusCode::OK);
        }
        let r = app.post(&c, "/api/account/resend_verification", &[]).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(r.headers().contains_key("retry-after"));
        // Sign-ups from one address: three (one above), then a wait that
        // creates nothing.
        sign_up(&app, "second@example.test").await;
        sign_up(&app, "third@example.test").await;
        let users = app::db::users::count_users(&app.db).await.unwrap();
        let r = app
            .post(
                &app.client(),
                "/api/auth/sign_up",
                &[
                    ("account_type", "recipient"),
                    ("display_name", "Fourth"),
                    ("email", "fourth@example.test"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(app::db::users::count_users(&app.db).await.unwrap(), users);
    }
);

both_backends!(
    a_password_is_changed_with_the_current_one_and_ends_other_sessions,
    |app| {
        let c = sign_up(&app, "change@example.test").await;
        let other = app.client();
        assert_eq!(
            app.sign_in(&other, "change@example.test", PASSWORD)
                .await
                .status(),
            StatusCode::OK
        );
        let change = |current: &'static str, new: &'static str| {
            let app = &app;
            let c = c.clone();
            async move {
                app.post(
                    &c,
                    "/api/account/change_password",
                    &[("current_password", current), ("new_password", new)],
                )
                .await
            }
        };
        // A wrong current password, a common new one, the same one: each
        // refused, nothing changed.
        let r = change("not the password at all", "copper kettle on a windy dune").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(error_codes(&json(r).await).contains("password_wrong"));
        let r = change(PASSWORD, "password1234").await;
        assert!(error_codes(&json(r).await).contains("password_common"));
        let r = change(PASSWORD, PASSWORD).await;
        assert!(error_codes(&json(r).await).contains("password_same"));
        assert_eq!(app.me(&other).await["email"], "change@example.test");
        // The right one: this browser stays signed in, the other is out,
        // the account is told, and only the new password signs in.
        let r = change(PASSWORD, "copper kettle on a windy dune").await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        assert_eq!(app.me(&c).await["email"], "change@example.test");
        assert!(app.me(&other).await.is_null());
        app.wait_for_email("change@example.test", "password").await;
        assert_eq!(
            app.sign_in(&app.client(), "change@example.test", PASSWORD)
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.sign_in(
                &app.client(),
                "change@example.test",
                "copper kettle on a windy dune"
            )
            .await
            .status(),
            StatusCode::OK
        );
        // Guessing the current password from a borrowed session is
        // throttled like a sign-in.
        let mut last = StatusCode::OK;
        for _ in 0..6 {
            last = change("wrong guess number x", "another fine passphrase here")
                .await
                .status();
        }
        assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    }
);

both_backends!(
    secrets_stored_as_typed_are_sealed_at_start_up,
    config = |c| {
        c.demo_two_factor = true;
        c.staff_two_factor = true;
    },
    |app| {
        // The demo staff were given the published secret; start-up sealed it.
        let stored = app
            .text("select totp_secret from users where email = 'admin@demo.postclear.test'")
            .await;
        assert!(stored.starts_with("v1:"), "{stored}");
        assert!(!stored.contains(server::demo::DEMO_TOTP_SECRET));
        // …and the demo code still signs in.
        let c = admin_waiting_for_code(&app).await;
        let r = app
            .post(&c, "/api/auth/code", &[("code", &demo_code_now())])
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        // A row from before sealing (as typed) is sealed by the next start's
        // pass, once.
        app.exec(&format!(
            "update users set totp_secret = '{}' where email = 'admin@demo.postclear.test'",
            server::demo::DEMO_TOTP_SECRET
        ))
        .await
        .unwrap();
        let key = app.state.config.secrets_key();
        assert!(
            app::db::users::seal_plain_secrets(&app.db, key)
                .await
                .unwrap()
                >= 1
        );
        assert_eq!(
            app::db::users::seal_plain_secrets(&app.db, key)
                .await
                .unwrap(),
            0
        );
        let stored = app
            .text("select totp_secret from users where email = 'admin@demo.postclear.test'")
            .await;
        assert_eq!(
            key.open(&stored).as_deref(),
            Some(server::demo::DEMO_TOTP_SECRET)
        );
    }
);
