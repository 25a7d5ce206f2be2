// The technician's device forms: the shapes of `till/src/devices/setup.rs` (`Setup`, `Connection`,
// `Forms`), and what the form does when a model or a kind of connection is chosen. The engine turns
// a form into the device's setting and checks it; nothing here parses or writes a setting.

import type { Connection, Setup } from "./generated/till";

export type { Connection, Setup };

export type ConnectionKind = Connection["kind"];

export type Model = Setup["model"];
export type DeviceName = "printer" | "terminal" | "scale" | "scanner";

export interface DeviceForm {
  device: DeviceName;
  setup: Setup;
  /** The setting's text, as `pos-till devices set` takes it. */
  setting: string;
  models: Model[];
}

export interface Found {
  connection: Connection;
  description: string;
}

export interface Forms {
  devices: DeviceForm[];
  found: Found[];
  bauds: number[];
  frames: string[];
  /** Each model's usual serial line: `[model, "9600,7E1"]`. */
  lines: [Model, string][];
}

/** The kinds of connection a model may have (none for the models without one). */
export function connectionKinds(model: Model): ConnectionKind[] {
  switch (model) {
    case "escpos":
      return ["serial", "network", "lp", "usb"];
    case "concert":
      return ["serial", "network"];
    case "toledo8217":
    case "dialog06":
    case "serial_scanner":
      return ["serial"];
    default:
      return [];
  }
}

/** The serial line a model usually runs on. */
export function usualLine(forms: Forms, model: Model): { baud: number; frame: string } {
  const line = forms.lines.find(([m]) => m === model)?.[1] ?? "9600,8N1";
  const [baud, frame] = line.split(",");
  return { baud: Number(baud), frame: frame ?? "8N1" };
}

/** A connection of `kind` for `model`: the first port of that kind found on the machine, the
 * model's usual serial line, the usual network port. */
export function blankConnection(kind: ConnectionKind, model: Model, forms: Forms): Connection {
  const found = forms.found.map((f) => f.connection).find((c) => c.kind === kind);
  switch (kind) {
    case "serial": {
      const line = usualLine(forms, model);
      return { kind, path: found?.kind === "serial" ? found.path : "", ...line };
    }
    case "network":
      return { kind, host: "", port: model === "escpos" ? 9100 : 8888 };
    case "lp":
      return { kind, path: found?.kind === "lp" ? found.path : "/dev/usb/lp0" };
    case "usb":
      return found?.kind === "usb" ? found : { kind, vendor: "", product: "" };
  }
}

/** The connection a setting has, if any. */
export function connectionOf(setup: Setup): Connection | null {
  return "connection" in setup ? setup.connection : null;
}

/** The form for `model`, keeping what `previous` had that still fits (its connection, its till
 * number). A serial line moves to the new model's usual one: a Dialog 06 is 7O1 where a Toledo is
 * 7E1. */
export function setupFor(model: Model, forms: Forms, previous?: Setup): Setup {
  const kinds = connectionKinds(model);
  const kept = previous ? connectionOf(previous) : null;
  let connection: Connection = kept && kinds.includes(kept.kind) ? kept : blankConnection(kinds[0] ?? "serial", model, forms);
  if (connection.kind === "serial" && previous?.model !== model) {
    connection = { ...connection, ...usualLine(forms, model) };
  }
  const pos = previous && "pos" in previous ? previous.pos : null;
  switch (model) {
    case "escpos":
      return { model, connection, width: previous?.model === "escpos" ? previous.width : 42 };
    case "concert":
      return { model, connection, pos };
    case "caisse_ap":
      return { model, host: "", port: 8888, pos };
    case "toledo8217":
    case "dialog06":
      return { model, connection };
    case "serial_scanner":
      return { model, connection, prefix: "", suffix: "" };
    default:
      return { model };
  }
}

/** `setup` with a connection of another kind. */
export function withKind(setup: Setup, kind: ConnectionKind, forms: Forms): Setup {
  if (!("connection" in setup) || setup.connection.kind === kind) return setup;
  return { ...setup, connection: blankConnection(kind, setup.model, forms) } as Setup;
}

/** A found port in words, for the pick list. */
export function describe(f: Found): string {
  const c = f.connection;
  const where = c.kind === "usb" ? `usb:${c.vendor}:${c.product}` : c.kind === "network" ? `${c.host}:${c.port}` : c.path;
  return `${where} — ${f.description}`;
}
