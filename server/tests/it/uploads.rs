//! Bulk uploads of declarations from CSV files, worked by the job runner, on
//! both databases: good files saved whole, bad files refused with every
//! problem placed, the "save the valid ones" option, and who may see what.

use crate::common::*;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::Value;

const HEAD: &str = "reference,gross_weight_kg,addressee_name,addressee_address1,addressee_city,addressee_postcode,addressee_country,description,quantity,net_weight_kg,value,hs_code,origin";

/// A parcel's rows: two content lines, to the United Kingdom.
fn parcel_rows(reference: &str) -> String {
    format!(
        "{reference},0.9,Alice Walker,1 High Street,London,SW1A 1AA,GB,Cotton T-shirt,2,0.4,30.00,610910,PT\n\
         {reference},,,,,,,Leather wallet,1,0.2,45.00,420231,FR\n"
    )
}

async fn upload(app: &TestApp, c: &reqwest::Client, csv: &str, mode: &str) -> reqwest::Response {
    let form = Form::new().text("mode", mode.to_owned()).part(
        "file",
        Part::bytes(csv.as_bytes().to_vec())
            .file_name("parcels.csv")
            .mime_str("text/csv")
            .unwrap(),
    );
    c.post(app.url("/declarations/uploads"))
        .multipart(form)
        .send()
        .await
        .expect("upload")
}

/// Uploads and waits for the job to finish; returns the upload's detail.
async fn upload_and_wait(app: &TestApp, c: &reqwest::Client, csv: &str, mode: &str) -> Value {
    let r = upload(app, c, csv, mode).await;
    assert_eq!(
        r.status(),
        StatusCode::ACCEPTED,
        "{}",
        r.text().await.unwrap()
    );
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let info = json(r).await;
    assert_eq!(location, format!("/declarations/uploads/{}", info["id"]));
    wait(app, c, info["id"].as_i64().unwrap()).await
}

async fn wait(app: &TestApp, c: &reqwest::Client, id: i64) -> Value {
    for _ in 0..600 {
        let r = app
            .post(c, "/api/uploads/get", &[("upload_id", &id.to_string())])
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let d = json(r).await;
        if ["done", "rejected", "failed"].contains(&d["info"]["status"].as_str().unwrap()) {
            return d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("upload {id} did not finish");
}

fn problems(d: &Value) -> Vec<(u64, String, String)> {
    d["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_u64().unwrap(),
                p["column"].as_str().unwrap().to_owned(),
                p["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn p(row: u64, column: &str, code: &str) -> (u64, String, String) {
    (row, column.to_owned(), code.to_owned())
}

/// A file with one good parcel (rows 2–3), one with a bad HS code on its
/// second row (4–5), one with a vague description (6), and a row without a
/// reference (7).
fn mixed_file() -> String {
    format!(
        "{HEAD}\n{}{}\
         C,0.5,Bob Stone,2 Low Road,Leeds,LS1 1AA,GB,Stuff,1,0.3,20.00,610910,FR\n\
         ,0.5,Eve Hart,3 Mid Lane,York,YO1 1AA,GB,Mug,1,0.3,8.00,691200,FR\n",
        parcel_rows("A"),
        parcel_rows("B").replace("420231", "42"),
    )
}

both_backends!(a_good_file_becomes_parcels_with_their_events, |app| {
    let m = app.signed_in("merchant").await;
    let csv = format!(
        "{HEAD}\n{}{}{}",
        parcel_rows("ORDER-1"),
        parcel_rows("ORDER-2"),
        parcel_rows("ORDER-3")
    );
    let d = upload_and_wait(&app, &m, &csv, "all").await;
    let info = &d["info"];
    assert_eq!(info["status"], "done", "{d}");
    assert_eq!(info["rows_total"], 6);
    assert_eq!(info["rows_checked"], 6);
    assert_eq!(info["parcels_total"], 3);
    assert_eq!(info["parcels_valid"], 3);
    assert_eq!(info["parcels_saved"], 3);
    assert_eq!(info["problem_count"], 0);
    assert_eq!(app.count("select count(*) from parcels").await, 3);
    assert_eq!(app.count("select count(*) from parcel_events").await, 15);
    assert_eq!(
        app.count(
            "select count(*) from declarations where status = 'submitted' and reference like 'ORDER-%'"
        )
        .await,
        3
    );
    // The sender and currency came from the company profile; both lines kept.
    let r = app
        .post(&m, "/api/declarations/list", &[("filter[q]", "ORDER-2")])
        .await;
    let list = json(r).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let id = list[0]["id"].to_string();
    let detail = json(
        app.post(&m, "/api/declarations/get", &[("declaration_id", &id)])
            .await,
    )
    .await;
    let input = &detail["input"];
    assert_eq!(input["sender"]["name"], "Maison Lumière SARL", "{detail}");
    assert_eq!(input["currency"], "EUR");
    assert_eq!(input["lines"].as_array().unwrap().len(), 2);
    assert_eq!(input["lines"][1]["hs_code"], "420231");
    // The job is not run twice for nothing: running it again changes nothing.
    let upload_id = info["id"].as_i64().unwrap();
    app::ops::uploads::process(&app.state, upload_id, 0)
        .await
        .unwrap();
    assert_eq!(app.count("select count(*) from parcels").await, 3);
    // The uploads list shows it.
    let list = json(app.post(&m, "/api/uploads/list", &[]).await).await;
    assert_eq!(list[0]["id"], upload_id);
    assert_eq!(list[0]["filename"], "parcels.csv");
});

both_backends!(a_bad_file_saves_nothing_and_places_every_problem, |app| {
    let m = app.signed_in("merchant").await;
    let d = upload_and_wait(&app, &m, &mixed_file(), "all").await;
    let info = &d["info"];
    assert_eq!(info["status"], "rejected", "{d}");
    assert_eq!(info["parcels_total"], 3);
    assert_eq!(info["parcels_valid"], 1);
    assert_eq!(info["parcels_saved"], 0);
    assert_eq!(
        problems(&d),
        vec![
            p(5, "hs_code", "hs_code_length:2"),
            p(6, "description", "description_vague"),
            p(7, "reference", "required"),
        ]
    );
    assert_eq!(app.count("select count(*) from parcels").await, 0);
    assert_eq!(app.count("select count(*) from declarations").await, 0);
    let id = info["id"].as_i64().unwrap();

    // Every problem as CSV, in words.
    let r = m
        .get(app.url(&format!("/declarations/uploads/{id}/problems.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = r.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "row,column,problem");
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[1].starts_with("5,hs_code,"), "{text}");
    assert!(lines[2].contains("6,description,"), "{text}");
    // In the language of the page that links to it: with no language cookie,
    // the browser's choice (the account's language only when it has none).
    for (accept, sentence) in [
        (
            "en-GB,en;q=0.9",
            "An HS code has 6 to 10 digits; this one has 2.",
        ),
        (
            "de;q=1, fr;q=0.8",
            "Un code SH compte 6 à 10 chiffres ; celui-ci en compte 2.",
        ),
    ] {
        let text = m
            .get(app.url(&format!("/declarations/uploads/{id}/problems.csv")))
            .header("accept-language", accept)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(text.contains(sentence), "{accept}: {text}");
    }

    // The rows to fix: parcels B and C, and the row without a reference,
    // as they were, with their problems.
    let r = m
        .get(app.url(&format!("/declarations/uploads/{id}/rejected.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 5, "{text}");
    assert!(rows[0].starts_with("reference,") && rows[0].ends_with(",problems"));
    assert!(
        rows[1].starts_with("B,0.9,") && rows[1].ends_with(','),
        "{text}"
    );
    assert!(
        rows[2].starts_with("B,,") && rows[2].contains(",42,FR,hs_code: "),
        "{text}"
    );
    assert!(rows[3].starts_with("C,"), "{text}");
    assert!(rows[4].starts_with(",0.5,Eve Hart"), "{text}");
});

both_backends!(
    the_valid_parcels_can_be_saved_and_the_others_returned,
    |app| {
        let m = app.signed_in("merchant").await;
        let d = upload_and_wait(&app, &m, &mixed_file(), "valid").await;
        let info = &d["info"];
        assert_eq!(info["status"], "done", "{d}");
        assert_eq!(info["parcels_total"], 3);
        assert_eq!(info["parcels_valid"], 1);
        assert_eq!(info["parcels_saved"], 1);
        assert_eq!(info["problem_count"], 3);
        assert_eq!(problems(&d).len(), 3);
        assert_eq!(app.count("select count(*) from parcels").await, 1);
        assert_eq!(
            app.count("select count(*) from declarations where reference = 'A'")
                .await,
            1
        );
        let id = info["id"].as_i64().unwrap();
        let text = m
            .get(app.url(&format!("/declarations/uploads/{id}/rejected.csv")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(text.lines().count(), 5, "{text}");
        assert!(!text.contains("\nA,"), "{text}");

        // The rows come back fixed, their problems column still there (it
        // is ignored), the row without a reference left out.
        let fixed: String = text
            .lines()
            .filter(|l| !l.starts_with(','))
            .map(|l| {
                let l = l
                    .replace(",42,FR,", ",420231,FR,")
                    .replace(",Stuff,", ",Wool scarf,");
                format!("{l}\n")
            })
            .collect();
        let d = upload_and_wait(&app, &m, &fixed, "all").await;
        assert_eq!(d["info"]["status"], "done", "{d} {fixed}");
        assert_eq!(d["info"]["parcels_saved"], 2);
        assert_eq!(app.count("select count(*) from parcels").await, 3);
    }
);

both_backends!(files_that_cannot_be_read_are_refused_whole, |app| {
    let m = app.signed_in("merchant").await;
    // A header without the needed columns and with one unknown.
    let d = upload_and_wait(&app, &m, "reference,colour\nA,red\n", "valid").await;
    assert_eq!(d["info"]["status"], "rejected");
    let found = problems(&d);
    assert!(
        found.contains(&p(1, "colour", "unknown_column")),
        "{found:?}"
    );
    assert!(
        found.contains(&p(1, "hs_code", "missing_column")),
        "{found:?}"
    );
    // Parcel columns that contradict the parcel's first row.
    let csv = format!(
        "{HEAD}\n{}",
        parcel_rows("A").replace(",,,,,,,Leather", ",,Bob,,,,,Leather")
    );
    let d = upload_and_wait(&app, &m, &csv, "all").await;
    assert_eq!(
        problems(&d),
        vec![p(3, "addressee_name", "differs_from_row:2")]
    );
    // Not UTF-8: refused at once, nothing stored.
    let bad = Form::new().part(
        "file",
        Part::bytes(b"reference\n\xff\xfe\n".to_vec()).file_name("x.csv"),
    );
    let r = m
        .post(app.url("/declarations/uploads"))
        .multipart(bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("file_not_utf8"));
    // A mode that does not exist, and no file at all.
    let r = m
        .post(app.url("/declarations/uploads"))
        .multipart(Form::new().text("mode", "some"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = m
        .post(app.url("/declarations/uploads"))
        .multipart(Form::new().text("mode", "all"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("select count(*) from parcels").await, 0);
});

both_backends!(
    a_file_needing_more_item_ids_than_are_left_is_refused,
    |app| {
        let m = app.signed_in("merchant").await;
        // Leave one serial in the merchant's range.
        app.exec("update s10_ranges set next_serial = last_serial where company_id is not null")
            .await
            .unwrap();
        let csv = format!("{HEAD}\n{}{}", parcel_rows("A"), parcel_rows("B"));
        let d = upload_and_wait(&app, &m, &csv, "valid").await;
        assert_eq!(d["info"]["status"], "rejected", "{d}");
        assert_eq!(
            problems(&d),
            vec![p(1, "item_id", "not_enough_item_ids:2:1")]
        );
        assert_eq!(app.count("select count(*) from parcels").await, 0);
    }
);

both_backends!(
    own_item_ids_are_checked_in_the_file_and_the_database,
    |app| {
        let m = app.signed_in("merchant").await;
        let head = format!("{HEAD},item_id");
        let row = |r: &str, id: &str| {
            format!("{r},0.5,Bob Stone,2 Low Road,Leeds,LS1 1AA,GB,Wool scarf,1,0.3,20.00,611710,FR,{id}\n")
        };
        // Ids of the demo merchant's range (La Poste, LX 10000000-10999999).
        let first = format!("{head}\n{}", row("A", "LX101234565FR"));
        let d = upload_and_wait(&app, &m, &first, "all").await;
        assert_eq!(d["info"]["status"], "done", "{d}");
        // Used already, used twice in the file, a wrong check digit, and
        // another post's id.
        let again = format!(
            "{head}\n{}{}{}{}{}",
            row("B", "LX101234565FR"),
            row("C", "LX101111116FR"),
            row("D", "LX101111116FR"),
            row("E", "LX101234564FR"),
            row("F", "RR123456785GB"),
        );
        let d = upload_and_wait(&app, &m, &again, "valid").await;
        assert_eq!(
            problems(&d),
            vec![
                p(2, "item_id", "item_id_taken"),
                p(4, "item_id", "item_id_taken"),
                p(5, "item_id", "item_id_check_digit:5:4"),
                p(6, "item_id", "item_id_not_in_ranges"),
            ]
        );
        assert_eq!(d["info"]["parcels_saved"], 1);
        assert_eq!(app.count("select count(*) from parcels").await, 2);
    }
);

both_backends!(larger_files_are_saved_in_chunks_with_progress, |app| {
    let m = app.signed_in("merchant").await;
    let mut csv = format!("{HEAD}\n");
    for i in 0..1200 {
        csv.push_str(&parcel_rows(&format!("BULK-{i:05}")));
    }
    let d = upload_and_wait(&app, &m, &csv, "all").await;
    let info = &d["info"];
    assert_eq!(info["status"], "done", "{d}");
    assert_eq!(info["rows_total"], 2400);
    assert_eq!(info["rows_checked"], 2400);
    assert_eq!(info["parcels_saved"], 1200);
    assert_eq!(app.count("select count(*) from parcels").await, 1200);
    assert_eq!(
        app.count("select count(distinct item_id) from parcels")
            .await,
        1200
    );
    assert_eq!(app.count("select count(*) from parcel_events").await, 6000);
});

both_backends!(uploads_are_the_merchants_own, |app| {
    let m = app.signed_in("merchant").await;
    let d = upload_and_wait(&app, &m, &mixed_file(), "all").await;
    let id = d["info"]["id"].as_i64().unwrap();
    let anonymous = app.client();
    let r = upload(&app, &anonymous, &mixed_file(), "all").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let clerk = app.signed_in("postal_clerk").await;
    let r = upload(&app, &clerk, &mixed_file(), "all").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    for path in [
        format!("/declarations/uploads/{id}/problems.csv"),
        format!("/declarations/uploads/{id}/rejected.csv"),
        "/declarations/template.csv".to_owned(),
    ] {
        let r = anonymous.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        let r = clerk.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let r = app
        .post(
            &clerk,
            "/api/uploads/get",
            &[("upload_id", &id.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Another company's merchant sees nothing of it.
    app.exec("update bulk_uploads set company_id = (select min(id) from organisations)")
        .await
        .unwrap();
    let r = app
        .post(&m, "/api/uploads/get", &[("upload_id", &id.to_string())])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = m
        .get(app.url(&format!("/declarations/uploads/{id}/rejected.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        json(app.post(&m, "/api/uploads/list", &[]).await)
            .await
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // The template is there for merchants, and reads back without problems.
    let r = m
        .get(app.url("/declarations/template.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let template = r.text().await.unwrap();
    assert!(template.starts_with("reference,item_id,"));
    let d = upload_and_wait(&app, &m, &template, "all").await;
    assert_eq!(d["info"]["status"], "done", "{d}");
    assert_eq!(d["info"]["parcels_saved"], 1);
});

both_backends!(the_upload_pages_show_the_form_and_the_outcome, |app| {
    let m = app.signed_in("merchant").await;
    let page = app
        .get_page(&m, "/declarations/upload")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("action=\"/declarations/uploads\""), "{page}");
    assert!(page.contains("href=\"/declarations/template.csv\""));
    let d = upload_and_wait(&app, &m, &mixed_file(), "all").await;
    let id = d["info"]["id"].as_i64().unwrap();
    let r = app
        .get_page(&m, &format!("/declarations/uploads/{id}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"problems-table\""), "{page}");
    assert!(
        page.contains("description_vague") || page.contains("too vague"),
        "{page}"
    );
    // A plain HTML form post is sent on to the upload's page.
    let form = Form::new().text("mode", "all").part(
        "file",
        Part::bytes(mixed_file().into_bytes()).file_name("again.csv"),
    );
    let r = m
        .post(app.url("/declarations/uploads"))
        .header("accept", "text/html")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap();
    assert!(to.starts_with("/declarations/uploads/"), "{to}");
    // … and an error back to the form, named.
    let r = m
        .post(app.url("/declarations/uploads"))
        .header("accept", "text/html")
        .multipart(Form::new().text("mode", "all"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap();
    assert!(to.starts_with("/declarations/upload?error="), "{to}");
});
