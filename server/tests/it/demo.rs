//! The living demo on both databases: a few hundred parcels made through the
//! real operations, across merchants, destinations, lanes, customs and
//! payment states, so every role's pages have content on first start.

use crate::common::*;

/// The distinct values of a column of parcels.
async fn distinct(app: &TestApp, column: &str) -> Vec<String> {
    let sql =
        format!("select distinct {column} from parcels where {column} is not null order by 1");
    match &app.db {
        app::db::Db::Sqlite(p) => sqlx::query_scalar(&sql).fetch_all(p).await.unwrap(),
        app::db::Db::Postgres(p) => sqlx::query_scalar(&sql).fetch_all(p).await.unwrap(),
    }
}

both_backends!(
    the_demo_has_parcels_in_every_state_for_every_role,
    config = |c| {
        c.demo_parcels = true;
    },
    |app| {
        // 140 + 100 from the two other merchants, 60 from Maison Lumière.
        assert_eq!(app.count("select count(*) from parcels").await, 300);
        assert_eq!(
            app.count("select count(distinct company_id) from parcels")
                .await,
            3
        );
        assert_eq!(
            distinct(&app, "destination_country").await,
            ["DE", "FR", "GB", "US"]
        );
        assert_eq!(distinct(&app, "lane").await, ["green", "red", "yellow"]);
        let customs = distinct(&app, "customs_status").await;
        for s in ["assessed", "info_requested", "pre_cleared"] {
            assert!(customs.iter().any(|c| c == s), "{customs:?}");
        }
        let payment = distinct(&app, "payment_status").await;
        for s in ["due", "not_due"] {
            assert!(payment.iter().any(|c| c == s), "{payment:?}");
        }
        // Every parcel's state change is an event; each has its assessment.
        assert_eq!(
            app.count("select count(*) from parcels p where not exists (select 1 from parcel_events e where e.parcel_id = p.id)")
                .await,
            0
        );
        assert_eq!(
            app.count("select count(*) from assessments where current")
                .await,
            300
        );
        // The merchant's list and the officer's lanes have content.
        let m = app.signed_in("merchant").await;
        let page = app
            .get_page(&m, "/declarations")
            .await
            .text()
            .await
            .unwrap();
        assert!(!page.contains("No declarations yet."));
        assert!(
            page.contains("LX1"),
            "an item id of the demo merchant's range"
        );
        let officer = app.signed_in("customs_officer").await;
        let listed = json(app.post(&officer, "/api/risk/parcels", &[]).await).await;
        assert!(listed.as_array().unwrap().len() >= 50, "{listed}");
        // The other merchants sign in with the demo password and see theirs.
        let c = app.client();
        let r = app
            .sign_in(&c, "gadgets@demo.postclear.test", DEMO_PASSWORD)
            .await;
        assert_eq!(r.status(), reqwest::StatusCode::OK);
        let page = app
            .get_page(&c, "/declarations")
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("LP2"), "an item id of China Post's range");
    }
);
