//! Pages over HTTP: rendering, headers, languages, errors and start-up rules.

use crate::common::*;
use reqwest::StatusCode;

/// The nonce of a page's Content-Security-Policy.
fn nonce_of(csp: &str) -> String {
    csp.split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("nonce in CSP")
        .to_owned()
}

/// Every script with content carries this response's nonce (the i18n crate
/// leaves an empty `<script></script>` placeholder, which runs nothing), and
/// the page loads the browser bundle (the islands' loader) or not.
fn assert_scripts(html: &str, nonce: &str, bundle: bool) {
    let with_nonce = format!("<script nonce=\"{nonce}\">");
    let hydration = format!("<script type=\"module\" nonce=\"{nonce}\">");
    assert_eq!(
        html.contains(&hydration),
        bundle,
        "the loader, with the nonce"
    );
    assert_eq!(html.contains(".wasm"), bundle, "the wasm preload");
    for (i, _) in html.match_indices("<script") {
        let tag = &html[i..];
        assert!(
            tag.starts_with(&with_nonce)
                || tag.starts_with(&hydration)
                || tag.starts_with("<script></script>"),
            "script without the nonce: {}",
            &tag[..tag.len().min(120)]
        );
    }
}

both_backends!(pages_render_with_security_headers_and_a_nonce, |app| {
    let c = app.client();
    let r = app.get_page(&c, "/").await;
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers().clone();
    let csp = h["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
    let nonce = nonce_of(&csp);
    assert!(nonce.len() >= 16);
    let html = r.text().await.unwrap();
    // The landing page has nothing interactive: no browser bundle at all.
    assert_scripts(&html, &nonce, false);
    // The declaration form checks as it is typed: it loads the bundle.
    let merchant = app.signed_in("merchant").await;
    let form = app.get_page(&merchant, "/declarations/new").await;
    let form_nonce = nonce_of(form.headers()["content-security-policy"].to_str().unwrap());
    let form_html = form.text().await.unwrap();
    assert!(
        form_html.contains("<leptos-island"),
        "the live checks island"
    );
    assert_scripts(&form_html, &form_nonce, true);
    assert!(
        html.contains("id=\"item_id\""),
        "tracking box on the landing page"
    );

    // A second page gets a different nonce.
    let r2 = app.get_page(&c, "/").await;
    assert_ne!(
        r2.headers()["content-security-policy"].to_str().unwrap(),
        csp
    );

    let r = app.get_page(&c, "/healthz").await;
    assert_eq!(r.status(), StatusCode::OK);
    let body = json(r).await;
    assert_eq!(body["status"], "ok");
});

both_backends!(
    unknown_pages_are_404_and_the_language_follows_browser_then_choice,
    |app| {
        let c = app.client();
        let r = app.get_page(&c, "/no/such/page").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(r.text().await.unwrap().contains("Page not found"));

        // The browser's language…
        let r = c
            .get(app.url("/"))
            .header("accept-language", "fr-FR,fr;q=0.9,en;q=0.5")
            .send()
            .await
            .unwrap();
        let html = r.text().await.unwrap();
        assert!(
            html.contains("Dédouanez votre colis"),
            "French from Accept-Language"
        );
        assert!(html.contains("lang=\"fr\""));

        // …unless the visitor chose one.
        let r = app
            .post_html(
                &c,
                "/api/prefs/language",
                &[("language", "en"), ("next", "/sign-in")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FOUND);
        assert_eq!(r.headers()["location"], "/sign-in");
        let r = c
            .get(app.url("/"))
            .header("accept-language", "fr-FR")
            .send()
            .await
            .unwrap();
        assert!(r
            .text()
            .await
            .unwrap()
            .contains("Clear your parcel through customs"));

        // A bad language is refused and changes nothing.
        let r = app
            .post(&c, "/api/prefs/language", &[("language", "xx")])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
);

both_backends!(the_account_language_wins_at_sign_in, |app| {
    let c = app.signed_in("customs_officer").await;
    let r = app
        .post(&c, "/api/prefs/language", &[("language", "fr")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.me(&c).await["language"], "fr");

    // Another browser, English by default, signs in: French from the account.
    let other = app.client();
    let r = app
        .sign_in(&other, "officer@demo.postclear.test", DEMO_PASSWORD)
        .await;
    let cookies: Vec<_> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("i18n_pref_locale=fr")),
        "{cookies:?}"
    );
    let html = app.get_page(&other, "/home").await.text().await.unwrap();
    assert!(
        html.contains("File de travail douanière"),
        "French dashboard"
    );
});

both_backends!(each_role_lands_on_its_own_dashboard, |app| {
    for (role, title) in [
        ("merchant", "Merchant dashboard"),
        ("recipient", "Your parcels"),
        ("postal_clerk", "Postal office dashboard"),
        ("customs_officer", "Customs work queue"),
        ("customs_supervisor", "Customs supervision"),
        ("admin", "Administration"),
    ] {
        let c = app.signed_in(role).await;
        let html = app.get_page(&c, "/home").await.text().await.unwrap();
        assert!(html.contains(&format!("data-role=\"{role}\"")), "{role}");
        assert!(html.contains(title), "{role}: {title}");
    }
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_refuses_demo_accounts_and_never_loads_them() {
    // A development start loads the demo accounts…
    let Some(dev) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    assert_eq!(app::db::users::count_demo_users(&dev.db).await.unwrap(), 6);
    let url = match &dev.db {
        app::db::Db::Sqlite(p) => {
            format!("sqlite://{}", p.connect_options().get_filename().display())
        }
        _ => unreachable!(),
    };
    let conf = server::leptos_options_from_env().unwrap();
    // …so production refuses that database…
    let mut cfg = app::config::Config::for_tests(&url);
    cfg.app_env = app::config::AppEnv::Production;
    let err = server::prepare(cfg, conf.clone())
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("demo account"), "{err}");
    // …and on an empty database loads nothing.
    let empty =
        std::env::temp_dir().join(format!("postclear-tests/prod_{}.db", std::process::id()));
    let _ = std::fs::remove_file(&empty);
    let mut cfg = app::config::Config::for_tests(&format!("sqlite://{}", empty.display()));
    cfg.app_env = app::config::AppEnv::Production;
    let state = server::prepare(cfg, conf).await.expect("starts");
    assert_eq!(app::db::users::count_users(&state.db).await.unwrap(), 0);
}

both_backends!(many_concurrent_page_loads_all_complete, |app| {
    // Pages await their data on the server (SsrMode::Async); under load every
    // one of them must still finish (a hang here once came from several
    // suspense boundaries awaiting one shared resource).
    let admin = app.signed_in("admin").await;
    let clerk = app.signed_in("postal_clerk").await;
    let mut tasks = Vec::new();
    for i in 0..60 {
        let (c, path) = match i % 4 {
            0 => (admin.clone(), "/admin/users"),
            1 => (admin.clone(), "/admin/organisations/1"),
            2 => (clerk.clone(), "/home"),
            _ => (admin.clone(), "/admin/users/new"),
        };
        let url = app.url(path);
        tasks.push(tokio::spawn(async move {
            let r = c
                .get(url)
                .header("accept", "text/html")
                .send()
                .await
                .expect("page answers");
            (r.status(), r.text().await.unwrap().len())
        }));
    }
    for t in tasks {
        let (status, len) = t.await.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert!(len > 1000);
    }
});

// ASVS 4.0 8.2.1: what a signed-in person sees, and every answer of the
// API, is never kept by the browser or a proxy (a shared computer's back
// button shows nothing); HSTS once the portal is reached over https.
both_backends!(signed_in_pages_and_api_answers_are_not_stored, |app| {
    let m = app.signed_in("merchant").await;
    for path in ["/declarations", "/home", "/company"] {
        let r = app.get_page(&m, path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
    }
    let r = app.post(&m, "/api/auth/me", &[]).await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    let r = app
        .client()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    // Served over http (the tests): no HSTS, which would lock browsers out.
    assert!(r.headers().get("strict-transport-security").is_none());
});

both_backends!(
    over_https_browsers_are_told_to_use_nothing_else,
    config = |c| {
        c.public_url = "https://postclear.example".into();
    },
    |app| {
        let r = app.get_page(&app.client(), "/").await;
        assert_eq!(
            r.headers()["strict-transport-security"],
            "max-age=31536000; includeSubDomains"
        );
    }
);
