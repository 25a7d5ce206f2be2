// The app's commands, written once: `build.rs` includes this file to make each command's
// `allow-…` permission and the window's capability (`capabilities/main.json`), the app's handler
// lists the same functions, and a test checks the two agree. The till's actions are not commands of
// their own: they all go through `act` (`pos_till::action::Action`).

/// The commands the window may call.
pub const COMMANDS: &[&str] = &["act", "last_receipt", "cancel_card", "next_scan", "about"];
