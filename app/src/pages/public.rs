//! Pages anyone may see.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::set_page_status;
use crate::i18n::*;

#[component]
pub fn Landing() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text="" />
        <div class="hero">
            <h1>{t!(i18n, landing.title)}</h1>
            <p class="lead">{t!(i18n, landing.intro)}</p>
        </div>
        <section class="panel" aria-labelledby="track-heading">
            <h2 id="track-heading">{t!(i18n, landing.track_heading)}</h2>
            <TrackForm value=String::new() />
        </section>
        <div class="cards">
            <section class="card">
                <h2>{t!(i18n, landing.for_merchants)}</h2>
                <p>{t!(i18n, landing.for_merchants_text)}</p>
                <p><a href="/sign-up">{t!(i18n, nav.sign_up)}</a></p>
            </section>
            <section class="card">
                <h2>{t!(i18n, landing.for_recipients)}</h2>
                <p>{t!(i18n, landing.for_recipients_text)}</p>
            </section>
            <section class="card">
                <h2>{t!(i18n, landing.for_staff)}</h2>
                <p>{t!(i18n, landing.for_staff_text)}</p>
                <p><a href="/sign-in">{t!(i18n, nav.sign_in)}</a></p>
            </section>
        </div>
    }
}

#[component]
fn TrackForm(value: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <form method="get" action="/track" class="track-form">
            <label class="field__label" for="item_id">{t!(i18n, landing.track_label)}</label>
            <p class="field__hint" id="item_id-hint">{t!(i18n, landing.track_hint)}</p>
            <div class="track-form__row">
                <input class="input input--code" id="item_id" name="id" type="text" value=value
                    autocomplete="off" spellcheck="false" maxlength="20" aria-describedby="item_id-hint" />
                <button type="submit" class="button">{t!(i18n, landing.track_button)}</button>
            </div>
        </form>
    }
}

#[component]
pub fn Track() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let id = move || {
        query
            .read()
            .get("id")
            .map(|s| s.trim().to_uppercase())
            .unwrap_or_default()
    };
    view! {
        <Title text=t_string!(i18n, track.title).to_string() />
        <h1>{t!(i18n, track.title)}</h1>
        <TrackForm value=id() />
        {move || (!id().is_empty()).then(|| view! {
            <div class="notice" role="status">
                <p>{t!(i18n, track.searched_for)} " " <code>{id()}</code></p>
                <p>{t!(i18n, track.not_yet)}</p>
            </div>
        })}
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    set_page_status(404);
    view! {
        <Title text=t_string!(i18n, not_found.title).to_string() />
        <h1>{t!(i18n, not_found.title)}</h1>
        <p>{t!(i18n, not_found.text)}</p>
        <p><a href="/">{t!(i18n, not_found.home)}</a></p>
    }
}
