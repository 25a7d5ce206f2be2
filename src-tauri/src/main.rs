//! `pos-till-app --data DIR`: the till's window.

fn main() -> std::process::ExitCode {
    // WebKitGTK's DMA-BUF renderer, on a till's integrated or software graphics, costs the web
    // process about 80 MB for nothing this window draws (`cargo xtask bench` measures the memory).
    // A value set by the technician is kept.
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        // SAFETY: the first thing the process does, before any thread exists; nothing reads the
        // environment concurrently.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
        }
    }
    // The arguments after the program's own name (`launch` parses them with clap).
    let args: Vec<String> = std::env::args().skip(1).collect();
    let launch = match pos_till_app::launch(&args) {
        Ok(l) => l,
        Err((text, false)) => {
            print!("{text}");
            return std::process::ExitCode::SUCCESS;
        }
        Err((text, true)) => {
            eprint!("{text}");
            return std::process::ExitCode::from(2);
        }
    };
    match pos_till_app::run(launch) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pos-till-app: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
