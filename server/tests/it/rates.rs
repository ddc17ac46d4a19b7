//! Admins keep the regime data, on both databases: a row changed or added
//! with validity dates (the row it follows ends), refused when it overlaps
//! or is wrong (nothing changes), deleted; whole tables exported and
//! imported as CSV; every change audited and used by the next assessment.
//! China's annual cross-border limit is counted per recipient.

use crate::common::*;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn declaration(to: &str, addressee: (&str, &str, &str), value: &str) -> Value {
    let (name, postcode, tax_ref) = addressee;
    json!({
        "reference": "ORDER-9",
        "sender": {"name": "Maison Lumière SARL", "address1": "12 rue des Lilas", "city": "Lyon", "postcode": "69001", "country": "FR"},
        "addressee": {"name": name, "address1": "1 Main Street", "city": "Shanghai", "postcode": postcode, "country": to, "tax_ref": tax_ref},
        "category": "sale_of_goods",
        "currency": "EUR",
        "gross_weight_kg": "0.8",
        "incoterm": "DAP",
        "non_delivery": "return",
        "lines": [
            {"description": "Cotton T-shirt", "quantity": "1", "net_weight_kg": "0.5", "value": value, "hs_code": "610910", "origin": "CN"}
        ]
    })
}

/// A route for parcels to `country` (the demo posts deliver to four
/// countries only), through the first office.
async fn route_to(app: &TestApp, country: &str) {
    app.exec(&format!(
        "insert into routes (country_code, postcode_prefix, office_id, created_at)
         select '{country}', '', min(id), '2026-01-01T00:00:00Z' from offices"
    ))
    .await
    .unwrap();
}

/// Every merchant company says it sells through a registered cross-border
/// e-commerce platform: its parcels to China are cross-border retail.
async fn on_cross_border_platform(app: &TestApp) {
    app.exec(
        "insert into company_profiles (organisation_id, sender_json, default_origin,
                                       default_currency, cross_border_platform, updated_at)
         select id, '{}', '', 'EUR', true, '2026-01-01T00:00:00Z' from organisations
         where kind = 'company'
         on conflict (organisation_id) do update set cross_border_platform = true",
    )
    .await
    .unwrap();
}

/// The rows of a table matching `q`.
async fn rows(app: &TestApp, c: &reqwest::Client, table: &str, q: &str) -> Vec<Value> {
    let r = app
        .post(c, "/api/rates/list", &[("table", table), ("q", q)])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    json(r).await["rows"].as_array().unwrap().clone()
}

fn cell(row: &Value, i: usize) -> &str {
    row["cells"][i].as_str().unwrap()
}

both_backends!(
    an_admin_changes_the_tariff_and_the_next_assessment_uses_it,
    |app| {
        let admin = app.signed_in("admin").await;
        // Only admins: a merchant is refused, nobody signed in is asked to.
        let m = app.signed_in("merchant").await;
        let r = app
            .post(&m, "/api/rates/list", &[("table", "tariff")])
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = app
            .post(&app.client(), "/api/rates/list", &[("table", "tariff")])
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let r = app
            .post(&admin, "/api/rates/list", &[("table", "users")])
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        // The seeded EU line of cotton T-shirts: 12 %, since 2010, in force.
        let found = rows(&app, &admin, "tariff", "EU 610910").await;
        assert_eq!(found.len(), 1, "{found:?}");
        let old = &found[0];
        assert_eq!(
            (cell(old, 3), cell(old, 8), cell(old, 9)),
            ("12", "2010-01-01", "")
        );
        assert_eq!(old["state"], "current");
        let old_id = old["id"].as_i64().unwrap();

        let audits = app.count("select count(*) from audit_log").await;
        let lines = app.count("select count(*) from tariff_lines").await;
        let version = app
            .count("select version from data_versions where name = 'regimes'")
            .await;
        // Wrong input: every problem named, nothing changes.
        let r = app
            .post(
                &admin,
                "/api/rates/save",
                &[
                    ("table", "tariff"),
                    ("row[territory]", "EU"),
                    ("row[hs_prefix]", "61x"),
                    ("row[ad_valorem_percent]", "twelve"),
                    ("row[valid_from]", "2026-01-01"),
                    ("row[valid_to]", "2025-01-01"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let text = r.text().await.unwrap();
        for f in ["row.hs_prefix", "row.ad_valorem_percent", "row.valid_to"] {
            assert!(text.contains(f), "{f}: {text}");
        }
        assert_eq!(app.count("select count(*) from audit_log").await, audits);
        assert_eq!(app.count("select count(*) from tariff_lines").await, lines);

        // A new rate from 1 January 2026 ends the old line on that day.
        let r = app
            .post(
                &admin,
                "/api/rates/save",
                &[
                    ("table", "tariff"),
                    ("row[territory]", "EU"),
                    ("row[hs_prefix]", "6109.10"),
                    ("row[description]", "Cotton T-shirts (test rate)"),
                    ("row[ad_valorem_percent]", "20"),
                    ("row[valid_from]", "2026-01-01"),
                    ("row[source]", "test"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let new_id = json(r).await.as_i64().unwrap();
        let found = rows(&app, &admin, "tariff", "EU 610910").await;
        assert_eq!(found.len(), 2);
        let ended = found.iter().find(|r| r["id"] == old_id).unwrap();
        assert_eq!(
            (cell(ended, 9), ended["state"].as_str()),
            ("2026-01-01", Some("past"))
        );
        let added = found.iter().find(|r| r["id"] == new_id).unwrap();
        assert_eq!((cell(added, 3), cell(added, 10)), ("20", "test"));
        assert_eq!(
            app.count(
                "select count(*) from audit_log where action in ('rates.tariff.create', 'rates.tariff.end')"
            )
            .await,
            2
        );
        assert!(
            app.count("select version from data_versions where name = 'regimes'")
                .await
                > version
        );

        // The next assessment uses it: EUR 200.00 of T-shirts into France,
        // duty 20 % = EUR 40.00 and VAT 20 % of EUR 240.00 = EUR 48.00.
        let key = merchant_api_key(&app).await;
        let p = submit_declaration(
            &app,
            &key,
            &declaration("FR", ("Jeanne Martin", "75001", ""), "200.00"),
        )
        .await;
        assert_eq!(
            app.count(&format!(
                "select total_minor from assessments where current and parcel_id = {p}"
            ))
            .await,
            4_000 + 4_800
        );

        // A period that overlaps another is refused, naming the other's start.
        let r = app
            .post(
                &admin,
                "/api/rates/save",
                &[
                    ("table", "tariff"),
                    ("row[territory]", "EU"),
                    ("row[hs_prefix]", "610910"),
                    ("row[ad_valorem_percent]", "5"),
                    ("row[valid_from]", "2025-06-01"),
                    ("row[valid_to]", "2026-06-01"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let text = r.text().await.unwrap();
        assert!(text.contains("rate_period_overlaps:2026-01-01"), "{text}");
        // So is a second row with the same key and start.
        let r = app
            .post(
                &admin,
                "/api/rates/save",
                &[
                    ("table", "tariff"),
                    ("row[territory]", "EU"),
                    ("row[hs_prefix]", "610910"),
                    ("row[ad_valorem_percent]", "5"),
                    ("row[valid_from]", "2026-01-01"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("rate_row_taken"));
        assert_eq!(
            app.count("select count(*) from tariff_lines").await,
            lines + 1
        );

        // A plain form sent back keeps the row's page and names the problem.
        let r = app
            .post_html(
                &admin,
                "/api/rates/save",
                &[
                    ("table", "tariff"),
                    ("row_id", &new_id.to_string()),
                    ("row[territory]", "EU"),
                    ("row[hs_prefix]", "610910"),
                    ("row[ad_valorem_percent]", "-3"),
                    ("row[valid_from]", "2026-01-01"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let to = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(
            to.starts_with(&format!(
                "/admin/rates/tariff/{new_id}?error=row.ad_valorem_percent."
            )),
            "{to}"
        );
        let page = app.get_page(&admin, &to).await.text().await.unwrap();
        assert!(page.contains("value=\"-3\""), "the typed value is kept");

        // Changing the row: audited with before and after.
        let r = app
            .post(
                &admin,
                "/api/rates/save",
                &[
                    ("table", "tariff"),
                    ("row_id", &new_id.to_string()),
                    ("row[territory]", "EU"),
                    ("row[hs_prefix]", "610910"),
                    ("row[ad_valorem_percent]", "16.5"),
                    ("row[valid_from]", "2026-01-01"),
                    ("row[source]", "test"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        assert_eq!(
            app.count(&format!(
                "select ad_valorem_ppm from tariff_lines where id = {new_id}"
            ))
            .await,
            165_000
        );
        assert_eq!(
            app.count(
                "select count(*) from audit_log where action = 'rates.tariff.update' and before_json like '%\"20\"%' and after_json like '%16.5%'"
            )
            .await,
            1
        );

        // Deleting: gone, audited; an unknown row is not found.
        let r = app
            .post(
                &admin,
                "/api/rates/delete",
                &[("table", "tariff"), ("row_id", &new_id.to_string())],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(app.count("select count(*) from tariff_lines").await, lines);
        assert_eq!(
            app.count("select count(*) from audit_log where action = 'rates.tariff.delete'")
                .await,
            1
        );
        let r = app
            .post(
                &admin,
                "/api/rates/delete",
                &[("table", "tariff"), ("row_id", &new_id.to_string())],
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        // A regime that assessed parcels stays.
        let eu = rows(&app, &admin, "regimes", "EU-2026").await;
        let r = app
            .post(
                &admin,
                "/api/rates/delete",
                &[("table", "regimes"), ("row_id", &eu[0]["id"].to_string())],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("regime_in_use"));

        // The pages: the overview, a table, a row's form, the import.
        for path in [
            "/admin/rates".to_owned(),
            "/admin/rates/tariff?q=610910".to_owned(),
            format!("/admin/rates/tariff/{old_id}"),
            "/admin/rates/regimes/new".to_owned(),
            "/admin/rates/sdr/import".to_owned(),
        ] {
            let r = app.get_page(&admin, &path).await;
            assert_eq!(r.status(), StatusCode::OK, "{path}");
        }
        let page = app
            .get_page(&admin, "/admin/rates/tariff?q=610910")
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("Cotton T-shirts, knitted"), "{page}");
        let r = app.get_page(&m, "/admin/rates").await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
);

fn csv_form(text: &str) -> Form {
    Form::new().part(
        "file",
        Part::bytes(text.as_bytes().to_vec())
            .file_name("rates.csv")
            .mime_str("text/csv")
            .unwrap(),
    )
}

both_backends!(an_admin_exports_and_imports_a_table_all_or_nothing, |app| {
    let admin = app.signed_in("admin").await;
    let r = admin
        .get(app.url("/admin/rates/vat/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("vat.csv"));
    let exported = r.text().await.unwrap();
    let stored = app.count("select count(*) from vat_rates").await;
    assert_eq!(exported.lines().count() as i64, stored + 1);
    assert!(exported.starts_with(
            "country,hs_prefix,vat_percent,consumption_percent,postal_article_percent,high_end_from,high_end_unit,high_end_consumption_percent,high_end_postal_percent,valid_from,valid_to,source"
        ));
    assert!(exported.contains("FR,,20,0,0,,,,,2014-01-01,,ibericode/vat-rates"));
    assert!(exported.contains("CN,3304,13,0,20,10000.00,kg_net,15,50,2019-04-01,,"));

    // The exported file imported as it is replaces every row by itself.
    let r = admin
        .post(app.url("/admin/rates/vat/upload"))
        .multipart(csv_form(&exported))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (
            v["added"].as_i64(),
            v["replaced"].as_i64(),
            v["ended"].as_i64()
        ),
        (Some(0), Some(stored), Some(0))
    );

    // A bad file: every problem by row and column; nothing changes.
    let audits = app.count("select count(*) from audit_log").await;
    let bad = "country,hs_prefix,vat_percent,valid_from,valid_to,source\n\
                   FR,,21,2027-01-01,,ok\n\
                   XX,,20,2027-01-01,,\n\
                   DE,,nineteen,2027-01-01,,\n\
                   FR,,22,2027-01-01,,twice\n";
    let r = admin
        .post(app.url("/admin/rates/vat/upload"))
        .multipart(csv_form(bad))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    let problems: Vec<(i64, String, String)> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_i64().unwrap(),
                p["column"].as_str().unwrap().to_owned(),
                p["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        vec![
            (3, "country".to_owned(), "country_invalid".to_owned()),
            (4, "vat_percent".to_owned(), "rate_invalid".to_owned()),
        ]
    );
    // The same key twice in one file.
    let twice = "country,hs_prefix,vat_percent,valid_from\nFR,,21,2027-01-01\nFR,,22,2027-01-01\n";
    let r = admin
        .post(app.url("/admin/rates/vat/upload"))
        .multipart(csv_form(twice))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("rate_row_twice:2"));
    assert_eq!(app.count("select count(*) from vat_rates").await, stored);
    assert_eq!(app.count("select count(*) from audit_log").await, audits);

    // A plain form goes back to the import page with the problems.
    let r = admin
        .post(app.url("/admin/rates/vat/upload"))
        .header("accept", "text/html")
        .header("origin", app.url(""))
        .multipart(csv_form(bad))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to.starts_with("/admin/rates/vat/import?problems=3%3Acountry"),
        "{to}"
    );
    let page = app.get_page(&admin, &to).await.text().await.unwrap();
    assert!(page.contains("import-problems"), "{page}");

    // A good file: France from 2027 at 21 % ends the 2014 rate; Germany's
    // row is replaced (same key and start).
    let good = "country,hs_prefix,vat_percent,valid_from,valid_to,source\n\
                    FR,,21,2027-01-01,,budget law (test)\n\
                    \n\
                    DE,,19,2021-01-01,,checked (test)\n";
    let r = admin
        .post(app.url("/admin/rates/vat/upload"))
        .multipart(csv_form(good))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (
            v["added"].as_i64(),
            v["replaced"].as_i64(),
            v["ended"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(
        app.count("select count(*) from vat_rates").await,
        stored + 1
    );
    assert_eq!(
        app.count(
            "select count(*) from vat_rates where country = 'DE' and source = 'checked (test)'"
        )
        .await,
        1
    );
    let fr = rows(&app, &admin, "vat", "FR").await;
    let ends: Vec<(&str, &str, &str)> = fr
        .iter()
        .filter(|r| cell(r, 1).is_empty())
        .map(|r| (cell(r, 2), cell(r, 9), cell(r, 10)))
        .collect();
    assert_eq!(
        ends,
        vec![("20", "2014-01-01", "2027-01-01"), ("21", "2027-01-01", "")]
    );
    assert_eq!(
            app.count("select count(*) from audit_log where action = 'rates.vat.import' and after_json like '%rates.csv%'")
                .await,
            2
        );

    // SDR rates are kept the same way.
    let r = admin
        .post(app.url("/admin/rates/sdr/upload"))
        .multipart(csv_form(
            "currency,valid_from,units_per_sdr,source\nEUR,2026-06-01,1.2125,IMF (test)\n",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert_eq!(
            app.count("select units_per_sdr_micro from sdr_rates where currency = 'EUR' and source = 'IMF (test)'")
                .await,
            1_212_500
        );

    // Only admins import.
    let m = app.signed_in("merchant").await;
    let r = m
        .post(app.url("/admin/rates/vat/upload"))
        .multipart(csv_form(good))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = m
        .get(app.url("/admin/rates/vat/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
});

both_backends!(
    china_counts_each_recipients_cross_border_purchases_over_the_year,
    |app| {
        // A route to China (the demo posts do not deliver there).
        route_to(&app, "CN").await;
        on_cross_border_platform(&app).await;
        let key = merchant_api_key(&app).await;
        let notes = |id: i64| {
            let app = &app;
            async move {
                let cbec = app
                    .count(&format!(
                        "select count(*) from assessments where current and parcel_id = {id} and detail like '%\"cbec\"%'"
                    ))
                    .await;
                let over = app
                    .count(&format!(
                        "select count(*) from assessments where current and parcel_id = {id} and detail like '%cbec_over_annual%'"
                    ))
                    .await;
                (cbec, over)
            }
        };
        // EUR 600.00 = CNY 4,680.00: within the CNY 5,000 per order. Five
        // make CNY 23,400.00, within the CNY 26,000 a year; the sixth is over.
        let li = ("Li Wei", "200000", "310101199001011234");
        let mut parcels = Vec::new();
        for _ in 0..5 {
            let p = submit_declaration(&app, &key, &declaration("CN", li, "600.00")).await;
            assert_eq!(notes(p).await, (1, 0));
            parcels.push(p);
        }
        let sixth = submit_declaration(&app, &key, &declaration("CN", li, "600.00")).await;
        assert_eq!(notes(sixth).await, (0, 1));
        assert_eq!(
            app.count(&format!(
                "select annual_minor from assessments where current and parcel_id = {}",
                parcels[0]
            ))
            .await,
            468_000
        );
        assert_eq!(
            app.count(&format!(
                "select annual_minor from assessments where current and parcel_id = {sixth}"
            ))
            .await,
            0
        );
        // The same person with the id written differently counts the same.
        let spaced = ("LI WEI", "200000", "3101 0119 9001 0112 34");
        // EUR 400.00 = CNY 3,120.00 more would make CNY 26,520.00.
        let p = submit_declaration(&app, &key, &declaration("CN", spaced, "400.00")).await;
        assert_eq!(notes(p).await, (0, 1));
        // Someone else has their own limit; without an id, name and postcode.
        let wang = ("Wang Fang", "100000", "");
        let p = submit_declaration(&app, &key, &declaration("CN", wang, "600.00")).await;
        assert_eq!(notes(p).await, (1, 0));
        // Reassessing a parcel does not count the parcel twice.
        let first = parcels[0];
        let version = app
            .count(&format!("select version from parcels where id = {first}"))
            .await;
        let r = reqwest::Client::new()
            .post(app.url(&format!("/api/v1/parcels/{first}/amend")))
            .bearer_auth(&key)
            .json(&json!({"version": version, "declaration": declaration("CN", li, "590.00")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        assert_eq!(notes(first).await, (1, 0));
        // A cancelled parcel brings no goods in: it no longer counts, and
        // the next parcel fits again (CNY 18,642 + 4,680 ≤ 26,000).
        let second = parcels[1];
        let version = app
            .count(&format!("select version from parcels where id = {second}"))
            .await;
        let r = reqwest::Client::new()
            .post(app.url(&format!("/api/v1/parcels/{second}/cancel")))
            .bearer_auth(&key)
            .json(&json!({"version": version}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let p = submit_declaration(&app, &key, &declaration("CN", li, "600.00")).await;
        assert_eq!(notes(p).await, (1, 0));
    }
);

both_backends!(
    concurrent_parcels_for_one_recipient_cannot_all_fit_the_annual_limit,
    |app| {
        route_to(&app, "CN").await;
        on_cross_border_platform(&app).await;
        let key = merchant_api_key(&app).await;
        // Three parcels of CNY 4,680.00 make CNY 14,040.00: room for two
        // more within CNY 26,000, not three.
        let zhang = ("Zhang Min", "200000", "310101198502021234");
        for _ in 0..3 {
            submit_declaration(&app, &key, &declaration("CN", zhang, "600.00")).await;
        }
        let body = declaration("CN", zhang, "600.00");
        let (a, b, c, d) = tokio::join!(
            submit_declaration(&app, &key, &body),
            submit_declaration(&app, &key, &body),
            submit_declaration(&app, &key, &body),
            submit_declaration(&app, &key, &body),
        );
        let ids = [a, b, c, d].map(|id| id.to_string()).join(", ");
        let within = app
            .count(&format!(
                "select count(*) from assessments where current and parcel_id in ({ids}) and detail like '%\"cbec\"%'"
            ))
            .await;
        assert_eq!(within, 2);
        assert_eq!(
            app.count(
                "select cast(sum(annual_minor) as bigint) from assessments where current and recipient_key like 'CN|id:%'"
            )
            .await,
            5 * 468_000
        );
    }
);

both_backends!(
    a_destination_without_a_vat_rate_is_refused_and_reported,
    |app| {
        // Malta's VAT rows are lost (an admin's mistake, say).
        route_to(&app, "MT").await;
        let admin = app.signed_in("admin").await;
        let overview = json(app.post(&admin, "/api/rates/tables", &[]).await).await;
        assert_eq!(overview["vat_gaps"], json!([]), "the seed covers all 27");
        app.exec("delete from vat_rates where country = 'MT'")
            .await
            .unwrap();
        app.exec("update data_versions set version = version + 1 where name = 'regimes'")
            .await
            .unwrap();
        let parcels = app.count("select count(*) from parcels").await;
        let key = merchant_api_key(&app).await;
        let r = reqwest::Client::new()
            .post(app.url("/api/v1/declarations"))
            .bearer_auth(&key)
            .json(&declaration("MT", ("Maria Borg", "VLT 1010", ""), "40.00"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.text().await.unwrap();
        assert!(body.contains("destination_no_vat_rate"), "{body}");
        assert_eq!(app.count("select count(*) from parcels").await, parcels);
        // Other destinations go on.
        submit_declaration(
            &app,
            &key,
            &declaration("FR", ("Anne", "75001", ""), "40.00"),
        )
        .await;
        // The admin's overview names the country and the first day missing.
        let overview = json(app.post(&admin, "/api/rates/tables", &[]).await).await;
        let gaps = overview["vat_gaps"].as_array().unwrap();
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        assert_eq!(gaps[0][0], "MT");
        let page = app
            .get_page(&admin, "/admin/rates")
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("id=\"vat-gaps\""), "{page}");
        assert!(page.contains("Malta"), "{page}");
    }
);

both_backends!(
    china_parcels_are_cross_border_only_from_a_registered_platform,
    |app| {
        route_to(&app, "CN").await;
        let key = merchant_api_key(&app).await;
        let detail = |id: i64| {
            let app = &app;
            async move {
                app.text(&format!(
                    "select detail from assessments where current and parcel_id = {id}"
                ))
                .await
            }
        };
        let li = ("Li Wei", "200000", "310101199001011234");
        // Not on a platform: general trade, nothing counted for the year.
        let p = submit_declaration(&app, &key, &declaration("CN", li, "100.00")).await;
        assert!(detail(p).await.contains("general_trade"));
        assert_eq!(
            app.count(&format!(
                "select annual_minor from assessments where current and parcel_id = {p}"
            ))
            .await,
            0
        );
        // The merchant says it sells through a registered platform (its
        // company profile); the next parcel is cross-border.
        let m = app.signed_in("merchant").await;
        let profile = json(app.post(&m, "/api/declarations/profile", &[]).await).await;
        assert_eq!(profile["cross_border_platform"], false);
        // The profile form; a box left unticked is not sent at all.
        let save = |platform: bool| {
            let app = &app;
            let m = m.clone();
            async move {
                let mut form = vec![
                    ("profile[sender][name]", "Maison Lumière SARL"),
                    ("profile[sender][address1]", "12 rue des Lilas"),
                    ("profile[sender][city]", "Lyon"),
                    ("profile[sender][postcode]", "69001"),
                    ("profile[sender][country]", "FR"),
                    ("profile[default_origin]", "FR"),
                    ("profile[default_currency]", "EUR"),
                ];
                if platform {
                    form.push(("profile[cross_border_platform]", "true"));
                }
                app.post(&m, "/api/declarations/profile/save", &form).await
            }
        };
        let r = save(true).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let profile = json(app.post(&m, "/api/declarations/profile", &[]).await).await;
        assert_eq!(profile["cross_border_platform"], true);
        let p = submit_declaration(&app, &key, &declaration("CN", li, "100.00")).await;
        assert!(detail(p).await.contains("\"cbec\""));
        // EUR 100.00 = CNY 780.00 at the seeded rate.
        assert_eq!(
            app.count(&format!(
                "select annual_minor from assessments where current and parcel_id = {p}"
            ))
            .await,
            78_000
        );
        // A form without the box unticks it.
        assert_eq!(save(false).await.status(), StatusCode::OK);
        let profile = json(app.post(&m, "/api/declarations/profile", &[]).await).await;
        assert_eq!(profile["cross_border_platform"], false);
    }
);
