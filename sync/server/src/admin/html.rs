//! The frame of every page (its head, the menu of the areas the user may see, the language switch),
//! forms' hidden token, and the 30-day chart drawn as inline SVG on the server (no script, no
//! library fetched from elsewhere).

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::Staff;
use super::auth::Area;
use super::i18n::{Lang, Msg};

/// The areas in the menu, in order, with their address and title.
pub const MENU: &[(Area, &str, Msg)] = &[
    (Area::Dashboard, "/admin/", Msg::Dashboard),
    (Area::Tills, "/admin/tills", Msg::Tills),
    (Area::Catalogue, "/admin/catalogue", Msg::Catalogue),
    (Area::Stock, "/admin/stock", Msg::Stock),
    (Area::WebOrders, "/admin/orders", Msg::WebOrders),
    (Area::Balances, "/admin/balances", Msg::Balances),
    (Area::Customers, "/admin/customers", Msg::Customers),
    (Area::Books, "/admin/books", Msg::Books),
    (Area::Users, "/admin/users", Msg::Users),
];

/// A page's head: its title, the style sheet.
fn head(lang: Lang, title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " — " (Msg::Title.in_(lang)) }
            link rel="stylesheet" href="/admin/static/admin.css";
        }
    }
}

/// A page for someone not signed in (login, second factor).
pub fn bare(lang: Lang, title: Msg, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, title.in_(lang)))
            body.bare {
                main {
                    h1 { (title.in_(lang)) }
                    (body)
                }
            }
        }
    }
}

/// A page of the signed-in area: the menu, then `body`.
pub fn page(staff: &Staff, area: Area, title: &str, body: Markup) -> Markup {
    let lang = staff.lang;
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, title))
            body {
                header {
                    nav {
                        @for (a, href, msg) in MENU.iter().filter(|(a, _, _)| staff.role.may(*a)) {
                            a href=(href) class=[(*a == area).then_some("here")] { (msg.in_(lang)) }
                        }
                    }
                    div.who {
                        span #who { (staff.email) }
                        @if let Some(s) = &staff.store { " · " (s) }
                        form method="post" action="/admin/language" {
                            (csrf(staff))
                            button.link type="submit" { (Msg::Language.in_(lang)) }
                        }
                        form method="post" action="/admin/logout" {
                            (csrf(staff))
                            button.link #logout type="submit" { (Msg::SignOut.in_(lang)) }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// The hidden form token of the session.
pub fn csrf(staff: &Staff) -> Markup {
    html! { input type="hidden" name="csrf" value=(staff.csrf); }
}

/// A line chart of `points` (day label, cents) per series, as inline SVG.
pub fn chart(lang: Lang, series: &[(String, Vec<i64>)], days: &[String]) -> Markup {
    const W: i64 = 720;
    const H: i64 = 220;
    const PAD: i64 = 40;
    let max = series.iter().flat_map(|(_, v)| v.iter().copied()).max().unwrap_or(0).max(1);
    let n = i64::try_from(days.len()).unwrap_or(1).max(2);
    let x = |i: usize| PAD + i64::try_from(i).unwrap_or(0) * (W - 2 * PAD) / (n - 1);
    let y = |v: i64| H - PAD - i128_scale(v, H - 2 * PAD, max);
    const COLOURS: [&str; 6] = ["#1b6ca8", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#2c3e50"];
    html! {
        svg.chart viewBox={"0 0 " (W) " " (H)} role="img" aria-label=(Msg::Last30.in_(lang)) {
            line x1=(PAD) y1=(H - PAD) x2=(W - PAD) y2=(H - PAD) stroke="#999" {}
            text x=(PAD) y=(PAD - 10) font-size="11" { (lang.euros(max)) }
            @if let (Some(first), Some(last)) = (days.first(), days.last()) {
                text x=(PAD) y=(H - PAD + 16) font-size="11" { (first) }
                text x=(W - PAD) y=(H - PAD + 16) font-size="11" text-anchor="end" { (last) }
            }
            @for (k, (name, values)) in series.iter().enumerate() {
                @let colour = COLOURS[k % COLOURS.len()];
                @let points = values.iter().enumerate().map(|(i, v)| format!("{},{}", x(i), y(*v))).collect::<Vec<_>>().join(" ");
                polyline fill="none" stroke=(colour) stroke-width="2" points=(points) {}
                text x=(W - PAD) y=(PAD - 10 + 14 * i64::try_from(k).unwrap_or(0)) font-size="11" text-anchor="end" fill=(colour) { (name) }
            }
        }
    }
}

fn i128_scale(v: i64, span: i64, max: i64) -> i64 {
    i64::try_from(i128::from(v.max(0)) * i128::from(span) / i128::from(max)).unwrap_or(span)
}

/// An amount cell (right-aligned, negative in red by the style sheet).
pub fn money(lang: Lang, cents: i64) -> Markup {
    html! { td.num.neg[cents < 0] { (lang.euros(cents)) } }
}

/// A notice (an error or a confirmation) at the top of a page.
pub fn notice(text: Option<&str>, error: bool) -> Markup {
    html! {
        @if let Some(t) = text {
            p.notice.error[error] role="alert" { (t) }
        }
    }
}

/// The style sheet, served as `/admin/static/admin.css`.
pub const CSS: &str = include_str!("admin.css");

/// Marks text as HTML already (an SVG the server drew).
pub fn raw(s: String) -> PreEscaped<String> {
    PreEscaped(s)
}
