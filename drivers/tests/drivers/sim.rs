//! The `pos-sim` binary as a technician runs it: devices on pty paths, steered by commands on its
//! standard input, running on in the background without one, stopped by SIGTERM.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use pos_drivers::link::{Address, LineSettings};
use pos_drivers::printer::{EscPosPrinter, PrinterErrorKind, ReceiptPrinter};
use pos_drivers::scale::{self, ScaleProtocol};

use super::{sample_receipt, scratch, wait_for_files};

fn start(args: &[&str], stdin: Stdio) -> (Child, BufReader<ChildStdout>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pos-sim"))
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.starts_with("ready "), "{line}");
    (child, out)
}

#[test]
fn pos_sim_plays_a_printer_and_a_scale_on_pty_paths() {
    let dir = scratch("pos-sim");
    let printer_path = dir.join("printer");
    let out_dir = dir.join("receipts");
    let (mut printer_sim, mut printer_out) = start(
        &[
            "printer",
            "--pty",
            printer_path.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
            "--width",
            "42",
        ],
        Stdio::piped(),
    );
    let link = Address::parse(&format!("serial:{}", printer_path.display()))
        .unwrap()
        .open(LineSettings::B9600_8N1)
        .unwrap();
    let mut printer = EscPosPrinter::new(link, Duration::from_millis(500));
    printer.print(&sample_receipt()).unwrap();
    assert_eq!(wait_for_files(&out_dir, 1).len(), 1);
    let stdin = printer_sim.stdin.as_mut().unwrap();
    writeln!(stdin, "paper out").unwrap();
    let mut line = String::new();
    printer_out.read_line(&mut line).unwrap();
    assert!(line.starts_with("paper out"), "{line}");
    assert_eq!(printer.print(&sample_receipt()).unwrap_err().kind(), PrinterErrorKind::PaperOut);
    writeln!(stdin, "quit").unwrap();
    assert!(printer_sim.wait().unwrap().success());

    let scale_path = dir.join("scale");
    let (mut scale_sim, mut scale_out) = start(
        &["scale", "--pty", scale_path.to_str().unwrap(), "--protocol", "toledo8217", "--weight", "0.750"],
        Stdio::piped(),
    );
    let link = Address::parse(&format!("serial:{}", scale_path.display()))
        .unwrap()
        .open(ScaleProtocol::Toledo8217.serial())
        .unwrap();
    let mut scale = scale::open(ScaleProtocol::Toledo8217, link, Duration::from_millis(500));
    assert_eq!(scale.weigh(None).unwrap().grams, 750);
    let stdin = scale_sim.stdin.as_mut().unwrap();
    writeln!(stdin, "weight 1.5").unwrap();
    let mut line = String::new();
    scale_out.read_line(&mut line).unwrap();
    assert!(line.starts_with("weight 1500 g"), "{line}");
    assert_eq!(scale.weigh(None).unwrap().grams, 1500);
    writeln!(stdin, "quit").unwrap();
    assert!(scale_sim.wait().unwrap().success());
}

/// Started in the background of a script (no standard input), the simulator serves on until it is
/// sent SIGTERM.
#[test]
fn pos_sim_runs_without_standard_input_until_sigterm() {
    let dir = scratch("pos-sim-background");
    let scale_path = dir.join("scale");
    let (mut sim, _out) = start(
        &["scale", "--pty", scale_path.to_str().unwrap(), "--protocol", "toledo8217", "--weight", "2.000"],
        Stdio::null(),
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(sim.try_wait().unwrap().is_none(), "still running with its input closed");
    let link = Address::parse(&format!("serial:{}", scale_path.display()))
        .unwrap()
        .open(ScaleProtocol::Toledo8217.serial())
        .unwrap();
    let mut scale = scale::open(ScaleProtocol::Toledo8217, link, Duration::from_millis(500));
    assert_eq!(scale.weigh(None).unwrap().grams, 2000);
    let killed = Command::new("kill").args(["-TERM", &sim.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let deadline = std::time::Instant::now() + super::WAIT;
    let status = loop {
        if let Some(s) = sim.try_wait().unwrap() {
            break s;
        }
        assert!(std::time::Instant::now() < deadline, "SIGTERM stops it");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
}

/// `--pty PATH` replaces only a symbolic link: a file of the technician's at that path is left as
/// it is, with a clear error.
#[test]
fn pos_sim_never_deletes_a_file_at_its_pty_path() {
    let dir = scratch("pos-sim-path");
    let path = dir.join("notes.txt");
    std::fs::write(&path, "my notes").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pos-sim"))
        .args(["scale", "--pty", path.to_str().unwrap(), "--protocol", "dialog06"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a symbolic link") && err.contains("nothing was removed"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "my notes");
    // A bad argument says which.
    let out = Command::new(env!("CARGO_BIN_EXE_pos-sim"))
        .args(["terminal", "--tcp", "127.0.0.1:0", "--protocol", "concert", "--line", "9N1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a frame"), "{out:?}");
}

/// `pos-sim --help` and each device's `--help` answer; a misspelt option is named.
#[test]
fn pos_sim_answers_help_for_every_device() {
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_pos-sim")).args(args).output().unwrap();
    let top = run(&["--help"]);
    assert!(top.status.success());
    let text = String::from_utf8_lossy(&top.stdout).into_owned();
    for device in ["printer", "scale", "scanner", "terminal"] {
        assert!(text.contains(device), "{device} is listed: {text}");
        let out = run(&[device, "--help"]);
        assert!(out.status.success(), "{device}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: pos-sim"), "{device}");
    }
    let out = run(&["printer", "--pyt", "/dev/null"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--pyt"));
}
