//! Opening a till with its devices: the one place that knows both the engine and the device
//! settings, so that the engine reaches devices only through `pos-drivers`' traits and the device
//! settings (`devices`) never import the engine back.

use std::path::Path;

use pos_drivers::terminal::SimTerminal;

use crate::devices;
use crate::engine::{Clock, Till, stored_config};
use crate::error::TillError;
use crate::store;

/// Opens the till in `dir` with the devices its settings name. No device needs to answer for the
/// till to open: each is reached when first used, and again after it was lost, and says why it
/// cannot be while it cannot. `quiet` opens without journaling a start (tools).
pub fn open_till(dir: &Path, clock: Clock, quiet: bool) -> Result<(Till, Option<SimTerminal>), TillError> {
    let config = stored_config(dir)?;
    let number = store::identity(&store::open_existing(dir)?)?.number;
    let printer_spec = devices::spec_of(&config, "printer")?;
    let printer = devices::printer(printer_spec.as_ref(), dir)?;
    let (terminal, sim) = devices::terminal(devices::spec_of(&config, "terminal")?.as_ref(), dir, number)?;
    let mut till = if quiet {
        Till::open_quiet(dir, clock, printer, terminal)?
    } else {
        Till::open(dir, clock, printer, terminal)?
    };
    if let Some(devices::Spec::EscPos { width, .. }) = printer_spec {
        till.set_receipt_width(width);
    }
    if let Some(spec @ devices::Spec::Scale { .. }) = devices::spec_of(&config, "scale")? {
        till.set_scale(Some(devices::scale(&spec)?));
    }
    Ok((till, sim))
}
