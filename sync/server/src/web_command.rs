//! `pos-server shop-token`, `pos-server web-orders` and `pos-server message`.

use clap::Subcommand;

use crate::Data;

#[derive(Subcommand)]
pub enum WebCommand {
    /// Prints a new token for the web shop (sent as `Authorization: Bearer TOKEN`); only its hash
    /// is kept.
    ShopToken {
        #[command(flatten)]
        data: Data,
        /// Which shop (for the log).
        #[arg(long, default_value = "web")]
        name: String,
    },
    /// Writes a message to a store's tills (or every store's): it reaches their inbox on their
    /// next sync.
    Message {
        #[command(flatten)]
        data: Data,
        /// The store (`LYO`); none: every store.
        #[arg(long)]
        store: Option<String>,
        /// What it says (1 to 500 characters).
        text: String,
    },
    /// Every web order and where it stands.
    WebOrders {
        #[command(flatten)]
        data: Data,
        /// As one JSON line.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(command: WebCommand) -> anyhow::Result<()> {
    match command {
        WebCommand::Message { data, store, text } => {
            pos_sync::web::check_message(&text).map_err(|e| anyhow::anyhow!(e))?;
            if let Some(s) = &store
                && (s.is_empty()
                    || s.len() > 8
                    || !s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
            {
                anyhow::bail!("store `{s}`: a store code, 1 to 8 capital letters or digits (`LYO`)");
            }
            let storage = crate::open(&data).await?;
            let id = storage.add_message(store.clone(), &text, pos_server::now_ms()).await?;
            println!(
                "message {id} for {}: the tills read it after their next sync",
                store.as_deref().unwrap_or("every store")
            );
            Ok(())
        }
        WebCommand::ShopToken { data, name } => {
            let storage = crate::open(&data).await?;
            let mut bytes = [0u8; 24];
            getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            let token = pos_journal::hex(&bytes);
            storage
                .add_shop_token(pos_journal::sha256(token.as_bytes()), &name, pos_server::now_ms())
                .await?;
            println!("{token}");
            eprintln!(
                "shop {name}: send `Authorization: Bearer {token}` with each order; it is not shown again"
            );
            Ok(())
        }
        WebCommand::WebOrders { data, json } => {
            let storage = crate::open(&data).await?;
            let orders = storage.orders_where(None).await?;
            if json {
                let out: Vec<serde_json::Value> = orders
                    .iter()
                    .map(|o| {
                        serde_json::json!({
                            "order": o.order.order,
                            "fulfilment": o.order.fulfilment,
                            "store": o.order.store,
                            "state": o.state,
                            "paid_online": o.order.paid_online,
                            "total_cents": o.order.total_cents(),
                            "collected_by": o.collected_by,
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(out));
                return Ok(());
            }
            for o in &orders {
                println!(
                    "{} {:?} {} {:?} {}",
                    o.order.order,
                    o.order.fulfilment,
                    o.order.store.as_deref().unwrap_or("-"),
                    o.state,
                    o.collected_by.as_deref().unwrap_or("")
                );
            }
            Ok(())
        }
    }
}
