//! Admin settings behind declarations: routes and S10 ranges, on both databases.

use crate::common::*;
use reqwest::StatusCode;

both_backends!(admins_route_destinations_to_offices_of_exchange, |app| {
    let admin = app.signed_in("admin").await;
    let coventry = app
        .count("select id from offices where code = 'GBCVTA'")
        .await
        .to_string();
    let roissy = app
        .count("select id from offices where code = 'FRCDGA'")
        .await
        .to_string();
    let r = app
        .post(
            &admin,
            "/api/admin/routes/create",
            &[
                ("country_code", "gb"),
                ("postcode_prefix", "bt"),
                ("office_id", &coventry),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let r = app
        .post(
            &admin,
            "/api/admin/routes/create",
            &[
                ("country_code", "GB"),
                ("postcode_prefix", "BT"),
                ("office_id", &coventry),
            ],
        )
        .await;
    assert!(r.text().await.unwrap().contains("route_exists"));
    let r = app
        .post(
            &admin,
            "/api/admin/routes/create",
            &[
                ("country_code", "GB"),
                ("postcode_prefix", "ZE"),
                ("office_id", &roissy),
            ],
        )
        .await;
    assert!(r.text().await.unwrap().contains("office_not_in_country"));
    let r = app
        .post(
            &admin,
            "/api/admin/routes/create",
            &[("country_code", "XX"), ("office_id", &coventry)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let routing = json(app.post(&admin, "/api/admin/routing", &[]).await).await;
    let bt = routing["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["postcode_prefix"] == "BT")
        .unwrap()
        .clone();
    assert_eq!(bt["country_code"], "GB");
    let r = app
        .post(
            &admin,
            "/api/admin/routes/delete",
            &[("route_id", &bt["id"].to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.count("select count(*) from audit_log where entity = 'route'")
            .await,
        2
    );
    let clerk = app.signed_in("postal_clerk").await;
    assert_eq!(
        app.post(&clerk, "/api/admin/routing", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    let page = app.get_page(&admin, "/admin/routing").await;
    assert_eq!(page.status(), StatusCode::OK);
});

both_backends!(
    admins_assign_s10_ranges_to_posts_and_their_merchants,
    |app| {
        let admin = app.signed_in("admin").await;
        let post = app
            .count("select id from organisations where kind = 'post' and country_code = 'FR'")
            .await
            .to_string();
        let company = app
            .count("select id from organisations where kind = 'company'")
            .await
            .to_string();
        let create = |company: Option<&str>, service: &str, first: &str, last: &str| {
            let mut f = vec![
                ("post_id", post.clone()),
                ("service", service.to_owned()),
                ("first_serial", first.to_owned()),
                ("last_serial", last.to_owned()),
            ];
            if let Some(c) = company {
                f.push(("company_id", c.to_owned()));
            }
            let (app, admin) = (&app, admin.clone());
            async move {
                let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let r = app.post(&admin, "/api/admin/ranges/create", &pairs).await;
                (r.status(), r.text().await.unwrap())
            }
        };
        // Overlaps the demo post's range.
        let (s, body) = create(None, "LX", "19000000", "21000000").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("range_overlaps"));
        let (s, _) = create(None, "LX", "20000000", "20999999").await;
        assert_eq!(s, StatusCode::OK);
        // A merchant's share lies inside a post range and overlaps no other share.
        let (s, body) = create(Some(&company), "LX", "30000000", "30000999").await;
        assert!(body.contains("range_outside_post"), "{s} {body}");
        let (s, body) = create(Some(&company), "LX", "10500000", "10600000").await;
        assert!(body.contains("range_overlaps"), "{s} {body}");
        let (s, _) = create(Some(&company), "LX", "20000000", "20000999").await;
        assert_eq!(s, StatusCode::OK);
        let (_, body) = create(None, "ZZ", "1", "2").await;
        assert!(body.contains("item_id_service"));
        let (_, body) = create(None, "CP", "9", "1").await;
        assert!(body.contains("range_reversed"));
        let (_, body) = create(None, "CP", "x", "100000000").await;
        assert!(body.contains("serial_invalid"));
        assert_eq!(app.count("select count(*) from s10_ranges").await, 4);
        assert_eq!(
            app.count("select count(*) from audit_log where action = 's10_range.create'")
                .await,
            2
        );
        let routing = json(app.post(&admin, "/api/admin/routing", &[]).await).await;
        assert_eq!(routing["ranges"].as_array().unwrap().len(), 4);
    }
);
