//! Just enough of a W3C WebDriver client for the project's end-to-end tests: HTTP/1.1 on a plain
//! socket, JSON in and out. Two drivers: the till's window under its own Xvfb, reached through
//! `tauri-driver`, which starts `WebKitWebDriver`, which starts the app ([`Session::start`]); and
//! Debian's headless Chromium through `chromedriver`, for the admin page ([`Session::chromium`]).
#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A process group killed when dropped (tauri-driver and what it starts; Xvfb).
pub struct Group(Child);

impl Drop for Group {
    fn drop(&mut self) {
        // The whole group: tauri-driver, WebKitWebDriver and the app it started.
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-s", "TERM", "--", &group]).status();
        std::thread::sleep(Duration::from_millis(300));
        let _ = Command::new("kill").args(["-s", "KILL", "--", &group]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn group(cmd: &mut Command) -> Result<Group, String> {
    use std::os::unix::process::CommandExt;
    let name = format!("{:?}", cmd.get_program());
    cmd.process_group(0).spawn().map(Group).map_err(|e| format!("cannot start {name}: {e}"))
}

/// Where a tool is: on the PATH, or in cargo's bin folder.
pub fn tool(name: &str) -> Result<PathBuf, String> {
    let mut dirs: Vec<PathBuf> =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    if let Some(home) = std::env::var_os("CARGO_HOME")
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo").into_os_string()))
    {
        dirs.push(Path::new(&home).join("bin"));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file()).ok_or_else(|| {
        format!(
            "{name} is missing: run `cargo xtask setup` (it installs xvfb, webkit2gtk-driver, tauri-driver, chromium \
             and chromium-driver)"
        )
    })
}

/// A free port on 127.0.0.1 (the OS's choice, released for the driver to take).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// An X server of its own; its display number is the one Xvfb chose.
pub fn xvfb() -> Result<(Group, String), String> {
    let mut cmd = Command::new(tool("Xvfb")?);
    cmd.args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut g = group(&mut cmd)?;
    let mut line = String::new();
    let out = g.0.stdout.take().ok_or("Xvfb has no output")?;
    BufReader::new(out).read_line(&mut line).map_err(|e| format!("Xvfb: {e}"))?;
    let n = line.trim();
    if n.is_empty() {
        return Err("Xvfb did not start (no display number)".into());
    }
    Ok((g, format!(":{n}")))
}

fn wait_listening(port: u16, name: &str) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err(format!("{name} did not listen on port {port} within 30 s"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// A WebDriver session on the app.
pub struct Session {
    port: u16,
    id: String,
    _driver: Group,
}

fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut s =
        TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("WebDriver on port {port}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(if method == "DELETE" { 10 } else { 60 }))).ok();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    // No `Connection: close`: tauri-driver would pass it on to WebKitWebDriver, which then closes
    // the connection tauri-driver keeps for the next request, and that request fails.
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(s);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).map_err(|e| format!("{method} {path}: {e}"))?;
        if n == 0 {
            return Err(format!("{method} {path}: the connection closed before an answer"));
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line.to_lowercase());
    }
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let payload = match length {
        Some(n) => {
            let mut b = vec![0; n];
            reader.read_exact(&mut b).map_err(|e| format!("{method} {path}: {e}"))?;
            b
        }
        None if head.contains("transfer-encoding: chunked") => read_chunks(&mut reader)?,
        None => return Err(format!("{method} {path}: an answer without a length: {head}")),
    };
    let v: Value = serde_json::from_slice(&payload)
        .map_err(|e| format!("{method} {path}: not JSON ({e}): {}", String::from_utf8_lossy(&payload)))?;
    let value = v.get("value").cloned().unwrap_or(Value::Null);
    if let Some(err) = value.get("error").and_then(Value::as_str) {
        return Err(format!("{method} {path}: {err}: {}", value["message"]));
    }
    Ok(value)
}

fn read_chunks(r: &mut impl BufRead) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).map_err(|e| e.to_string())?;
        let size = usize::from_str_radix(line.trim(), 16).map_err(|e| format!("bad chunk size: {e}"))?;
        let mut chunk = vec![0; size + 2];
        r.read_exact(&mut chunk).map_err(|e| e.to_string())?;
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&chunk[..size]);
    }
}

/// Standard base64 (screenshots).
fn base64(text: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let digits: Vec<u32> = text.bytes().filter_map(val).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for c in digits.chunks(4) {
        let n = c.iter().enumerate().fold(0u32, |n, (i, d)| n | d << (18 - 6 * i));
        out.push((n >> 16) as u8);
        if c.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if c.len() > 3 {
            out.push(n as u8);
        }
    }
    out
}

impl Session {
    /// Starts tauri-driver on `display` and a session on `app` with `args`; `home` holds the
    /// webview's XDG folders; `screenshots` keeps the renderer WebDriver's screenshots need.
    pub fn start(
        display: &str,
        app: &Path,
        args: &[String],
        home: &Path,
        screenshots: bool,
    ) -> Result<Session, String> {
        // On a loaded 2-core machine WebKitWebDriver sometimes closes the first session request
        // before the window is up: a fresh driver is tried again, twice at most.
        let mut last = String::new();
        for _ in 0..3 {
            match Session::start_once(display, app, args, home, screenshots) {
                Ok(s) => return Ok(s),
                Err(e) if e.contains("closed before an answer") => last = e,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    fn start_once(
        display: &str,
        app: &Path,
        args: &[String],
        home: &Path,
        screenshots: bool,
    ) -> Result<Session, String> {
        let (port, native) = (free_port(), free_port());
        let mut cmd = Command::new(tool("tauri-driver")?);
        cmd.args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .arg("--native-driver")
            .arg(tool("WebKitWebDriver")?)
            .env("DISPLAY", display)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_RUNTIME_DIR", home.join("runtime"))
            // WebKitWebDriver's screenshots hang without WebKitGTK's DMA-BUF renderer, which the
            // app turns off by default (memory): the tests that take screenshots keep it on.
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", if screenshots { "0" } else { "1" })
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::fs::create_dir_all(home.join("runtime")).map_err(|e| e.to_string())?;
        let driver = group(&mut cmd)?;
        wait_listening(port, "tauri-driver")?;
        let caps =
            json!({"capabilities": {"alwaysMatch": {"tauri:options": {"application": app, "args": args}}}});
        let v = http(port, "POST", "/session", Some(&caps))?;
        let id = v["sessionId"].as_str().ok_or(format!("no session: {v}"))?.to_owned();
        Ok(Session { port, id, _driver: driver })
    }

    /// Starts Debian's Chromium, headless, through `chromedriver`, with its profile in `home` and
    /// its downloads in `downloads`, in a window of `width` x `height` (a laptop's).
    pub fn chromium(home: &Path, downloads: &Path, width: u32, height: u32) -> Result<Session, String> {
        let port = free_port();
        let mut cmd = Command::new(tool("chromedriver")?);
        cmd.arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null());
        let driver = group(&mut cmd)?;
        wait_listening(port, "chromedriver")?;
        std::fs::create_dir_all(downloads).map_err(|e| e.to_string())?;
        let profile = home.join("chromium-profile");
        // The machine's network is closed: Chromium's background connections are turned off, or
        // they fail by the dozen at each start.
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--lang=fr-FR".into(),
            format!("--user-data-dir={}", profile.display()),
            format!("--window-size={width},{height}"),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": tool("chromium")?,
                "args": args,
                "prefs": {"download.default_directory": downloads, "download.prompt_for_download": false},
            }
        }}});
        let v = http(port, "POST", "/session", Some(&caps))?;
        let id = v["sessionId"].as_str().ok_or(format!("no session: {v}"))?.to_owned();
        let s = Session { port, id, _driver: driver };
        // Headless Chromium keeps downloads only when told where, through its DevTools protocol.
        s.cmd(
            "POST",
            "/goog/cdp/execute",
            Some(json!({"cmd": "Browser.setDownloadBehavior", "params": {"behavior": "allow", "downloadPath": downloads}})),
        )?;
        Ok(s)
    }

    /// Opens `url`.
    pub fn goto(&self, url: &str) -> Result<(), String> {
        self.cmd("POST", "/url", Some(json!({"url": url}))).map(drop)
    }

    /// The address shown.
    pub fn url(&self) -> Result<String, String> {
        Ok(self.cmd("GET", "/url", None)?.as_str().unwrap_or_default().to_owned())
    }

    /// The number of elements `css` selects now (no wait).
    pub fn count(&self, css: &str) -> Result<usize, String> {
        let v = self.cmd("POST", "/elements", Some(json!({"using": "css selector", "value": css})))?;
        Ok(v.as_array().map_or(0, Vec::len))
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        http(self.port, method, &format!("/session/{}{path}", self.id), body.as_ref())
    }

    /// The element `css` selects, waiting up to `secs` for it.
    pub fn wait(&self, css: &str, secs: u64) -> Result<String, String> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            match self.cmd("POST", "/element", Some(json!({"using": "css selector", "value": css}))) {
                Ok(v) => {
                    return v[ELEMENT]
                        .as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| format!("{css}: not an element reference: {v}"));
                }
                Err(e) if Instant::now() > deadline => return Err(format!("{css} never showed: {e}")),
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Makes the window `width` x `height` pixels (a small shop screen).
    pub fn resize(&self, width: u32, height: u32) -> Result<(), String> {
        self.cmd("POST", "/window/rect", Some(json!({"width": width, "height": height}))).map(drop)
    }

    /// Clicks `css`.
    pub fn click(&self, css: &str) -> Result<(), String> {
        let e = self.wait(css, 20)?;
        self.cmd("POST", &format!("/element/{e}/click"), Some(json!({}))).map(drop)
    }

    /// Types `text` into `css` (after clearing it when `clear`).
    pub fn type_in(&self, css: &str, text: &str, clear: bool) -> Result<(), String> {
        let e = self.wait(css, 20)?;
        if clear {
            self.cmd("POST", &format!("/element/{e}/clear"), Some(json!({})))?;
        }
        self.cmd("POST", &format!("/element/{e}/value"), Some(json!({"text": text}))).map(drop)
    }

    /// The text of `css`.
    pub fn text(&self, css: &str) -> Result<String, String> {
        let e = self.wait(css, 20)?;
        Ok(self.cmd("GET", &format!("/element/{e}/text"), None)?.as_str().unwrap_or_default().to_owned())
    }

    /// Waits until the text of `css` holds `want`.
    pub fn wait_text(&self, css: &str, want: &str, secs: u64) -> Result<String, String> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let got = self.text(css).unwrap_or_default();
            if got.contains(want) {
                return Ok(got);
            }
            if Instant::now() > deadline {
                return Err(format!("{css} says {got:?}, not {want:?}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs `script` in the window and answers its result.
    pub fn run(&self, script: &str) -> Result<Value, String> {
        self.cmd("POST", "/execute/sync", Some(json!({"script": script, "args": []})))
    }

    /// Runs `script` in the window with `args`; it answers by calling its last argument.
    pub fn run_async(&self, script: &str, args: &[Value]) -> Result<Value, String> {
        self.cmd("POST", "/timeouts", Some(json!({"script": 600_000})))?;
        self.cmd("POST", "/execute/async", Some(json!({"script": script, "args": args})))
    }

    /// Waits two animation frames (else a screenshot may show the frame before), then saves a
    /// screenshot of the window as `dir/name.png`.
    pub fn screenshot(&self, dir: &Path, name: &str) -> Result<PathBuf, String> {
        self.run_async(
            "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            &[],
        )?;
        let png = self.cmd("GET", "/screenshot", None)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, base64(png.as_str().unwrap_or_default())).map_err(|e| e.to_string())?;
        Ok(path)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.cmd("DELETE", "", None);
    }
}

#[cfg(test)]
#[test]
fn base64_and_chunks_decode() {
    assert_eq!(base64("aGVsbG8="), b"hello");
    assert_eq!(base64("aGVsbG8hIQ=="), b"hello!!");
    assert_eq!(read_chunks(&mut &b"5\r\nhello\r\n0\r\n\r\n"[..]).unwrap(), b"hello");
}
