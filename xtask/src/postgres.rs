//! A throw-away PostgreSQL cluster for the server's tests: made under `target/pg-test/` from
//! Debian's `postgresql` package, run by an unprivileged user (`initdb` refuses root; when this runs
//! as root the cluster belongs to `nobody`), listening on a free loopback port with trust
//! authentication, and stopped when the tests end.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// A running cluster; stopped (and its files left for a look) when dropped.
pub struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    owner: Option<(u32, u32)>,
    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub url: String,
}

/// The newest PostgreSQL's programs (`/usr/lib/postgresql/N/bin`).
fn bin_dir() -> Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL is not installed (Debian package postgresql)")?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).context("no initdb under /usr/lib/postgresql/*/bin")
}

fn id(args: &[&str]) -> Result<u32> {
    let out = Command::new("id").args(args).output().context("cannot run id")?;
    String::from_utf8_lossy(&out.stdout).trim().parse().with_context(|| format!("id {}", args.join(" ")))
}

impl Cluster {
    /// Makes and starts a fresh cluster under `root/target/pg-test`.
    pub fn start(root: &Path) -> Result<Cluster> {
        let bin = bin_dir()?;
        let dir = root.join("target/pg-test");
        let data = dir.join("data");
        if data.join("postmaster.pid").exists() {
            // A run that ended without stopping its cluster.
            let _ = Command::new(bin.join("pg_ctl"))
                .arg("-D")
                .arg(&data)
                .args(["stop", "-m", "immediate"])
                .status();
        }
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
        }
        let socket = dir.join("socket");
        std::fs::create_dir_all(&socket)?;
        let owner =
            if id(&["-u"])? == 0 { Some((id(&["-u", "nobody"])?, id(&["-g", "nobody"])?)) } else { None };
        if let Some((uid, gid)) = owner {
            for d in [&dir, &socket] {
                std::os::unix::fs::chown(d, Some(uid), Some(gid))
                    .with_context(|| format!("cannot give {} to nobody", d.display()))?;
            }
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let cluster =
            Cluster { bin, data, owner, url: format!("postgres://postgres@127.0.0.1:{port}/postgres") };
        cluster.run(
            "initdb",
            &["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions", "-D"],
            &[&cluster.data],
        )?;
        let options =
            format!("-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300", socket.display());
        let log = dir.join("server.log");
        cluster
            .run(
                "pg_ctl",
                &["-w", "-o", &options, "-l"],
                &[&log, Path::new("-D"), &cluster.data, Path::new("start")],
            )
            .with_context(|| format!("PostgreSQL did not start: see {}", log.display()))?;
        eprintln!("PostgreSQL test cluster at {} ({})", cluster.url, cluster.data.display());
        Ok(cluster)
    }

    fn run(&self, program: &str, args: &[&str], paths: &[&Path]) -> Result<()> {
        let mut cmd = Command::new(self.bin.join(program));
        cmd.args(args).args(paths).current_dir(std::env::temp_dir());
        if let Some((uid, gid)) = self.owner {
            cmd.uid(uid).gid(gid);
        }
        let out = cmd.output().with_context(|| format!("cannot run {program}"))?;
        if !out.status.success() {
            bail!(
                "{program} failed ({}): {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data.clone();
        if let Err(e) = self.run("pg_ctl", &["-m", "fast", "-w", "stop", "-D"], &[&data]) {
            eprintln!("the PostgreSQL test cluster did not stop: {e}");
        }
    }
}
