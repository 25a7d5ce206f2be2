//! `pos-till-app --data DIR`: the till's window.

fn main() -> std::process::ExitCode {
    match pos_till_app::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pos-till-app: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
