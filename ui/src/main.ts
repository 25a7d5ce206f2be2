// The till's window: login, opening, the sale, payment (returns are in `returns.ts`, customers in
// `customers.ts`, the back office in `office.ts`, the building blocks in `dom.ts`). Every action goes through the app's commands; every error is
// shown as a sentence without clearing what the cashier typed.

import { act, app, isAppError } from "./api";
import type { Approval, Basket, LoggedIn, Paid, Product, Status, WithBasket } from "./api";
import { clock, euros, kilograms, parseCents, staffId, toCents } from "./format";
import type { Lang } from "./format";
import { lang, setLang, t } from "./i18n";
import { said } from "./reasons";
import type { Action, ErrorView } from "./generated/till";
import type { Key } from "./i18n";
import { paymentScreen } from "./payment";
import { WedgeClassifier } from "./wedge";
import { idleLockDue } from "./idle";
import { showScan } from "./devices";
import { closingScreen, discountArgs, manageScreen, settingsScreen } from "./office";
import { approved, askText, button, confirmBox, fill, guard, h, input, m, negative, screen, showError } from "./dom";
import { stockLine, syncBadge } from "./sync";
import { pickupsScreen } from "./pickups";
import { returnsScreen } from "./returns";
import { receiptQuestion } from "./receipt";
import type { ReceiptAsk } from "./receipt";
import { customerPanel } from "./customers";

/** The approval field of an action, when a manager gave one. */
export function ok(approval: Approval | undefined): { approval?: Approval } {
  return approval === undefined ? {} : { approval };
}

/**
 * Why the till refuses to sell, and what a manager does about it: make its tables again from the
 * journal, or accept a journal that does not reach its head (both journaled).
 */
export function blockedPanel(blocked: ErrorView[]): HTMLElement[] {
  if (blocked.length === 0) return [];
  const manage = (what: "rebuild" | "accept_head") => async (): Promise<void> => {
    const r = await approved((approval) => act({ do: what, ...ok(approval) }));
    if (r === null) return;
    await refreshBar();
    manageScreen();
  };
  const head = blocked.some((b) => b.reason.code === "head_not_reached");
  return [
    h("h2", { class: "warning", id: "blocked" }, t("blocked")),
    ...blocked.map((b) => h("p", { class: "detail" }, said(b))),
    h(
      "div",
      { class: "row" },
      head
        ? button(t("acceptHead"), "accept-head", manage("accept_head"), "secondary")
        : button(t("rebuild"), "rebuild", manage("rebuild"), "secondary"),
    ),
  ];
}

// ------------------------------------------------------------------ status bar

export let status: Status | null = null;
let operatorName = "";

function deviceBadge(name: "printer" | "terminal" | "scale" | "scanner"): HTMLElement {
  const d = status?.devices[name];
  const configured = d?.configured !== null && d?.configured !== undefined;
  const bad = d?.last !== null && d?.last !== undefined && !d.last.ok;
  const cls = bad ? "device bad" : configured ? "device ok" : "device off";
  const last = d?.last ?? null;
  const words = last === null ? "" : last.reason !== null ? said(last.reason) : last.message;
  const title = bad ? words : configured ? (last?.message ?? t("deviceOk")) : t("notConfigured");
  return h("span", { class: cls, id: `device-${name}`, title }, t(name as Key), bad ? ` ⚠ ${words}` : "");
}

export async function refreshBar(): Promise<Status> {
  status = await act<Status>({ do: "status" });
  const bar = document.getElementById("bar") as HTMLElement;
  const langButton = button(t("language"), "lang", () => {
    const next: Lang = lang() === "fr" ? "en" : "fr";
    setLang(next);
    localStorage.setItem("lang", next);
    void refreshBar();
    current();
  }, "link");
  const lockButton = status.operator ? button(t("lock"), "lock", () => lockScreen(), "link") : null;
  fill(bar,
    h("span", { id: "store" }, status.store),
    h("span", { id: "till" }, `${t("till")} ${status.till}`),
    h("span", { id: "operator" }, status.operator ? `${operatorName || status.operator}` : ""),
    h("span", { class: "devices" }, deviceBadge("printer"), deviceBadge("terminal"), deviceBadge("scale")),
    syncBadge(status.head_office),
    status.blocked.length > 0
      ? h("span", { id: "blocked-badge", class: "device bad", title: status.blocked.map(said).join("\n") }, `⚠ ${t("blocked")}`)
      : null,
    langButton,
    lockButton,
  );
  const banner = document.getElementById("training") as HTMLElement;
  banner.hidden = !status.training;
  banner.textContent = t("training");
  return status;
}

/** Repaints the screen in place (after a language switch). */
let current: () => void = () => undefined;

/** The screen a language switch repaints. */
export function setCurrent(f: () => void): void {
  current = f;
}

// ------------------------------------------------------------------ login and lock

/**
 * The login keypad: it types into the field last touched, the staff number or the PIN; OK on the
 * staff number goes on to the PIN, OK on the PIN logs in.
 */
function keypad(staff: HTMLInputElement, pin: HTMLInputElement, submit: () => void): HTMLElement {
  let target = staff.readOnly ? pin : staff;
  staff.addEventListener("focus", () => (target = staff.readOnly ? pin : staff));
  pin.addEventListener("focus", () => (target = pin));
  const pad = h("div", { class: "keypad" });
  for (const key of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]) {
    pad.append(
      button(key, `key-${key === "⌫" ? "back" : key}`, () => {
        if (key === "⌫") target.value = target.value.slice(0, -1);
        else if (key === "OK" && target === staff) pin.focus();
        else if (key === "OK") submit();
        else target.value += key;
      }),
    );
  }
  return pad;
}

export function loginScreen(fixedStaff?: string): void {
  current = (): void => loginScreen(fixedStaff);
  const staff = input("staff", t("staff"));
  staff.inputMode = "numeric";
  if (fixedStaff) {
    staff.value = fixedStaff;
    staff.readOnly = true;
  }
  const pin = input("pin", t("pin"), "password");
  pin.inputMode = "numeric";
  const submit = (): void => {
    void guard(async () => {
      try {
        const who = await act<LoggedIn>({ do: "login", staff: staffId(staff.value), pin: pin.value });
        operatorName = who.name ?? who.staff;
      } finally {
        pin.value = "";
      }
      const s = await refreshBar();
      if (s.register === null) openRegisterScreen();
      else saleScreen();
    });
  };
  staff.onkeydown = (ev): void => {
    if (ev.key === "Enter") pin.focus();
  };
  pin.onkeydown = (ev): void => {
    if (ev.key === "Enter") submit();
  };
  screen().replaceChildren(
    h(
      "div",
      { class: "login" },
      h("h1", {}, fixedStaff ? t("locked") : t("login")),
      staff,
      pin,
      keypad(staff, pin, submit),
      fixedStaff ? button(t("switchUser"), "switch-user", () => loginScreen(), "secondary") : null,
    ),
  );
  (fixedStaff ? pin : staff).focus();
}

function lockScreen(): void {
  loginScreen(status?.operator ?? undefined);
}

// The till locks itself after `idle_lock_minutes` without a key, a click or a touch, when someone
// is logged in and no card payment or dialog is under way (the next cashier unlocks with a PIN).
let lastTouch = Date.now();
for (const kind of ["keydown", "pointerdown", "touchstart"]) {
  document.addEventListener(kind, () => (lastTouch = Date.now()), true);
}
setInterval(() => {
  const busy = document.querySelector(".modal") !== null || document.getElementById("pin") !== null;
  if (idleLockDue(Date.now(), lastTouch, status?.idle_lock_minutes ?? 0, Boolean(status?.operator), busy)) {
    lastTouch = Date.now();
    lockScreen();
  }
}, 5_000);

// ------------------------------------------------------------------ opening

export function openRegisterScreen(): void {
  current = openRegisterScreen;
  const float = input("float", t("float"));
  float.inputMode = "decimal";
  const open = async (): Promise<void> => {
    const cents = parseCents(float.value);
    if (cents === null) throw new Error(`${float.value || "?"} : ${t("amount")} (12,30)`);
    const r = await approved((approval) => act({ do: "open_register", float: euros(cents), ...ok(approval) }));
    if (r === null) return;
    await refreshBar();
    saleScreen();
  };
  float.onkeydown = (ev): void => {
    if (ev.key === "Enter") void guard(open);
  };
  screen().replaceChildren(
    h("div", { class: "panel" }, h("h1", {}, t("openRegister")), float, button(t("open"), "open-register", open)),
  );
  float.focus();
}

// ------------------------------------------------------------------ the sale

let basket: Basket | null = null;

/** The basket an action of another screen answered with (a return, a customer attached). */
export function setBasket(b: Basket): void {
  basket = b;
}

export function getBasket(): Basket | null {
  return basket;
}

/** Scans and typed codes, taken one at a time in the order they came (each sees the basket the
 * one before it left). */
let scans: Promise<void> = Promise.resolve();
function inTurn(f: () => Promise<void>): void {
  scans = scans.then(() => guard(f));
}

/** A scan from anywhere: the wedge scanner, the scan field, a search result, a suggestion. */
/** Sells `lines` (a click & collect order paid at the counter) and shows the basket. */
export async function sellLines(lines: { sku: string; qty: number }[]): Promise<void> {
  for (const l of lines) basket = (await act<WithBasket>({ do: "scan", code: l.sku, quantity: l.qty })).basket;
  saleScreen();
}

async function scanCode(code: string, extra: Record<string, unknown> = {}): Promise<void> {
  try {
    // Above a maximum (units, a line's amount, a weight) a manager approves on the spot.
    const r = await approved((approval) => act<WithBasket>({ do: "scan", code, ...extra, ...ok(approval) }));
    if (r === null) return;
    basket = r.basket;
  } catch (e) {
    const problem = isAppError(e) && e.reason.code === "line" ? e.reason.problem : null;
    if ((problem === "serial_needed" || problem === "serial_empty") && extra["serial"] === undefined) {
      const serial = await askText(t("serialAsk"));
      if (serial) return scanCode(code, { ...extra, serial });
      return;
    }
    // A weight is typed only where no scale answers (the engine says so); with one, its stable weight counts.
    if (isAppError(e) && e.reason.code === "no_scale" && extra["grams"] === undefined) {
      const grams = await askText(t("weightAsk"), true);
      if (grams && /^\d+$/.test(grams) && Number(grams) > 0) return scanCode(code, { ...extra, grams: Number(grams) });
      return;
    }
    if (isAppError(e) && e.kind === "device") void refreshBar();
    throw e;
  }
  paintBasket();
  void paintSuggestions();
}

/**
 * A line button's action: asks one value (`title`), makes the engine's action of it (a manager
 * approves where the engine asks, the action made again with the approval), repaints the basket.
 */
function askAndAct(
  title: Key,
  numeric: boolean,
  action: (typed: string, approval?: Approval) => Action,
): () => Promise<void> {
  return async () => {
    const typed = await askText(t(title), numeric);
    if (!typed) return;
    action(typed); // refused here, before any manager is asked, when it does not read
    const r = await approved((approval) => act<WithBasket>(action(typed, approval)));
    if (r) {
      basket = r.basket;
      paintBasket();
    }
  };
}

function lineView(l: Basket["lines"][number]): HTMLElement {
  const qty =
    l.measure === "weight"
      ? kilograms(l.quantity, lang())
      : l.measure === "label"
        ? "—"
        : String(l.quantity);
  return h(
    "tr",
    { class: "line", id: `line-${l.line}`, "data-sku": l.sku },
    h(
      "td",
      { class: "name" },
      h("div", {}, l.name),
      l.serial ? h("div", { class: "detail" }, `${t("serial")} ${l.serial}`) : null,
      ...l.discounts.map((d) => h("div", { class: "detail promo" }, `${d.label} ${m(negative(d.amount))}`)),
      l.eco !== "0.00" ? h("div", { class: "detail" }, `${t("eco")} ${m(l.eco)}`) : null,
    ),
    h(
      "td",
      { class: "qty" },
      // Tap the units of an item sold by the unit to change them (a serial number is one unit).
      l.measure === "units" && !l.serial
        ? button(qty, `qty-${l.line}`, askAndAct("qtyAsk", true, (typed, approval) => {
            if (!/^\d{1,6}$/.test(typed) || Number(typed) === 0) throw new Error(`« ${typed} » ${t("qtyInvalid")}`);
            return { do: "quantity", line: l.line, quantity: Number(typed), ...ok(approval) };
          }), "small secondary qty-button")
        : qty,
    ),
    h("td", { class: "price" }, m(l.unit_price)),
    h("td", { class: "net" }, m(l.net)),
    h(
      "td",
      {},
      l.measure === "returned"
        ? null
        : button("%", `discount-${l.line}`, askAndAct("discountAsk", false, (typed, approval) => (
            { do: "discount", line: l.line, ...discountArgs(typed), ...ok(approval) }
          )), "small secondary"),
      l.measure === "units"
        ? button("€", `price-${l.line}`, askAndAct("priceAsk", false, (typed, approval) => {
            const cents = parseCents(typed.replace("€", ""));
            if (cents === null || cents < 0) throw new Error(`${typed} : ${t("amount")}`);
            return { do: "override_price", line: l.line, price: euros(cents), ...ok(approval) };
          }), "small secondary")
        : null,
    ),
    // Removing stands apart from the other line buttons.
    h(
      "td",
      { class: "remove" },
      button("✕", `remove-${l.line}`, async () => {
        basket = (await act<WithBasket>({ do: "remove_line", line: l.line })).basket;
        paintBasket();
        void paintSuggestions();
      }, "small secondary"),
    ),
  );
}

function paintBasket(): void {
  const table = document.getElementById("lines");
  const total = document.getElementById("total");
  const cust = document.getElementById("customer-attached");
  if (!table || !total || !basket) return;
  table.replaceChildren(...basket.lines.map(lineView));
  // The newest line in sight, past a screenful of lines.
  const newest = Math.max(0, ...basket.lines.map((l) => l.line));
  document.getElementById(`line-${newest}`)?.scrollIntoView({ block: "nearest" });
  for (const d of basket.basket_discounts) {
    table.append(
      h("tr", { class: "line promo" }, h("td", { colspan: "3" }, d.label), h("td", {}, m(negative(d.amount))), h("td")),
    );
  }
  total.textContent = m(basket.total);
  if (cust) {
    cust.replaceChildren();
    if (basket.customer_detail) {
      cust.append(
        h("strong", { id: "customer-name" }, basket.customer_detail.name),
        ` (${t("priceList")} ${basket.customer_detail.segment}, ${t("tier")} ${basket.customer_detail.tier}) — `,
        h("span", { id: "customer-points" }, `${basket.points ?? 0} ${t("points")}`),
        " ",
        button(t("detach"), "customer-detach", async () => {
          basket = (await act<WithBasket>({ do: "customer", id: "" })).basket;
          paintBasket();
        }, "small secondary"),
      );
    }
  }
}

async function paintSuggestions(): Promise<void> {
  const box = document.getElementById("suggestions");
  if (!box) return;
  const list = basket && basket.lines.length > 0 ? await act<Product[]>({ do: "suggest" }) : [];
  fill(box,
    list.length > 0 ? h("h3", {}, t("suggestions")) : null,
    ...list.slice(0, 8).map((p) => button(`+ ${p.name}`, `suggest-${p.sku}`, () => scanCode(p.sku), "chip")),
  );
}

async function search(text: string): Promise<void> {
  const results = document.getElementById("results") as HTMLElement;
  const found = await act<Product[]>({ do: "search", text });
  if (found.length === 0) {
    results.replaceChildren(h("li", { id: "results-none", class: "detail" }, t("noMatch", { text })));
    return;
  }
  results.replaceChildren(
    ...found.map((p) => {
      const stock = stockLine(p.stock, status?.store ?? "");
      return h(
        "li",
        {},
        // Name, reference and price (per kilogram for an item sold by weight), then the stock.
        button([p.name, p.sku, p.price ? `${m(p.price)}${p.by_weight ? "/kg" : ""}` : ""].filter(Boolean).join(" · "), `result-${p.sku}`, async () => {
          results.replaceChildren();
          await scanCode(p.sku);
        }, "result"),
        h("span", { class: "stock", id: `stock-${p.sku}`, title: stock.title }, stock.text),
      );
    }),
  );
}

/** The search results by keyboard: the arrows go from the scan field through the results and back,
 * Esc closes them and returns to the scan field. */
function resultsByKeyboard(ev: KeyboardEvent, scanField: HTMLInputElement): void {
  const results = document.getElementById("results");
  const items = Array.from(results?.querySelectorAll<HTMLButtonElement>("button.result") ?? []);
  if (ev.key === "Escape") {
    results?.replaceChildren();
    scanField.focus();
    return;
  }
  if (items.length === 0 || (ev.key !== "ArrowDown" && ev.key !== "ArrowUp")) return;
  ev.preventDefault();
  const at = items.indexOf(document.activeElement as HTMLButtonElement);
  const next = ev.key === "ArrowDown" ? at + 1 : at - 1;
  if (next < 0) scanField.focus();
  else items[Math.min(next, items.length - 1)]?.focus();
}

/** The sale screen's function keys, shown on their buttons. */
const SALE_KEYS: Record<string, string> = { F2: "scan-input", F4: "customer-find", F8: "park", F12: "pay" };

function saleKeys(ev: KeyboardEvent): void {
  const target = SALE_KEYS[ev.key];
  if (!target || document.querySelector(".modal") || !document.getElementById("scan-input")) return;
  ev.preventDefault();
  const el = document.getElementById(target);
  if (el instanceof HTMLInputElement) el.focus();
  else el?.click();
}
document.addEventListener("keydown", saleKeys);

export function saleScreen(): void {
  current = saleScreen;
  const scanField = input("scan-input", `${t("scanHint")} (F2)`);
  scanField.addEventListener("keydown", (ev) => resultsByKeyboard(ev, scanField));
  const resultsList = h("ul", { id: "results", class: "results" });
  resultsList.addEventListener("keydown", (ev) => resultsByKeyboard(ev, scanField));
  scanField.onkeydown = (ev): void => {
    if (ev.key !== "Enter") return;
    // Every Enter empties the field, whatever comes of it: the next scan never lands after a
    // refused code, and codes scanned in a burst are taken one after the other, each whole.
    const text = scanField.value.trim();
    scanField.value = "";
    if (text === "") return;
    inTurn(async () => {
      // "3*CODE" sells three; digits or a SKU are a code typed in; anything else is a search.
      const times = /^(\d{1,3})\*(.+)$/.exec(text);
      if (times) await scanCode((times[2] ?? "").trim(), { quantity: Number(times[1]) });
      else if (/^\d{6,}$/.test(text) || /^[A-Z0-9]+(-[A-Z0-9]+)+$/.test(text)) await scanCode(text);
      else await search(text);
    });
  };
  const customers = customerPanel((b) => {
    basket = b;
    paintBasket();
  });
  const giftNumber = input("gift-sell-number", `${t("giftCard")} — ${t("number")}`);
  const giftAmount = input("gift-sell-amount", t("amount"));
  giftAmount.inputMode = "decimal";
  const sellGift = button(t("sellGiftCard"), "gift-sell", async () => {
    const cents = parseCents(giftAmount.value);
    if (cents === null || cents <= 0) throw new Error(`${giftAmount.value || "?"} : ${t("amount")}`);
    const sold = await approved((approval) =>
      act<WithBasket>({ do: "gift_card", card: giftNumber.value.trim(), amount: euros(cents), ...ok(approval) }),
    );
    if (sold === null) return;
    basket = sold.basket;
    giftNumber.value = "";
    giftAmount.value = "";
    paintBasket();
  }, "secondary");
  const parked = status?.parked ?? [];
  screen().replaceChildren(
    h(
      "div",
      { class: "sale" },
      h(
        "section",
        { class: "left" },
        scanField,
        resultsList,
        // The store's keys for what is sold without a barcode: a tap is a scan of the item.
        h(
          "div",
          { id: "quick-keys", class: "row wrap quick-keys" },
          ...(status?.quick_keys ?? []).map((k) => button(k.label, `quick-${k.sku}`, () => inTurn(() => scanCode(k.sku)), "chip")),
        ),
        h("table", { class: "lines" }, h("tbody", { id: "lines" })),
        h("div", { id: "suggestions", class: "suggestions" }),
        h("details", { class: "gift" }, h("summary", {}, t("sellGiftCard")), giftNumber, giftAmount, sellGift),
      ),
      h(
        "section",
        { class: "right" },
        h("div", { class: "total-box" }, h("span", {}, t("total")), h("span", { id: "total" }, m("0.00"))),
        h("div", { class: "customer" }, h("h3", {}, t("customer")), h("div", { id: "customer-attached" }), ...customers),
        button(`${t("pay")} (F12)`, "pay", () => paymentScreen(), "primary big"),
        h(
          "div",
          { class: "row wrap" },
          button(`${t("park")} (F8)`, "park", async () => {
            await act({ do: "park" });
            await refreshBar();
            saleScreen();
          }, "secondary"),
          // Each parked basket by when, for whom and how much, to tell them apart at a glance.
          ...parked.map((p) =>
            button(
              [t("resume"), p.at ? clock(p.at, lang()) : "", p.customer, p.total ? m(p.total) : `${p.lines} ${t("linesWord")}`]
                .filter((x) => x !== "")
                .join(" · "),
              `resume-${p.slot}`,
              async () => {
                basket = (await act<WithBasket>({ do: "resume", slot: p.slot })).basket;
                await refreshBar();
                saleScreen();
              },
              "secondary",
            ),
          ),
          button(t("cancelBasket"), "cancel-basket", async () => {
            if (!(await confirmBox(t("confirmCancel")))) return;
            basket = (await act<WithBasket>({ do: "cancel" })).basket;
            paintBasket();
            void paintSuggestions();
          }, "secondary"),
        ),
        h(
          "div",
          { class: "row wrap" },
          button(t("returns"), "go-returns", () => returnsScreen(), "secondary"),
          button(t("pickups"), "go-pickups", () => pickupsScreen(), "secondary"),
          button(t("closing"), "go-closing", () => closingScreen(), "secondary"),
          button(t("manage"), "go-manage", () => manageScreen(), "secondary"),
          button(t("settings"), "go-settings", () => settingsScreen(), "secondary"),
        ),
      ),
    ),
  );
  void guard(async () => {
    basket = await act<Basket>({ do: "basket" });
    paintBasket();
    await paintSuggestions();
  });
  scanField.focus();
}

export function paidScreen(r: Paid, ask: ReceiptAsk): void {
  current = (): void => paidScreen(r, ask);
  const receipt = h("pre", { id: "receipt", class: "receipt", hidden: "" });
  screen().replaceChildren(
    h(
      "div",
      { class: "panel" },
      h("h1", {}, t("paid")),
      h("p", { id: "paid-ticket" }, `${t("ticket")} ${r.ticket} — ${m(r.total)}`),
      toCents(r.change) > 0 ? h("div", { id: "paid-change", class: "change huge" }, `${t("change")} ${m(r.change)}`) : null,
      ...r.credit_notes.map((n) => h("p", { class: "credit-note" }, `${t("storeCredit")} ${n.note} : ${m(n.amount)}`)),
      r.printer ? h("p", { class: "warning" }, said(r.printer)) : null,
      receiptQuestion(r.ticket, ask),
      h(
        "div",
        { class: "row" },
        button(t("showReceipt"), "show-receipt", async () => {
          receipt.textContent = (await app<string | null>("last_receipt")) ?? "";
          receipt.hidden = false;
        }, "secondary"),
        button(t("newSale"), "new-sale", () => saleScreen(), "primary"),
      ),
      receipt,
    ),
  );
}

// ------------------------------------------------------------------ the wedge scanner, everywhere

const wedge = new WedgeClassifier();

document.addEventListener(
  "keydown",
  (ev) => {
    if (ev.ctrlKey || ev.altKey || ev.metaKey) return;
    // Only the sale screen sells; PINs are typed by hand.
    const selling = document.getElementById("scan-input") !== null;
    const nextSale = document.getElementById("new-sale") !== null;
    if (!selling && !nextSale) return;
    const verdict = wedge.key(ev.key, performance.now());
    if (verdict.kind !== "scan") return;
    // A scan into a field belongs to it, and its Enter handles the field's whole text: the scan
    // field sells it (with a "3*" typed before), the customer search looks the loyalty card up, the
    // returns field finds the receipt, a serial number asked for is filled in.
    if (ev.target instanceof HTMLInputElement) return;
    ev.preventDefault();
    ev.stopPropagation();
    const code = verdict.code;
    // The next customer's first item, scanned while the last receipt is still on screen.
    if (!selling) saleScreen();
    inTurn(() => scanCode(code));
  },
  true,
);

/** Codes from a serial scanner, read by the app: a scan like a wedge burst, wherever the window is. */
async function serialScanner(): Promise<void> {
  for (;;) {
    try {
      const code = await app<string | { scanner: string } | null>("next_scan");
      if (typeof code === "object" && code !== null) return; // no serial scanner configured
      if (code === null) continue;
      // On the technician's screen a scan is shown, not sold.
      if (showScan(code)) continue;
      if (document.getElementById("new-sale")) saleScreen();
      if (document.getElementById("scan-input")) inTurn(() => scanCode(code));
    } catch (e) {
      showError(e);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

// ------------------------------------------------------------------ start

setLang(localStorage.getItem("lang") === "en" ? "en" : "fr");
document.documentElement.lang = lang();
void guard(async () => {
  const s = await refreshBar();
  // After a restart nobody is trusted to be at the till: the last operator unlocks with their PIN.
  if (s.operator === null) loginScreen();
  else loginScreen(s.operator);
  void serialScanner();
});
