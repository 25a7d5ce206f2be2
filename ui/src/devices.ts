// The technician's screen: each device as a form (its model, its connection with the ports found on
// the machine to pick from, its serial line, its options), saved through the engine, which checks
// it and journals it; a test button per device that shows, in words, what the device answered. The
// scanner's test does not wait for a scan: the codes it reads show here as they come.

import type { DeviceTest, Status } from "./api";
import type { Action } from "./generated/till";
import { t } from "./i18n";
import { said } from "./reasons";
import type { Key } from "./i18n";
import { connectionKinds, describe, setupFor, withKind } from "./setup";
import type { Connection, ConnectionKind, DeviceForm, DeviceName, Forms, Model, Setup } from "./setup";

/** What the screen needs from the window. */
export interface Env {
  h: <K extends keyof HTMLElementTagNameMap>(
    tag: K,
    props?: Partial<Record<string, string>>,
    ...children: (Node | string | null | undefined | false)[]
  ) => HTMLElementTagNameMap[K];
  button: (label: string, id: string, onClick: () => void | Promise<void>, cls?: string) => HTMLButtonElement;
  act: <T>(action: Action) => Promise<T>;
  refresh: () => Promise<Status>;
  cardWaiting: () => HTMLElement;
  status: () => Status | null;
  back: () => void;
  guard: (f: () => Promise<void>) => Promise<void>;
}

const MODEL_WORDS: Record<Model, Key> = {
  folder: "modelFolder",
  escpos: "modelEscpos",
  sim: "modelSim",
  concert: "modelConcert",
  caisse_ap: "modelCaisseAp",
  toledo8217: "modelToledo",
  dialog06: "modelDialog",
  serial_scanner: "modelSerialScanner",
  none: "modelNone",
};

const KIND_WORDS: Record<ConnectionKind, Key> = {
  serial: "connSerial",
  network: "connNetwork",
  lp: "connLp",
  usb: "connUsb",
};

/** Shows the technician's screen in `screen`. */
export async function devicesScreen(env: Env, screen: HTMLElement): Promise<void> {
  const forms = await env.act<Forms>({ do: "device_forms" });
  const { h } = env;
  const status = env.status();
  const live = h("span", { id: "scanner-live" });
  const panels = forms.devices.map((form) => devicePanel(env, forms, form, live));
  const found = h(
    "ul",
    { id: "found", class: "detail" },
    ...(forms.found.length > 0 ? forms.found.map((f) => h("li", {}, describe(f))) : [h("li", {}, t("noneFound"))]),
  );
  const waiting = status?.devices.printer_waiting ?? 0;
  screen.replaceChildren(
    h(
      "div",
      { class: "panel", id: "devices-screen" },
      h("h1", {}, t("devices")),
      waiting > 0
        ? h(
            "p",
            { id: "printer-waiting" },
            t("receiptsWaiting", { n: String(waiting) }),
            env.button(t("retry"), "retry-printer", async () => {
              await env.act({ do: "retry_printer" });
              await env.refresh();
              await devicesScreen(env, screen);
            }, "small"),
          )
        : null,
      ...(status?.devices.printer_interrupted ?? []).map((label) =>
        h("p", { class: "warning" }, t("receiptInterrupted", { label })),
      ),
      ...panels,
      h("h2", {}, t("found")),
      found,
      env.button(t("back"), "settings-back", () => env.back(), "secondary"),
    ),
  );
}

/** The form of one device. */
function devicePanel(env: Env, forms: Forms, form: DeviceForm, live: HTMLElement): HTMLElement {
  const { h } = env;
  const name: DeviceName = form.device;
  let setup: Setup = form.setup;
  const fields = h("div", { class: "fields", id: `fields-${name}` });
  const result = h("p", { class: "test-result", id: `test-result-${name}` });
  const last = env.status()?.devices[name]?.last;
  const paint = (): void => fields.replaceChildren(...setupFields(env, forms, name, setup, (s) => {
    setup = s;
    paint();
  }));
  paint();
  const save = env.button(t("save"), `save-${name}`, async () => {
    await env.act({ do: "set_device", device: name, setup });
    await env.refresh();
    result.textContent = `${t("saved")} ${setup.model === "none" ? t("modelNone") : ""}`.trim();
  }, "small secondary");
  const test = env.button(t("test"), `test-${name}`, async () => {
    result.textContent = "…";
    // The terminal's test is a real 0.01 € payment: the customer display asks for a card.
    const waiting = name === "terminal" ? env.cardWaiting() : null;
    try {
      const r = await env.act<DeviceTest>({ do: "test_device", device: name });
      await env.refresh();
      result.textContent = `${r.ok ? "✓" : "✗"} ${r.result}`;
      result.className = `test-result ${r.ok ? "ok" : "bad"}`;
    } finally {
      waiting?.remove();
    }
  }, "small");
  return h(
    "fieldset",
    { class: "device-form", id: `device-form-${name}` },
    h("legend", {}, t(name)),
    fields,
    h("p", { class: "detail" }, t("setting"), " ", h("code", { id: `setting-${name}` }, form.setting)),
    last ? h("p", { class: last.ok ? "detail" : "detail bad" }, t("lastAnswer"), " ", last.reason !== null ? said(last.reason) : last.message) : null,
    name === "scanner" ? h("p", { class: "detail" }, t("lastScan"), " ", live) : null,
    h("div", { class: "actions" }, save, test),
    result,
  );
}

function select<T extends string | number>(
  env: Env,
  id: string,
  options: [T, string][],
  value: T,
  change: (v: T) => void,
): HTMLSelectElement {
  const s = env.h("select", { id });
  for (const [v, label] of options) {
    const o = env.h("option", { value: String(v) }, label);
    if (v === value) o.selected = true;
    s.append(o);
  }
  s.onchange = (): void => {
    const picked = options.find(([v]) => String(v) === s.value);
    if (picked) change(picked[0]);
  };
  return s;
}

function text(env: Env, id: string, value: string, change: (v: string) => void, placeholder = ""): HTMLInputElement {
  const i = env.h("input", { id, type: "text", autocomplete: "off", placeholder });
  i.value = value;
  i.oninput = (): void => change(i.value.trim());
  return i;
}

function label(env: Env, words: string, field: HTMLElement): HTMLElement {
  return env.h("label", {}, words, " ", field);
}

/** The fields of `setup`; `set` gives the form after a change. */
function setupFields(env: Env, forms: Forms, name: DeviceName, setup: Setup, set: (s: Setup) => void): HTMLElement[] {
  const form = forms.devices.find((d) => d.device === name);
  const models = (form?.models ?? []).map((m): [Model, string] => [m, t(MODEL_WORDS[m])]);
  const out: HTMLElement[] = [
    label(env, t("model"), select(env, `model-${name}`, models, setup.model, (m) => set(setupFor(m, forms, setup)))),
  ];
  if ("connection" in setup) {
    const kinds = connectionKinds(setup.model).map((k): [ConnectionKind, string] => [k, t(KIND_WORDS[k])]);
    out.push(
      label(env, t("connection"), select(env, `kind-${name}`, kinds, setup.connection.kind, (k) => set(withKind(setup, k, forms)))),
      ...connectionFields(env, forms, name, setup.connection, (c) => set({ ...setup, connection: c } as Setup)),
    );
  }
  switch (setup.model) {
    case "escpos":
      out.push(
        label(env, t("width"), select(env, `width-${name}`, [[42, "42"], [48, "48"]], setup.width, (w) => set({ ...setup, width: w }))),
      );
      break;
    case "concert":
      out.push(posField(env, name, setup.pos, (pos) => set({ ...setup, pos })));
      break;
    case "caisse_ap":
      out.push(
        label(env, t("host"), text(env, `host-${name}`, setup.host, (host) => set({ ...setup, host }))),
        label(env, t("port"), text(env, `port-${name}`, String(setup.port), (p) => set({ ...setup, port: Number(p) }))),
        posField(env, name, setup.pos, (pos) => set({ ...setup, pos })),
      );
      break;
    case "serial_scanner":
      out.push(
        label(env, t("prefix"), text(env, `prefix-${name}`, setup.prefix, (prefix) => set({ ...setup, prefix }))),
        label(env, t("suffix"), text(env, `suffix-${name}`, setup.suffix, (suffix) => set({ ...setup, suffix }))),
      );
      break;
    default:
      break;
  }
  return out;
}

function posField(env: Env, name: DeviceName, pos: number | null, set: (p: number | null) => void): HTMLElement {
  return label(
    env,
    t("tillNumber"),
    text(env, `pos-${name}`, pos === null ? "" : String(pos), (v) => set(v === "" ? null : Number(v)), t("tillNumberOwn")),
  );
}

/** The fields of a connection: the port picked among those found (or typed), the serial line. */
function connectionFields(env: Env, forms: Forms, name: DeviceName, c: Connection, set: (c: Connection) => void): HTMLElement[] {
  const { h } = env;
  const list = h("datalist", { id: `ports-${name}` });
  for (const f of forms.found) {
    if (f.connection.kind === c.kind && "path" in f.connection) list.append(h("option", { value: f.connection.path }, f.description));
  }
  switch (c.kind) {
    case "serial": {
      const path = text(env, `path-${name}`, c.path, (p) => set({ ...c, path: p }), "/dev/ttyUSB0");
      path.setAttribute("list", `ports-${name}`);
      return [
        label(env, t("port"), path),
        list,
        label(env, t("speed"), select(env, `baud-${name}`, forms.bauds.map((b): [number, string] => [b, String(b)]), c.baud, (b) => set({ ...c, baud: b }))),
        label(env, t("frame"), select(env, `frame-${name}`, forms.frames.map((f): [string, string] => [f, f]), c.frame, (f) => set({ ...c, frame: f }))),
      ];
    }
    case "network":
      return [
        label(env, t("host"), text(env, `host-${name}`, c.host, (host) => set({ ...c, host }), "192.168.1.50")),
        label(env, t("port"), text(env, `netport-${name}`, String(c.port), (p) => set({ ...c, port: Number(p) }))),
      ];
    case "lp": {
      const path = text(env, `lp-${name}`, c.path, (p) => set({ ...c, path: p }), "/dev/usb/lp0");
      path.setAttribute("list", `ports-${name}`);
      return [label(env, t("port"), path), list];
    }
    case "usb": {
      const usb = forms.found.filter((f) => f.connection.kind === "usb");
      const options: [string, string][] = usb.map((f) => {
        const u = f.connection as { vendor: string; product: string };
        return [`${u.vendor}:${u.product}`, describe(f)];
      });
      const current = `${c.vendor}:${c.product}`;
      if (!options.some(([v]) => v === current)) options.unshift([current, current === ":" ? t("noneFound") : current]);
      return [
        label(env, t("usbPrinter"), select(env, `usb-${name}`, options, current, (v) => {
          const [vendor, product] = v.split(":");
          set({ kind: "usb", vendor: vendor ?? "", product: product ?? "" });
        })),
      ];
    }
  }
}

/** A code the serial scanner read, shown on the technician's screen when it is open. */
export function showScan(code: string): boolean {
  const live = document.getElementById("scanner-live");
  if (!live) return false;
  live.textContent = code;
  return true;
}
