//! What the islands do to the server's markup in the browser: sort a table's
//! rows, read a form, show or clear a field's message. The rules they follow
//! (sort order, field names) are plain functions, tested natively; the DOM
//! calls only ever run in the browser.
use std::cmp::Ordering;

use leptos::wasm_bindgen::JsCast;
use web_sys::{
    Element, HtmlFormElement, HtmlInputElement, HtmlSelectElement, HtmlTableCellElement,
    HtmlTableElement, HtmlTableRowElement, HtmlTextAreaElement,
};

/// A cell's sort key: its `data-sort` attribute, else its text. Whole
/// numbers sort as numbers, before any text; text ignores case.
#[derive(Debug, PartialEq, Eq)]
pub enum SortKey {
    Number(i64),
    Text(String),
}

impl SortKey {
    pub fn of(raw: &str) -> Self {
        let raw = raw.trim();
        match raw.parse::<i64>() {
            Ok(n) => Self::Number(n),
            Err(_) => Self::Text(raw.to_lowercase()),
        }
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Number(a), Self::Number(b)) => a.cmp(b),
            (Self::Number(_), Self::Text(_)) => Ordering::Less,
            (Self::Text(_), Self::Number(_)) => Ordering::Greater,
            (Self::Text(a), Self::Text(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The order of rows with these keys; equal keys keep their order either way.
pub fn sorted_order(keys: &[SortKey], ascending: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| {
        let o = keys[a].cmp(&keys[b]);
        if ascending {
            o
        } else {
            o.reverse()
        }
    });
    order
}

fn event_element(ev: &web_sys::Event) -> Option<Element> {
    ev.target().and_then(|t| t.dyn_into::<Element>().ok())
}

fn closest(el: &Element, selector: &str) -> Option<Element> {
    el.closest(selector).ok().flatten()
}

/// A click on a column header's sort button (`th[aria-sort] button.sort`):
/// sorts that table's rows by the column, ascending first, then the other
/// way on the next click, and says so in `aria-sort`.
pub fn sort_on_click(ev: &web_sys::Event) {
    let Some(button) = event_element(ev).and_then(|el| closest(&el, "button.sort")) else {
        return;
    };
    let Some(th) =
        closest(&button, "th[aria-sort]").and_then(|th| th.dyn_into::<HtmlTableCellElement>().ok())
    else {
        return;
    };
    let Some(table) = closest(&th, "table").and_then(|t| t.dyn_into::<HtmlTableElement>().ok())
    else {
        return;
    };
    let ascending = th.get_attribute("aria-sort").as_deref() != Some("ascending");
    if let Ok(heads) = table.query_selector_all("thead th[aria-sort]") {
        for i in 0..heads.length() {
            if let Some(h) = heads.item(i).and_then(|h| h.dyn_into::<Element>().ok()) {
                let _ = h.set_attribute("aria-sort", "none");
            }
        }
    }
    let _ = th.set_attribute(
        "aria-sort",
        if ascending { "ascending" } else { "descending" },
    );
    let column = th.cell_index() as u32;
    let bodies = table.t_bodies();
    for b in 0..bodies.length() {
        let Some(body) = bodies.item(b) else { continue };
        let rows: Vec<HtmlTableRowElement> = (0..body.children().length())
            .filter_map(|i| body.children().item(i))
            .filter_map(|r| r.dyn_into::<HtmlTableRowElement>().ok())
            .collect();
        let keys: Vec<SortKey> = rows
            .iter()
            .map(|row| {
                let cell = row.cells().item(column);
                let raw = cell
                    .as_ref()
                    .and_then(|c| c.get_attribute("data-sort"))
                    .or_else(|| cell.and_then(|c| c.text_content()))
                    .unwrap_or_default();
                SortKey::of(&raw)
            })
            .collect();
        for i in sorted_order(&keys, ascending) {
            let _ = body.append_child(&rows[i]);
        }
    }
}

/// The form an event happened in.
pub fn form_of(ev: &web_sys::Event) -> Option<HtmlFormElement> {
    event_element(ev)
        .and_then(|el| closest(&el, "form"))
        .and_then(|f| f.dyn_into::<HtmlFormElement>().ok())
}

/// The `name` of the form control an event happened on.
pub fn control_name(ev: &web_sys::Event) -> Option<String> {
    event_element(ev)?
        .get_attribute("name")
        .filter(|n| !n.is_empty())
}

/// Every named text field, list and text area of a form with its value.
pub fn form_fields(form: &HtmlFormElement) -> Vec<(String, String)> {
    let elements = form.elements();
    (0..elements.length())
        .filter_map(|i| elements.item(i))
        .filter_map(|el| {
            let name = el.get_attribute("name").filter(|n| !n.is_empty())?;
            let value = if let Some(input) = el.dyn_ref::<HtmlInputElement>() {
                input.value()
            } else if let Some(select) = el.dyn_ref::<HtmlSelectElement>() {
                select.value()
            } else if let Some(area) = el.dyn_ref::<HtmlTextAreaElement>() {
                area.value()
            } else {
                return None;
            };
            Some((name, value))
        })
        .collect()
}

/// Shows `message` under the label of field `key` (the control `#key`), or
/// clears it: the same markup the server renders for a field with an error
/// (`.field--error`, `p.field__error#key-error` before the control,
/// `aria-invalid`, and `aria-describedby` naming the hint and the error).
pub fn show_field_message(form: &HtmlFormElement, key: &str, message: Option<&str>) {
    let Some(document) = form.owner_document() else {
        return;
    };
    let Some(control) = document.get_element_by_id(key) else {
        return;
    };
    let Some(field) = closest(&control, ".field") else {
        return;
    };
    let error_id = format!("{key}-error");
    let hint_id = format!("{key}-hint");
    let existing = document.get_element_by_id(&error_id);
    match message {
        Some(text) => {
            let p = match existing {
                Some(p) => p,
                None => {
                    let Ok(p) = document.create_element("p") else {
                        return;
                    };
                    p.set_class_name("field__error");
                    p.set_id(&error_id);
                    if let Some(parent) = control.parent_node() {
                        let _ = parent.insert_before(&p, Some(&control));
                    }
                    p
                }
            };
            if p.text_content().as_deref() != Some(text) {
                p.set_text_content(Some(text));
            }
            let _ = field.class_list().add_1("field--error");
            let _ = control.set_attribute("aria-invalid", "true");
        }
        None => {
            if let Some(p) = existing {
                p.remove();
            }
            let _ = field.class_list().remove_1("field--error");
            let _ = control.remove_attribute("aria-invalid");
        }
    }
    let has_hint = document.get_element_by_id(&hint_id).is_some();
    let described = [
        has_hint.then_some(hint_id.as_str()),
        message.map(|_| error_id.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    if described.is_empty() {
        let _ = control.remove_attribute("aria-describedby");
    } else {
        let _ = control.set_attribute("aria-describedby", &described);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_sort_as_numbers_text_without_case_and_ties_keep_their_order() {
        let keys: Vec<SortKey> = ["10", "9", "b", "A", "9", "-3"]
            .iter()
            .map(|k| SortKey::of(k))
            .collect();
        // -3, 9, 9 (first, then second), 10, then "A" before "b".
        assert_eq!(sorted_order(&keys, true), vec![5, 1, 4, 0, 3, 2]);
        // The other way round; the two nines still in their own order.
        assert_eq!(sorted_order(&keys, false), vec![2, 3, 0, 1, 4, 5]);
    }
}
