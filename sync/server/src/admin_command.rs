//! `pos-server admin create`: the first user of the admin page (or any later one), with a one-time
//! password printed once, to change at the first login.

use anyhow::bail;
use clap::Subcommand;
use pos_server::admin::auth::{self, Role};
use pos_server::admin::users::{store_code, valid_email};
use pos_server::storage::admin::{UserRow, audit};

use crate::Data;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Creates a user of the admin page and prints their one-time password.
    Create {
        #[command(flatten)]
        data: Data,
        /// Their e-mail address (their login).
        #[arg(long)]
        email: String,
        /// Their role.
        #[arg(long, value_enum, default_value_t = Role::Admin)]
        role: Role,
        /// A store manager's store (`LYO`).
        #[arg(long, required_if_eq("role", "store-manager"))]
        store: Option<String>,
        /// Their language on the page (`fr`, `en`).
        #[arg(long, default_value = "fr")]
        lang: String,
    },
}

pub async fn run(command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::Create { data, email, role, store, lang } => {
            let email = email.trim().to_lowercase();
            if !valid_email(&email) {
                bail!("`{email}` is not an e-mail address");
            }
            let store = store.map(|s| s.trim().to_uppercase());
            if role == Role::StoreManager && !store.as_deref().is_some_and(store_code) {
                bail!("--store: a store manager's store, 2 to 8 capital letters or digits (LYO)");
            }
            if !["fr", "en"].contains(&lang.as_str()) {
                bail!("--lang {lang}: fr or en");
            }
            let storage = crate::open(&data).await?;
            let password = auth::one_time_password();
            let user = UserRow {
                email: email.clone(),
                role: role.as_str().into(),
                store: store.filter(|_| role == Role::StoreManager),
                password: auth::hash_password(&password),
                must_change: true,
                totp_secret: None,
                totp_step: 0,
                failed: 0,
                locked_until_ms: 0,
                lang,
                disabled: false,
            };
            let now = pos_server::now_ms();
            let line = audit(now, "cli", "local", "user_added", &email, role.as_str());
            if !storage.add_admin_user(&user, now, line).await? {
                bail!("{email} has an account already");
            }
            println!("{password}");
            eprintln!(
                "{email} ({}): sign in at /admin/login with this one-time password; you will choose your own and \
                 enrol your authenticator app",
                role.as_str()
            );
            Ok(())
        }
    }
}
