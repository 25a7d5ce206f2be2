//! The TypeScript declarations of what the till sends the window, generated from the Rust types
//! (`ts-rs`), so that the window cannot drift from the engine: `ui/src/generated/till.ts` is this
//! module's [`declarations`], checked by a test (`POS_WRITE_TS=1 cargo test -p pos-till --test
//! till typescript` writes it again after a change).

use ts_rs::{Config, TS};

/// Where the declarations live, from the workspace's root.
pub const FILE: &str = "ui/src/generated/till.ts";

fn decl<T: TS>(cfg: &Config, out: &mut String) {
    if let Some(docs) = T::docs() {
        out.push_str(&docs);
    }
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push_str("\n\n");
}

/// The file's whole text.
pub fn declarations() -> String {
    // Amounts are cents and never pass 10^10: a plain number holds them exactly.
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from the till's Rust types by `pos_till::typescript`: do not edit.\n\
         // POS_WRITE_TS=1 cargo test -p pos-till --test till typescript   writes it again.\n\n",
    );
    decl::<crate::action::Action>(&cfg, &mut out);
    decl::<crate::action::Tender>(&cfg, &mut out);
    decl::<crate::action::Euros>(&cfg, &mut out);
    decl::<crate::action::Units>(&cfg, &mut out);
    decl::<crate::action::Flag>(&cfg, &mut out);
    decl::<crate::action::ApprovalField>(&cfg, &mut out);
    decl::<crate::action::ReturnLine>(&cfg, &mut out);
    decl::<crate::action::TerminalBehaviour>(&cfg, &mut out);
    decl::<crate::engine::Approval>(&cfg, &mut out);
    decl::<crate::devices::setup::Setup>(&cfg, &mut out);
    decl::<crate::devices::setup::Connection>(&cfg, &mut out);
    decl::<crate::answer::StatusView>(&cfg, &mut out);
    decl::<crate::answer::RegisterView>(&cfg, &mut out);
    decl::<crate::answer::ParkedView>(&cfg, &mut out);
    decl::<crate::answer::HeadOfficeView>(&cfg, &mut out);
    decl::<crate::answer::DevicesView>(&cfg, &mut out);
    decl::<crate::answer::DeviceState>(&cfg, &mut out);
    decl::<crate::answer::DeviceHealth>(&cfg, &mut out);
    decl::<crate::projection::CardPayment>(&cfg, &mut out);
    decl::<crate::projection::CardState>(&cfg, &mut out);
    decl::<crate::answer::LoggedIn>(&cfg, &mut out);
    decl::<crate::answer::DeviceTest>(&cfg, &mut out);
    decl::<crate::answer::Archived>(&cfg, &mut out);
    decl::<crate::answer::Balance>(&cfg, &mut out);
    decl::<crate::answer::BasketView>(&cfg, &mut out);
    decl::<crate::answer::LineView>(&cfg, &mut out);
    decl::<crate::answer::DiscountView>(&cfg, &mut out);
    decl::<crate::answer::CustomerView>(&cfg, &mut out);
    decl::<crate::answer::CustomerFound>(&cfg, &mut out);
    decl::<crate::catalogue::Found>(&cfg, &mut out);
    decl::<crate::sync::stock::StockAt>(&cfg, &mut out);
    decl::<crate::answer::PickupView>(&cfg, &mut out);
    decl::<crate::answer::MessageView>(&cfg, &mut out);
    decl::<crate::answer::PickupLineView>(&cfg, &mut out);
    decl::<crate::answer::Paid>(&cfg, &mut out);
    decl::<crate::answer::CreditNote>(&cfg, &mut out);
    decl::<crate::answer::TicketView>(&cfg, &mut out);
    decl::<crate::answer::TicketLineView>(&cfg, &mut out);
    decl::<crate::answer::Closed>(&cfg, &mut out);
    decl::<crate::answer::Emailed>(&cfg, &mut out);
    decl::<crate::answer::QuickKeyView>(&cfg, &mut out);
    decl::<crate::limits::ReceiptCopy>(&cfg, &mut out);
    decl::<pos_journal::body::Closure>(&cfg, &mut out);
    decl::<pos_journal::body::Totals>(&cfg, &mut out);
    decl::<pos_journal::body::VatLine>(&cfg, &mut out);
    decl::<pos_journal::body::TenderLine>(&cfg, &mut out);
    decl::<pos_journal::body::TenderMethod>(&cfg, &mut out);
    decl::<pos_journal::body::LineMeasure>(&cfg, &mut out);
    decl::<pos_journal::body::ClosurePeriod>(&cfg, &mut out);
    decl::<crate::error::ErrorView>(&cfg, &mut out);
    decl::<crate::error::ErrorKind>(&cfg, &mut out);
    decl::<crate::reason::Reason>(&cfg, &mut out);
    decl::<crate::reason::Task>(&cfg, &mut out);
    decl::<crate::reason::Amounted>(&cfg, &mut out);
    decl::<pos_drivers::scale::ScaleErrorKind>(&cfg, &mut out);
    decl::<pos_drivers::printer::PrinterErrorKind>(&cfg, &mut out);
    decl::<pos_drivers::terminal::DeclineKind>(&cfg, &mut out);
    decl::<crate::reason::HeadProblem>(&cfg, &mut out);
    decl::<pos_core::basket::LineProblem>(&cfg, &mut out);
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
