//! The merchant's API keys: made here, shown once, revoked at any time.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::apikeys::{list_api_keys, take_new_api_key};
use crate::components::{use_form_errors, ErrorSummary, Guarded, Problem};
use crate::i18n::*;
use crate::pages::declarations::MERCHANT;
use crate::pages::platform::when;

#[component]
pub fn ApiKeys() -> impl IntoView {
    view! { <Guarded roles=MERCHANT><ApiKeysPage /></Guarded> }
}

#[component]
fn ApiKeysPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let errors = use_form_errors();
    let query = use_query_map();
    let revoked = move || query.read().get("revoked").is_some();
    let keys = Resource::new(|| (), |_| list_api_keys());
    let fresh = Resource::new(|| (), |_| take_new_api_key());
    view! {
        <Title text=t_string!(i18n, keys.title).to_string() />
        <ErrorSummary errors />
        {move || revoked().then(|| view! { <div class="notice notice--success" role="status"><p>{t!(i18n, keys.revoked_notice)}</p></div> })}
        <h1>{t!(i18n, keys.title)}</h1>
        <p>{t!(i18n, keys.intro)} " " <a href="/api/v1/docs">{t!(i18n, keys.reference)}</a></p>
        <Suspense>
            {move || Suspend::new(async move {
                match fresh.await {
                    Ok(Some(key)) => view! {
                        <div class="panel panel--success" role="status">
                            <h2>{t!(i18n, keys.created)}</h2>
                            <p>{t!(i18n, keys.copy_now)}</p>
                            <p><code class="secret" id="new-api-key">{key}</code></p>
                        </div>
                    }.into_any(),
                    _ => ().into_any(),
                }
            })}
        </Suspense>
        <form method="post" action="/api/api_keys/create" class="filters" novalidate>
            <crate::components::TextField name="name" label=td_string!(l, keys.name).to_string()
                hint=td_string!(l, keys.name_hint).to_string() required=true errors />
            <button type="submit" class="button">{t!(i18n, keys.create)}</button>
        </form>
        <Suspense>
            {move || Suspend::new(async move {
                match keys.await {
                    Ok(list) if list.is_empty() => view! { <p>{t!(i18n, keys.none)}</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap">
                            <table class="table" id="api-keys-table">
                                <thead><tr>
                                    <th scope="col">{t!(i18n, keys.name)}</th>
                                    <th scope="col">{t!(i18n, keys.key)}</th>
                                    <th scope="col">{t!(i18n, keys.made)}</th>
                                    <th scope="col">{t!(i18n, keys.last_used)}</th>
                                    <th scope="col">{t!(i18n, admin.status)}</th>
                                    <th scope="col">{t!(i18n, admin.actions)}</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|k| view! {
                                        <tr>
                                            <td>{k.name.clone()}</td>
                                            <td><code>{format!("{}_…", k.prefix)}</code></td>
                                            <td>{when(k.created_at)} <br/><small class="muted">{k.created_by_name.clone()}</small></td>
                                            <td>{k.last_used_at.map(when).unwrap_or_default()}</td>
                                            <td>{if k.revoked_at.is_some() { td_string!(l, keys.revoked).to_string() } else { td_string!(l, admin.active).to_string() }}</td>
                                            <td>{k.revoked_at.is_none().then(|| view! {
                                                <form method="post" action="/api/api_keys/revoke" class="inline-form">
                                                    <input type="hidden" name="key_id" value=k.id.to_string() />
                                                    <button type="submit" class="button button--small button--warning">
                                                        {t!(i18n, keys.revoke)}<span class="visually-hidden">" " {k.name.clone()}</span>
                                                    </button>
                                                </form>
                                            })}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
