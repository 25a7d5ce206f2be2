// The till's window: login, opening, the sale, payment (returns are in `returns.ts`, customers in
// `customers.ts`, the back office in `office.ts`, the building blocks in `dom.ts`). Every action goes through the app's commands; every error is
// shown as a sentence without clearing what the cashier typed.

import { act, app, isAppError } from "./api";
import type { Approval, Balance, Basket, LoggedIn, Paid, Product, Status, WithBasket } from "./api";
import { euros, kilograms, parseCents, toCents } from "./format";
import type { Lang } from "./format";
import { lang, setLang, t } from "./i18n";
import { said } from "./reasons";
import type { ErrorView } from "./generated/till";
import type { Key } from "./i18n";
import { cashDoubt, forEngine, parseTender, quickCash, settle } from "./tenders";
import type { Tender } from "./tenders";
import { WedgeClassifier } from "./wedge";
import { showScan } from "./devices";
import { closingScreen, discountArgs, manageScreen, settingsScreen } from "./office";
import { approved, askText, button, confirmBox, fill, guard, h, input, m, negative, screen, showError } from "./dom";
import { stockLine, syncBadge } from "./sync";
import { afterPayment, pickupsScreen } from "./pickups";
import { returnsScreen } from "./returns";
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

function keypad(pin: HTMLInputElement, submit: () => void): HTMLElement {
  const pad = h("div", { class: "keypad" });
  for (const key of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]) {
    pad.append(
      button(key, `key-${key === "⌫" ? "back" : key}`, () => {
        if (key === "⌫") pin.value = pin.value.slice(0, -1);
        else if (key === "OK") submit();
        else pin.value += key;
      }),
    );
  }
  return pad;
}

export function loginScreen(fixedStaff?: string): void {
  current = (): void => loginScreen(fixedStaff);
  const staff = input("staff", t("staff"));
  if (fixedStaff) {
    staff.value = fixedStaff;
    staff.readOnly = true;
  }
  const pin = input("pin", t("pin"), "password");
  pin.inputMode = "numeric";
  const submit = (): void => {
    void guard(async () => {
      try {
        const who = await act<LoggedIn>({ do: "login", staff: staff.value.trim(),
          pin: pin.value, });
        operatorName = who.name ?? who.staff;
      } finally {
        pin.value = "";
      }
      const s = await refreshBar();
      if (s.register === null) openRegisterScreen();
      else saleScreen();
    });
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
      keypad(pin, submit),
      fixedStaff ? button(t("switchUser"), "switch-user", () => loginScreen(), "secondary") : null,
    ),
  );
  (fixedStaff ? pin : staff).focus();
}

function lockScreen(): void {
  loginScreen(status?.operator ?? undefined);
}

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
        ? button(qty, `qty-${l.line}`, async () => {
            const typed = await askText(t("qtyAsk"), true);
            if (!typed) return;
            if (!/^\d{1,6}$/.test(typed) || Number(typed) === 0) throw new Error(`« ${typed} » ${t("qtyInvalid")}`);
            const r = await approved((approval) =>
              act<WithBasket>({ do: "quantity", line: l.line, quantity: Number(typed), ...ok(approval) }),
            );
            if (r) {
              basket = r.basket;
              paintBasket();
            }
          }, "small secondary qty-button")
        : qty,
    ),
    h("td", { class: "price" }, m(l.unit_price)),
    h("td", { class: "net" }, m(l.net)),
    h(
      "td",
      {},
      l.measure === "returned"
        ? null
        : button("%", `discount-${l.line}`, async () => {
            const typed = await askText(t("discountAsk"));
            if (!typed) return;
            const r = await approved((approval) =>
              act<WithBasket>({ do: "discount", line: l.line, ...discountArgs(typed), ...ok(approval) }),
            );
            if (r) {
              basket = r.basket;
              paintBasket();
            }
          }, "small secondary"),
      l.measure === "units"
        ? button("€", `price-${l.line}`, async () => {
            const typed = await askText(t("priceAsk"));
            if (!typed) return;
            const cents = parseCents(typed.replace("€", ""));
            if (cents === null || cents < 0) throw new Error(`${typed} : ${t("amount")}`);
            const r = await approved((approval) =>
              act<WithBasket>({ do: "override_price", line: l.line, price: euros(cents), ...ok(approval) }),
            );
            if (r) {
              basket = r.basket;
              paintBasket();
            }
          }, "small secondary")
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
  results.replaceChildren(
    ...found.map((p) => {
      const stock = stockLine(p.stock, status?.store ?? "");
      return h(
        "li",
        {},
        button(`${p.name} · ${p.sku}`, `result-${p.sku}`, async () => {
          results.replaceChildren();
          await scanCode(p.sku);
        }, "result"),
        h("span", { class: "stock", id: `stock-${p.sku}`, title: stock.title }, stock.text),
      );
    }),
  );
}

export function saleScreen(): void {
  current = saleScreen;
  const scanField = input("scan-input", t("scanHint"));
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
        h("ul", { id: "results", class: "results" }),
        h("table", { class: "lines" }, h("tbody", { id: "lines" })),
        h("div", { id: "suggestions", class: "suggestions" }),
        h("details", { class: "gift" }, h("summary", {}, t("sellGiftCard")), giftNumber, giftAmount, sellGift),
      ),
      h(
        "section",
        { class: "right" },
        h("div", { class: "total-box" }, h("span", {}, t("total")), h("span", { id: "total" }, m("0.00"))),
        h("div", { class: "customer" }, h("h3", {}, t("customer")), h("div", { id: "customer-attached" }), ...customers),
        button(t("pay"), "pay", () => paymentScreen(), "primary big"),
        h(
          "div",
          { class: "row wrap" },
          button(t("park"), "park", async () => {
            await act({ do: "park" });
            await refreshBar();
            saleScreen();
          }, "secondary"),
          ...parked.map((slot) =>
            button(`${t("resume")} ${slot}`, `resume-${slot}`, async () => {
              basket = (await act<WithBasket>({ do: "resume", slot: Number(slot) })).basket;
              await refreshBar();
              saleScreen();
            }, "secondary"),
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

// ------------------------------------------------------------------ payment

function paymentScreen(): void {
  if (!basket || basket.lines.length === 0) {
    showError({ code: "refused", message: "the basket is empty: scan something first" });
    return;
  }
  // Redrawn only by its own actions: a language switch must not drop the tenders typed.
  current = (): void => undefined;
  const b = basket;
  const total = toCents(b.total);
  // Card payments the terminal already approved on this basket stay (the engine never charges them twice).
  const tenders: Tender[] = b.cards_approved.map((c) => ({ kind: "card", cents: toCents(c), approved: true }));
  const refund = total < 0;
  const dueView = h("div", { id: "due", class: "due" });
  const changeView = h("div", { id: "change", class: "change" });
  const list = h("ul", { id: "tenders", class: "tenders" });
  const amount = input("tender-amount", t("amount"));
  amount.inputMode = "decimal";
  // A barcode scanned here (eight digits or more, then the scanner's Enter) is refused with a
  // word and taken out of the field, never read as an amount, however fast it was typed.
  amount.onkeydown = (ev): void => {
    if (ev.key !== "Enter" || !/\d{8,}/.test(amount.value)) return;
    ev.preventDefault();
    amount.value = amount.value.replace(/\d{8,}/g, "");
    showError(new Error(t("scanOnPayment")));
  };
  const quick = h("div", { id: "quick-cash", class: "row wrap" });
  const number = input("tender-number", t("number"));
  const info = h("div", { id: "tender-info", class: "detail" });

  const add = (tn: Tender): void => {
    const { due } = settle(total, tenders);
    // Only cash gives change: a card, gift card, credit note or points pay at most what is due;
    // a refund, in any tender, gives back at most what is owed.
    if ((refund || tn.kind !== "cash") && Math.abs(tn.cents) > Math.abs(due)) {
      throw new Error(`${m(euros(tn.cents))} > ${t(refund ? "toRefund" : "due")} ${m(euros(due))}`);
    }
    tenders.push(tn);
    repaint();
  };
  // Cash handed over: a sum the cashier did not mean (a forgotten comma, more change than the
  // drawer holds) is asked about before it is taken.
  const addCash = async (cents: number): Promise<void> => {
    const { due } = settle(total, tenders);
    const reg = status?.register;
    const drawer = reg ? toCents(reg.expected_cash) : null;
    const doubt = refund ? null : cashDoubt(due, cents, reg?.cash_confirm_multiple ?? 5, drawer);
    if (doubt) {
      const words = { given: m(euros(cents)), due: m(euros(due)), change: m(euros(doubt.change)) };
      const text =
        doubt.kind === "multiple"
          ? t("cashDoubtMultiple", words)
          : t("cashDoubtDrawer", { ...words, drawer: m(euros(doubt.drawer)) });
      if (!(await confirmBox(text))) {
        amount.select();
        return;
      }
    }
    add({ kind: "cash", cents });
  };
  const repaint = (): void => {
    const { due, change, over } = settle(total, tenders);
    dueView.textContent = over > 0
      ? t("overRefund", { over: m(euros(over)) })
      : `${t(refund ? "toRefund" : "due")} ${m(euros(refund ? -due : due))}`;
    finishButton.disabled = due !== 0 || over !== 0;
    changeView.textContent = change > 0 ? `${t("change")} ${m(euros(change))}` : "";
    quick.replaceChildren(
      ...(refund ? [] : quickCash(due)).map((c, i) =>
        button(m(euros(c)), `quick-cash-${i}`, () => addCash(c), "secondary"),
      ),
    );
    list.replaceChildren(
      ...tenders.map((tn, i) =>
        h(
          "li",
          {},
          `${label(tn)} ${m(euros(tn.cents))}`,
          " ",
          tn.kind === "card" && tn.approved
            ? h("span", { class: "detail" }, t("approved"))
            : button("✕", `tender-remove-${i}`, () => {
                tenders.splice(i, 1);
                repaint();
              }, "small secondary"),
        ),
      ),
    );
    // What is left, as the cashier would type it: a refund's amount unsigned (made negative above).
    amount.value = due !== 0 ? euros(Math.abs(due)).replace(".", lang() === "fr" ? "," : ".") : "";
  };
  const label = (tn: Tender): string =>
    tn.kind === "cash"
      ? t("cash")
      : tn.kind === "card"
        ? t("card")
        : tn.kind === "gift_card"
          ? `${t("giftCard")} ${tn.card}`
          : tn.kind === "store_credit"
            ? `${t("storeCredit")} ${tn.note}`
            : `${tn.points} ${t("points")}`;
  // What is typed is an amount or is refused here, before any tender: no sign (a refund's
  // tenders are made negative here), no letters, at most two decimals, at most 99 999,99.
  const typed = (): number => {
    const c = parseTender(amount.value);
    if (c === null) {
      amount.select();
      throw new Error(`« ${amount.value.trim() || "?"} » ${t("notAmount")}`);
    }
    return refund ? -c : c;
  };
  const addVoucher = async (kind: "gift_card" | "store_credit"): Promise<void> => {
    const no = number.value.trim();
    if (kind === "store_credit" && refund) {
      add({ kind, note: "", cents: typed() });
      return;
    }
    if (no === "") throw new Error(`${t("number")} ?`);
    const r = await act<Balance>({ do: "balance", number: no });
    if (r.balance === null) throw { code: "refused", message: `no gift card or credit note ${no}; check the number` };
    info.textContent = `${t("balance")} ${no} : ${m(r.balance)}`;
    const cents = refund ? typed() : Math.min(typed(), toCents(r.balance));
    if (cents === 0) throw { code: "refused", message: `${no} has 0.00 left, not ${euros(typed())}: take the rest by another tender` };
    add(kind === "gift_card" ? { kind, card: no, cents } : { kind, note: no, cents });
    number.value = "";
  };
  const finish = async (): Promise<void> => {
    const hasCard = tenders.some((tn) => tn.kind === "card");
    const waiting = hasCard ? cardWaiting() : null;
    try {
      const r = await approved((approval) => act<WithBasket<Paid>>({ do: "pay", tenders: forEngine(tenders), ...ok(approval) }));
      if (r === null) return;
      basket = r.basket;
      await refreshBar();
      paidScreen(r.result);
      await afterPayment(r.result.ticket).catch(showError);
    } catch (e) {
      // What the terminal approved before the failure stays on the basket, and on this screen.
      basket = await act<Basket>({ do: "basket" });
      const kept = basket.cards_approved.map(toCents);
      for (const c of kept) {
        if (!tenders.some((tn) => tn.kind === "card" && tn.cents === c && tn.approved === true)) {
          const i = tenders.findIndex((tn) => tn.kind === "card" && tn.cents === c && tn.approved !== true);
          if (i >= 0) tenders[i] = { kind: "card", cents: c, approved: true };
        }
      }
      // A card declined, cancelled or not made is no payment: its amount is due again.
      if (isAppError(e) && e.reason.code.startsWith("card_")) {
        for (let i = tenders.length - 1; i >= 0; i--) {
          const tn = tenders[i];
          if (tn?.kind === "card" && tn.approved !== true) tenders.splice(i, 1);
        }
      }
      repaint();
      throw e;
    } finally {
      waiting?.remove();
      void refreshBar();
    }
  };
  const finishButton = button(t("finish"), "finish", finish, "primary big");
  const points = b.points ?? 0;
  const pointValue = toCents(b.point_value);
  screen().replaceChildren(
    h(
      "div",
      { class: "payment" },
      h("h1", {}, t("payment")),
      h("div", { class: "total-box" }, h("span", {}, t("total")), h("span", { id: "pay-total" }, m(b.total))),
      dueView,
      changeView,
      list,
      amount,
      quick,
      h(
        "div",
        { class: "row wrap" },
        button(refund ? t("refundCash") : t("cash"), "tender-cash", () => addCash(typed())),
        button(refund ? t("refundCard") : t("card"), "tender-card", () => {
          add({ kind: "card", cents: typed() });
        }),
      ),
      number,
      info,
      h(
        "div",
        { class: "row wrap" },
        button(t("giftCard"), "tender-gift", () => addVoucher("gift_card")),
        button(t("storeCredit"), "tender-credit", () => addVoucher("store_credit")),
        !refund && b.customer && points > 0 && pointValue > 0
          ? button(`${t("loyalty")} (${points})`, "tender-points", () => {
              const { due } = settle(total, tenders);
              const use = Math.min(points, Math.floor(due / pointValue));
              if (use > 0) add({ kind: "points", points: use, cents: use * pointValue });
            })
          : null,
      ),
      h(
        "div",
        { class: "row" },
        finishButton,
        button(t("cancel"), "payment-back", () => saleScreen(), "secondary"),
      ),
    ),
  );
  repaint();
  amount.focus();
}

/** The overlay shown while the terminal runs a card payment, with its cancel button. */
export function cardWaiting(): HTMLElement {
  const overlay = h(
    "div",
    { class: "modal", id: "card-waiting" },
    h(
      "div",
      { class: "card" },
      h("h2", {}, t("card")),
      h("p", { class: "spinner" }, t("cardWaiting")),
      button(t("cardCancel"), "card-cancel", async () => {
        await app("cancel_card");
      }, "secondary"),
    ),
  );
  document.body.append(overlay);
  return overlay;
}

function paidScreen(r: Paid): void {
  current = (): void => paidScreen(r);
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
