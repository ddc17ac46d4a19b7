//! Printable documents of a parcel: the shipping label with a Code 128
//! barcode of its item id, and the CN23 customs declaration, each as an HTML
//! page for printing (askama, print CSS) and as a PDF made in Rust (no
//! browser at run time).
use askama::Template;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

use crate::domain::declaration::DeclarationInput;
use crate::domain::parcel_view::ParcelDetail;

/// The Code 128 modules (true = bar) of `data`, code set B, with quiet zones.
pub fn code128(data: &str) -> Result<Vec<bool>, String> {
    let code =
        barcoders::sym::code128::Code128::new(format!("Ɓ{data}")).map_err(|e| e.to_string())?;
    let mut modules = vec![false; 10];
    modules.extend(code.encode().into_iter().map(|b| b == 1));
    modules.extend(vec![false; 10]);
    Ok(modules)
}

/// The barcode as SVG bars (one unit per module).
pub fn barcode_svg(data: &str, label: &str) -> Result<String, String> {
    let modules = code128(data)?;
    let mut rects = String::new();
    let mut x = 0;
    while x < modules.len() {
        if modules[x] {
            let start = x;
            while x < modules.len() && modules[x] {
                x += 1;
            }
            rects.push_str(&format!(
                "<rect x=\"{start}\" y=\"0\" width=\"{}\" height=\"50\"/>",
                x - start
            ));
        } else {
            x += 1;
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"barcode\" role=\"img\" aria-label=\"{label}\" viewBox=\"0 0 {} 50\" preserveAspectRatio=\"none\">{rects}</svg>",
        modules.len()
    ))
}

/// What the label and the CN23 show.
pub struct Doc<'a> {
    pub parcel_id: i64,
    pub item_id: &'a str,
    pub form: &'a str,
    pub input: &'a DeclarationInput,
    pub total: String,
    pub office: String,
}

impl<'a> Doc<'a> {
    pub fn from_parcel(p: &'a ParcelDetail) -> Option<Doc<'a>> {
        let current = p.versions.first()?;
        let exp = crate::domain::goods::Currency::parse("c", &current.row.currency)
            .map(|c| c.exponent())
            .unwrap_or(2);
        Some(Doc {
            parcel_id: p.parcel.id,
            item_id: &p.parcel.item_id,
            form: current.row.form.as_deref().unwrap_or("CN23"),
            input: &current.input,
            total: format!(
                "{} {}",
                current.row.currency,
                crate::domain::goods::format_decimal(current.row.total_value_minor, exp)
            ),
            office: p.parcel.inward_office_name.clone().unwrap_or_default(),
        })
    }

    fn party(p: &crate::domain::declaration::PartyInput) -> Vec<String> {
        let mut lines = vec![p.name.clone(), p.address1.clone()];
        if !p.address2.is_empty() {
            lines.push(p.address2.clone());
        }
        lines.push(format!("{} {}", p.postcode, p.city).trim().to_owned());
        lines.push(crate::domain::org::CountryCode::name(&p.country).to_uppercase());
        lines
    }
}

#[derive(Template)]
#[template(path = "print/label.html")]
struct LabelHtml<'a> {
    d: &'a Doc<'a>,
    barcode: String,
    sender: Vec<String>,
    addressee: Vec<String>,
}

#[derive(Template)]
#[template(path = "print/cn23.html")]
struct Cn23Html<'a> {
    d: &'a Doc<'a>,
    barcode: String,
    sender: Vec<String>,
    addressee: Vec<String>,
}

pub fn label_html(d: &Doc) -> Result<String, String> {
    LabelHtml {
        d,
        barcode: barcode_svg(d.item_id, d.item_id)?,
        sender: Doc::party(&d.input.sender),
        addressee: Doc::party(&d.input.addressee),
    }
    .render()
    .map_err(|e| e.to_string())
}

pub fn cn23_html(d: &Doc) -> Result<String, String> {
    Cn23Html {
        d,
        barcode: barcode_svg(d.item_id, d.item_id)?,
        sender: Doc::party(&d.input.sender),
        addressee: Doc::party(&d.input.addressee),
    }
    .render()
    .map_err(|e| e.to_string())
}

/// Text for a standard PDF font (WinAnsiEncoding): Latin-1 as is, the usual
/// typographic marks mapped, anything else `?`.
fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '\u{20}'..='\u{7e}' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '–' => 0x96,
            '—' => 0x97,
            _ => b'?',
        })
        .collect()
}

/// A page being drawn: text in Helvetica, boxes, barcodes (units: points).
struct Page {
    c: Content,
}

const REGULAR: Name = Name(b"F1");
const BOLD: Name = Name(b"F2");

impl Page {
    fn new() -> Self {
        Page { c: Content::new() }
    }
    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, s: &str) {
        self.c.begin_text();
        self.c.set_font(if bold { BOLD } else { REGULAR }, size);
        self.c.next_line(x, y);
        self.c.show(Str(&win_ansi(s)));
        self.c.end_text();
    }
    fn lines(&mut self, x: f32, y: f32, size: f32, lines: &[String]) {
        for (i, l) in lines.iter().enumerate() {
            self.text(x, y - i as f32 * (size + 2.0), size, false, l);
        }
    }
    fn frame(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.c.set_line_width(0.8);
        self.c.rect(x, y, w, h);
        self.c.stroke();
    }
    fn barcode(
        &mut self,
        x: f32,
        y: f32,
        module: f32,
        height: f32,
        data: &str,
    ) -> Result<(), String> {
        let modules = code128(data)?;
        for (i, bar) in modules.iter().enumerate() {
            if *bar {
                self.c.rect(x + i as f32 * module, y, module, height);
            }
        }
        self.c.fill_nonzero();
        Ok(())
    }
}

fn document(width: f32, height: f32, page: Page, title: &str) -> Vec<u8> {
    let (catalog, tree, page_id, regular, bold, contents, info) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
        Ref::new(6),
        Ref::new(7),
    );
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page_id]).count(1);
    let mut p = pdf.page(page_id);
    p.media_box(Rect::new(0.0, 0.0, width, height));
    p.parent(tree);
    p.contents(contents);
    p.resources()
        .fonts()
        .pair(REGULAR, regular)
        .pair(BOLD, bold);
    p.finish();
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.stream(contents, &page.c.finish());
    pdf.document_info(info)
        .title(pdf_writer::TextStr(title))
        .producer(pdf_writer::TextStr("Postclear"));
    pdf.finish()
}

/// The shipping label, A6 (105 × 148 mm).
pub fn label_pdf(d: &Doc) -> Result<Vec<u8>, String> {
    let (w, h) = (297.6, 419.5);
    let mut p = Page::new();
    p.frame(8.0, 8.0, w - 16.0, h - 16.0);
    p.text(18.0, h - 34.0, 16.0, true, "Postclear");
    p.text(w - 70.0, h - 34.0, 16.0, true, d.form);
    p.text(18.0, h - 58.0, 8.0, true, "FROM");
    p.lines(18.0, h - 70.0, 9.0, &Doc::party(&d.input.sender));
    p.text(18.0, h - 150.0, 8.0, true, "TO");
    p.lines(18.0, h - 166.0, 13.0, &Doc::party(&d.input.addressee));
    p.barcode(26.0, 70.0, 1.6, 70.0, d.item_id)?;
    p.text(70.0, 52.0, 14.0, true, d.item_id);
    p.text(
        18.0,
        30.0,
        8.0,
        false,
        &format!(
            "Customs declaration {} attached · {} · {}",
            d.form, d.total, d.input.incoterm
        ),
    );
    Ok(document(w, h, p, &format!("Label {}", d.item_id)))
}

/// The CN23 customs declaration, A4, with its boxes.
pub fn cn23_pdf(d: &Doc) -> Result<Vec<u8>, String> {
    let (w, h) = (595.3, 841.9);
    let mut p = Page::new();
    let m = 36.0;
    p.text(
        m,
        h - 50.0,
        18.0,
        true,
        &format!("CUSTOMS DECLARATION {}", d.form),
    );
    p.text(
        m,
        h - 66.0,
        9.0,
        false,
        "Postclear electronic declaration (UPU CN22/CN23 data)",
    );
    p.barcode(w - 250.0, h - 76.0, 1.0, 36.0, d.item_id)?;
    p.text(w - 215.0, h - 90.0, 11.0, true, d.item_id);
    // Boxes 1 and 2: sender and addressee.
    p.frame(m, h - 210.0, (w - 2.0 * m) / 2.0, 110.0);
    p.text(m + 6.0, h - 114.0, 8.0, true, "From (sender)");
    p.lines(m + 6.0, h - 128.0, 10.0, &Doc::party(&d.input.sender));
    p.frame(w / 2.0, h - 210.0, (w - 2.0 * m) / 2.0, 110.0);
    p.text(w / 2.0 + 6.0, h - 114.0, 8.0, true, "To (addressee)");
    p.lines(
        w / 2.0 + 6.0,
        h - 128.0,
        10.0,
        &Doc::party(&d.input.addressee),
    );
    // Contents table.
    let top = h - 230.0;
    let cols = [
        (m, "Detailed description of contents"),
        (m + 220.0, "Qty"),
        (m + 260.0, "Net kg"),
        (m + 310.0, "Value"),
        (m + 380.0, "HS code"),
        (m + 450.0, "Origin"),
    ];
    p.frame(m, top - 20.0, w - 2.0 * m, 20.0);
    for (x, title) in cols {
        p.text(x + 4.0, top - 14.0, 8.0, true, title);
    }
    let mut y = top - 20.0;
    for l in &d.input.lines {
        p.frame(m, y - 18.0, w - 2.0 * m, 18.0);
        let cells = [
            &l.description,
            &l.quantity,
            &l.net_weight_kg,
            &l.value,
            &l.hs_code,
            &l.origin,
        ];
        for ((x, _), v) in cols.iter().zip(cells) {
            p.text(x + 4.0, y - 13.0, 9.0, false, v);
        }
        y -= 18.0;
    }
    y -= 24.0;
    let category = crate::domain::declaration::Category::parse(&d.input.category)
        .map(|c| format!("{} ({})", c.as_str().replace('_', " "), c.upu_code()))
        .unwrap_or_default();
    let facts = [
        ("Category of item", category),
        ("Total value", d.total.clone()),
        ("Gross weight (kg)", d.input.gross_weight_kg.clone()),
        (
            "Postage / insurance",
            format!("{} / {}", d.input.postage, d.input.insurance),
        ),
        ("Incoterm", d.input.incoterm.clone()),
        ("IOSS number", d.input.ioss_number.clone()),
        (
            "Invoice / licence / certificate",
            format!(
                "{} / {} / {}",
                d.input.invoice_number, d.input.licence_number, d.input.certificate_number
            ),
        ),
        ("If undeliverable", d.input.non_delivery.clone()),
        ("Office of exchange", d.office.clone()),
        ("Comments", d.input.comments.clone()),
    ];
    for (k, v) in facts {
        p.text(m, y, 9.0, true, k);
        p.text(m + 170.0, y, 9.0, false, &v);
        y -= 15.0;
    }
    y -= 20.0;
    p.text(m, y, 8.0, false, "I certify that the particulars given in this customs declaration are correct and that this item");
    p.text(m, y - 11.0, 8.0, false, "does not contain any dangerous article prohibited by legislation or by postal or customs regulations.");
    Ok(document(w, h, p, &format!("CN23 {}", d.item_id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code128_of_an_item_id_has_the_expected_shape() {
        let m = code128("LX100000005FR").unwrap();
        // Quiet zones, then start B (11 modules), 13 characters, checksum, stop (13).
        assert_eq!(m.len(), 10 + 11 * 15 + 13 + 10);
        assert!(m[10] && m[11] && !m[12], "start code B begins 11010010000");
        assert!(barcode_svg("LX100000005FR", "x").unwrap().contains("<rect"));
    }

    #[test]
    fn pdf_text_is_win_ansi() {
        assert_eq!(
            win_ansi("Lumière – 5 €"),
            vec![b'L', b'u', b'm', b'i', 0xe8, b'r', b'e', b' ', 0x96, b' ', b'5', b' ', 0x80]
        );
        assert_eq!(win_ansi("日本"), b"??".to_vec());
    }
}
