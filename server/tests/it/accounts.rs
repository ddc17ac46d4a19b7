//! Accounts, sessions, throttling, roles and the security rules, over HTTP
//! against the real server, on SQLite and on PostgreSQL.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::Value;

const GOOD_PASSWORD: &str = "a long enough passphrase";

both_backends!(
    sign_up_creates_a_merchant_with_its_company_and_reveals_no_account,
    |app| {
        let c = app.client();
        let r = app
            .post(
                &c,
                "/api/auth/sign_up",
                &[
                    ("account_type", "merchant"),
                    ("display_name", "Nadia Benali"),
                    ("email", "  Nadia@Example.com "),
                    ("password", GOOD_PASSWORD),
                    ("company_name", "Atelier Benali"),
                    ("country_code", "fr"),
                    ("language", "fr"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        // Not signed in by the sign-up (the answer is the same for an
        // address that has an account): the account signs in itself.
        assert!(app.me(&c).await.is_null());
        assert_eq!(
            app.sign_in(&c, "nadia@example.com", GOOD_PASSWORD)
                .await
                .status(),
            StatusCode::OK
        );
        let me = app.me(&c).await;
        assert_eq!(me["email"], "nadia@example.com");
        assert_eq!(me["role"], "merchant");
        assert_eq!(me["organisation_name"], "Atelier Benali");
        assert_eq!(me["country_code"], "FR");
        assert_eq!(me["language"], "fr");

        // A recipient has no organisation.
        let c2 = app.client();
        let r = app
            .post(
                &c2,
                "/api/auth/sign_up",
                &[
                    ("account_type", "recipient"),
                    ("display_name", "Tom Weber"),
                    ("email", "tom@example.de"),
                    ("password", GOOD_PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        app.sign_in(&c2, "tom@example.de", GOOD_PASSWORD).await;
        let me = app.me(&c2).await;
        assert_eq!(me["role"], "recipient");
        assert!(me["organisation_id"].is_null());

        // The same e-mail again gets the same answer as a new one (the page
        // does not tell who has an account), creates nothing, and the
        // account's owner is told by e-mail.
        let before = app::db::users::count_users(&app.db).await.unwrap();
        let again = |c: reqwest::Client| {
            let app = &app;
            async move {
                app.post_html(
                    &c,
                    "/api/auth/sign_up",
                    &[
                        ("account_type", "recipient"),
                        ("display_name", "Someone"),
                        ("email", "NADIA@example.com"),
                        ("password", GOOD_PASSWORD),
                    ],
                )
                .await
            }
        };
        let r = again(app.client()).await;
        assert!(r.status().is_redirection());
        assert_eq!(r.headers()["location"], "/sign-up/sent");
        assert_eq!(app::db::users::count_users(&app.db).await.unwrap(), before);
        app.wait_for_email("nadia@example.com", "Vous avez déjà un compte")
            .await;
        let r = app
            .post_html(
                &app.client(),
                "/api/auth/sign_up",
                &[
                    ("account_type", "recipient"),
                    ("display_name", "Someone New"),
                    ("email", "someone.new@example.com"),
                    ("password", GOOD_PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.headers()["location"], "/sign-up/sent");
    }
);

both_backends!(sign_up_reports_every_problem_and_changes_nothing, |app| {
    let before = app::db::users::count_users(&app.db).await.unwrap();
    let c = app.client();
    let r = app
        .post(
            &c,
            "/api/auth/sign_up",
            &[
                ("account_type", "merchant"),
                ("display_name", " "),
                ("email", "not-an-email"),
                ("password", "short"),
                ("company_name", ""),
                ("country_code", "XX"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json(r).await;
    let got: Vec<String> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}.{}",
                e["field"].as_str().unwrap(),
                e["code"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "display_name.required",
            "email.email_invalid",
            "password.password_too_short",
            "company_name.required",
            "country_code.country_invalid"
        ]
    );
    assert_eq!(app::db::users::count_users(&app.db).await.unwrap(), before);
    assert!(app.me(&c).await.is_null());

    // A plain HTML form is sent back to the form with the error codes.
    let r = app
        .post_html(
            &c,
            "/api/auth/sign_up",
            &[
                ("account_type", "recipient"),
                ("display_name", "X"),
                ("email", "x@example.com"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"],
        "/sign-up?error=password.password_too_short"
    );

    // The form shown again gets back what was typed (once), never the password.
    let page = |c: &reqwest::Client| {
        let url = app.url("/sign-up?error=password.password_too_short");
        let c = c.clone();
        async move {
            c.get(url)
                .header("accept", "text/html")
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let html = page(&c).await;
    assert!(html.contains(r#"value="x@example.com""#), "email kept");
    assert!(html.contains(r#"value="X""#), "name kept");
    assert!(!html.contains(r#"value="short""#), "never the password");
    let html = page(&c).await;
    assert!(
        !html.contains(r#"value="x@example.com""#),
        "kept for one showing only"
    );
    // Another form's page gets nothing of it.
    let r = app
        .post_html(
            &c,
            "/api/auth/sign_up",
            &[
                ("account_type", "recipient"),
                ("display_name", "Y"),
                ("email", "y@example.com"),
                ("password", "x"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = c
        .get(app.url("/sign-in?error=bad_credentials"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("y@example.com"));
    assert!(
        page(&c).await.contains(r#"value="y@example.com""#),
        "still there for its own form"
    );
});

both_backends!(sign_in_and_sign_out, |app| {
    let c = app.client();
    assert!(app.me(&c).await.is_null());
    let r = app
        .sign_in(&c, "merchant@demo.postclear.test", DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("postclear_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http must not mark the cookie Secure: {cookie}"
    );
    assert_eq!(app.me(&c).await["role"], "merchant");

    let r = app.post(&c, "/api/auth/sign_out", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(app.me(&c).await.is_null());

    // Without JavaScript: a form post that lands on the page asked for.
    let r = app
        .post_html(
            &c,
            "/api/auth/sign_in",
            &[
                ("email", "admin@demo.postclear.test"),
                ("password", DEMO_PASSWORD),
                ("next", "/admin/users"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(r.headers()["location"], "/admin/users");
    // …but never to another site.
    let c2 = app.client();
    let r = app
        .post_html(
            &c2,
            "/api/auth/sign_in",
            &[
                ("email", "admin@demo.postclear.test"),
                ("password", DEMO_PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.headers()["location"], "/home");
});

both_backends!(
    wrong_password_and_unknown_email_get_the_same_answer,
    |app| {
        let c = app.client();
        let wrong = app
            .sign_in(
                &c,
                "merchant@demo.postclear.test",
                "not the password at all",
            )
            .await;
        let unknown = app
            .sign_in(&c, "nobody@demo.postclear.test", "not the password at all")
            .await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.text().await.unwrap(), unknown.text().await.unwrap());
        assert!(app.me(&c).await.is_null());

        // A plain form goes back to sign-in, keeping where the user was going.
        let r = app
            .post_html(
                &c,
                "/api/auth/sign_in",
                &[
                    ("email", "merchant@demo.postclear.test"),
                    ("password", "nope nope nope"),
                    ("next", "/home"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            r.headers()["location"],
            "/sign-in?next=%2Fhome&error=bad_credentials"
        );
    }
);

// ASVS 4.0 5.1.5: `next=/%09/evil.example` decodes to `/\t/evil.example`,
// which browsers follow as `//evil.example` (they drop tabs and newlines).
both_backends!(sign_in_never_redirects_to_another_host, |app| {
    for (i, next) in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "/ /evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
    ]
    .into_iter()
    .enumerate()
    {
        // A wrong password goes back to sign-in without the bad target (an
        // address each, to stay under the per-account throttle)…
        let c = app.client();
        let email = format!("nobody{i}@demo.postclear.test");
        let r = app
            .post_html(
                &c,
                "/api/auth/sign_in",
                &[
                    ("email", email.as_str()),
                    ("password", "nope nope nope"),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(
            r.headers()["location"],
            "/sign-in?error=bad_credentials",
            "{next:?}"
        );
        // …and the right one goes home, not there.
        let c = app.client();
        let r = app
            .post_html(
                &c,
                "/api/auth/sign_in",
                &[
                    ("email", "recipient@demo.postclear.test"),
                    ("password", DEMO_PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert!(r.status().is_redirection(), "{next:?}");
        assert_eq!(r.headers()["location"], "/home", "{next:?}");
    }
    // A path of the portal is still where sign-in leads.
    let c = app.client();
    let r = app
        .post_html(
            &c,
            "/api/auth/sign_in",
            &[
                ("email", "recipient@demo.postclear.test"),
                ("password", DEMO_PASSWORD),
                ("next", "/account?tab=security"),
            ],
        )
        .await;
    assert_eq!(r.headers()["location"], "/account?tab=security");
});

both_backends!(
    failed_sign_ins_throttle_the_account_until_an_admin_unlocks_it,
    |app| {
        let c = app.client();
        let email = "merchant@demo.postclear.test";
        for _ in 0..5 {
            let r = app.sign_in(&c, email, "wrong password here").await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
        // Now even the right password is refused, with a delay to wait.
        let r = app.sign_in(&c, email, DEMO_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: i64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=30).contains(&retry), "retry-after {retry}");
        let body = json(r).await;
        assert_eq!(body["kind"], "throttled");
        assert!(app.me(&c).await.is_null());

        // The count is in the database, so another server process on the same
        // database refuses too: a second client here sees the same lock.
        let r = app.sign_in(&app.client(), email, DEMO_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);

        // The admin sees the lock and lifts it.
        let admin = app.signed_in("admin").await;
        let users = json(app.post(&admin, "/api/admin/users", &[]).await).await;
        let row = users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email)
            .unwrap()
            .clone();
        assert!(row["locked_secs"].as_i64().unwrap() > 0);
        let id = row["id"].as_i64().unwrap().to_string();
        let r = app
            .post(&admin, "/api/admin/users/unlock", &[("user_id", &id)])
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let r = app.sign_in(&c, email, DEMO_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
);

// ASVS 4.0 2.2.1: thirty wrong passwords at once used to be checked before
// the first failure was on record (all 401, none 429). Each is counted
// first now, so exactly the allowed five are checked.
both_backends!(
    a_burst_of_wrong_passwords_is_throttled_like_a_sequence,
    |app| {
        let c = app.client();
        let email = "merchant@demo.postclear.test";
        let statuses = burst(
            &c,
            app.url("/api/auth/sign_in"),
            &[("email", email), ("password", "wrong password here")],
        )
        .await;
        let checked = tally(&statuses, StatusCode::UNAUTHORIZED);
        let waiting = tally(&statuses, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!((checked, waiting), (5, 25), "{statuses:?}");
        // The account waits; a burst does not make it wait longer than five
        // failures would (the throttled attempts are not counted).
        let failures = "select failures from sign_in_failures
                        where subject = 'account:merchant@demo.postclear.test'";
        assert_eq!(app.count(failures).await, 5);
    }
);

both_backends!(
    failed_sign_ins_throttle_the_client_address,
    config = |c| { c.address_max_failures = 3 },
    |app| {
        let c = app.client();
        for i in 0..3 {
            let r = app
                .sign_in(&c, &format!("guess{i}@example.com"), "wrong password here")
                .await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
        let r = app
            .sign_in(&c, "merchant@demo.postclear.test", DEMO_PASSWORD)
            .await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    }
);

// Behind a proxy the client is the hop the proxy appended (the rightmost):
// a client that forges the hops to its left gets no fresh address, and no
// fresh throttle, per request.
both_backends!(
    a_forged_forwarded_for_does_not_escape_the_address_throttle,
    config = |c| {
        c.address_max_failures = 3;
        c.trust_proxy = true;
    },
    |app| {
        let c = app.client();
        let attempt = |i: usize, email: String, password: &'static str| {
            c.post(app.url("/api/auth/sign_in"))
                .header("x-forwarded-for", format!("198.51.100.{i}, 203.0.113.7"))
                .form(&[("email", email.as_str()), ("password", password)])
                .send()
        };
        for i in 0..3 {
            let r = attempt(i, format!("guess{i}@example.com"), "wrong password here")
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
        let r = attempt(9, "merchant@demo.postclear.test".into(), DEMO_PASSWORD)
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        // Another client behind the same proxy is not held up.
        let r = c
            .post(app.url("/api/auth/sign_in"))
            .header("x-forwarded-for", "203.0.113.8")
            .form(&[
                ("email", "merchant@demo.postclear.test"),
                ("password", DEMO_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
);

both_backends!(
    sign_in_gives_a_new_session_id_and_the_old_one_stops_working,
    |app| {
        let c = app.client();
        let first = app
            .sign_in(&c, "recipient@demo.postclear.test", DEMO_PASSWORD)
            .await;
        let old = session_cookie(&first);
        let second = app
            .sign_in(&c, "recipient@demo.postclear.test", DEMO_PASSWORD)
            .await;
        let new = session_cookie(&second);
        assert_ne!(old, new);
        assert_eq!(app.me(&c).await["role"], "recipient");

        // Someone holding the old id gets nothing.
        let stolen = reqwest::Client::new();
        let r = stolen
            .post(app.url("/api/auth/me"))
            .header("cookie", format!("postclear_session={old}"))
            .send()
            .await
            .unwrap();
        assert_eq!(json(r).await, Value::Null);
    }
);

fn session_cookie(r: &reqwest::Response) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("postclear_session="))
        .and_then(|v| v.split(';').next())
        .expect("session cookie")
        .to_owned()
}

both_backends!(a_disabled_account_loses_access_at_once, |app| {
    let merchant = app.signed_in("merchant").await;
    let admin = app.signed_in("admin").await;
    let users = json(
        app.post(&admin, "/api/admin/users", &[("role", "merchant")])
            .await,
    )
    .await;
    let id = users[0]["id"].as_i64().unwrap().to_string();

    let r = app
        .post(
            &admin,
            "/api/admin/users/set_disabled",
            &[("user_id", &id), ("disabled", "true")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(app.me(&merchant).await.is_null(), "the open session ends");
    let r = app
        .sign_in(&app.client(), "merchant@demo.postclear.test", DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(r).await["kind"], "account_disabled");

    // An admin cannot lock themselves out.
    let me = app.me(&admin).await["id"].as_i64().unwrap().to_string();
    let r = app
        .post(
            &admin,
            "/api/admin/users/set_disabled",
            &[("user_id", &me), ("disabled", "true")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    let r = app
        .post(
            &admin,
            "/api/admin/users/set_disabled",
            &[("user_id", &id), ("disabled", "false")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .sign_in(&app.client(), "merchant@demo.postclear.test", DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
});

both_backends!(
    staff_sessions_expire_after_inactivity_and_public_ones_last,
    config = |c| { c.staff_session_idle_secs = 2 },
    |app| {
        let clerk = app.client();
        let r = app
            .sign_in(&clerk, "clerk@demo.postclear.test", DEMO_PASSWORD)
            .await;
        let id = session_cookie(&r);
        let merchant = app.signed_in("merchant").await;
        // The server, not just the browser, decides: the id is sent by hand.
        let raw = reqwest::Client::new();
        let me = |raw: reqwest::Client, id: String| {
            let url = app.url("/api/auth/me");
            async move {
                let r = raw
                    .post(url)
                    .header("cookie", format!("postclear_session={id}"))
                    .send()
                    .await
                    .unwrap();
                json(r).await
            }
        };
        assert_eq!(me(raw.clone(), id.clone()).await["role"], "postal_clerk");
        // Activity keeps the session alive…
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        assert_eq!(me(raw.clone(), id.clone()).await["role"], "postal_clerk");
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        assert_eq!(me(raw.clone(), id.clone()).await["role"], "postal_clerk");
        // …inactivity ends it.
        tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
        assert!(me(raw.clone(), id.clone()).await.is_null());
        assert_eq!(app.me(&merchant).await["role"], "merchant");
    }
);

both_backends!(a_cross_origin_post_is_refused_and_changes_nothing, |app| {
    let c = app.client();
    let r = c
        .post(app.url("/api/auth/sign_in"))
        .header("origin", "http://evil.example")
        .form(&[
            ("email", "admin@demo.postclear.test"),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(app.me(&c).await.is_null());

    // A signed-in admin tricked by another site changes nothing either.
    let admin = app.signed_in("admin").await;
    let before = app::db::orgs::list_orgs(&app.db, None).await.unwrap().len();
    let r = admin
        .post(app.url("/api/admin/organisations/create"))
        .header("sec-fetch-site", "cross-site")
        .form(&[
            ("kind", "post"),
            ("name", "Poste Italiane"),
            ("country_code", "IT"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app::db::orgs::list_orgs(&app.db, None).await.unwrap().len(),
        before
    );

    // The same request from the portal itself works.
    let r = admin
        .post(app.url("/api/admin/organisations/create"))
        .header("origin", &app.base)
        .form(&[
            ("kind", "post"),
            ("name", "Poste Italiane"),
            ("country_code", "IT"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
});

both_backends!(
    cookies_are_secure_when_served_over_https,
    config = |c| { c.secure_cookies = true },
    |app| {
        let r = app
            .sign_in(&app.client(), "merchant@demo.postclear.test", DEMO_PASSWORD)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("postclear_session="))
            .expect("session cookie")
            .to_owned();
        assert!(cookie.contains("Secure"), "{cookie}");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
    }
);

// ASVS 4.0 3.3.3: a session ends a fixed time after sign-in, however busy.
both_backends!(
    a_session_ends_at_its_absolute_lifetime_even_when_active,
    config = |c| {
        c.session_absolute_secs = 6;
    },
    |app| {
        use std::time::{Duration, Instant};
        let before = Instant::now();
        let c = app.signed_in("recipient").await;
        // Busy all along (a request every half second; the idle time is
        // never reached), well inside the lifetime…
        while before.elapsed() < Duration::from_secs(3) {
            assert_eq!(app.me(&c).await["role"], "recipient");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        // …and still busy past it.
        while before.elapsed() < Duration::from_millis(6_500) {
            let _ = app.me(&c).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        assert!(app.me(&c).await.is_null());
    }
);

// ASVS 4.0 3.2.1: signing in starts an empty session, not only a new id: a
// second step left waiting by another account must not carry over.
both_backends!(
    sign_in_starts_an_empty_session,
    config = |c| {
        c.staff_two_factor = true;
        c.demo_two_factor = true;
    },
    |app| {
        let c = admin_waiting_for_code(&app).await;
        let r = app
            .sign_in(&c, "recipient@demo.postclear.test", DEMO_PASSWORD)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        // The admin's waiting step is gone with the old session.
        let r = app
            .post(&c, "/api/auth/code", &[("code", &demo_code_now())])
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(app.me(&c).await["role"], "recipient");
    }
);

both_backends!(
    sign_out_everywhere_ends_every_session_of_the_account,
    |app| {
        let phone = app.signed_in("merchant").await;
        let laptop = app.signed_in("merchant").await;
        let someone_else = app.signed_in("recipient").await;
        let r = app
            .post_html(&laptop, "/api/account/sign_out_everywhere", &[])
            .await;
        assert!(r.status().is_redirection());
        assert_eq!(r.headers()["location"], "/sign-in?signed_out=everywhere");
        assert!(app.me(&phone).await.is_null());
        assert!(app.me(&laptop).await.is_null());
        assert_eq!(app.me(&someone_else).await["role"], "recipient");
        // Signing in again works; nobody signed in has nothing to sign out.
        let again = app.signed_in("merchant").await;
        assert_eq!(app.me(&again).await["role"], "merchant");
        let r = app
            .post(&app.client(), "/api/account/sign_out_everywhere", &[])
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
);
