// The back office of the window: closing the register (the count and the Z), managing it (cash in
// and out, no sale, voids, reprints, training, periodic closures, archives, card payments to
// resolve) and the settings.

import { act, app } from "./api";
import type { Archived, Closed, Paid } from "./api";
import { DENOMINATIONS, countTotal, countedForEngine, isNote } from "./cash";
import { devicesScreen } from "./devices";
import { approved, button, confirmBox, fill, guard, h, input, m, screen } from "./dom";
import { businessDay, euros, parseCents, toCents } from "./format";
import { lang, t } from "./i18n";
import { cardWaiting } from "./payment";
import {
  blockedPanel,
  loginScreen,
  ok,
  openRegisterScreen,
  refreshBar,
  saleScreen,
  setCurrent,
  status,
} from "./main";
import { said } from "./reasons";

// ------------------------------------------------------------------ closing

/**
 * The cash count and the Z; with `countDay`, the count of a day the till closed itself (opening
 * the next day closed it: its Z is already made, only the cash is counted).
 */
export function closingScreen(countDay?: string): void {
  setCurrent((): void => undefined);
  const counts = new Map<number, number>();
  // Counts typed that are not a whole number of notes or coins, as typed: nothing is closed
  // while one is left, and none is silently read as another number.
  const bad = new Map<number, string>();
  const expected = status?.register && !countDay ? toCents(status.register.expected_cash) : 0;
  // A blind count by default: what the drawer should hold shows once the count is submitted,
  // unless the store shows it (setting `closing_shows_expected`).
  const blind = !(status?.register?.closing_shows_expected ?? false);
  const countedView = h("div", { id: "counted" });
  const differenceView = h("div", { id: "difference", class: "big" });
  const repaint = (): void => {
    const wrong = [...bad.values()][0];
    closeButton.disabled = wrong !== undefined;
    if (shiftButton) shiftButton.disabled = wrong !== undefined;
    if (wrong !== undefined) {
      countedView.textContent = t("countInvalid", { typed: wrong });
      countedView.className = "warning";
      differenceView.textContent = "";
      return;
    }
    const total = countTotal(counts);
    countedView.className = "";
    countedView.textContent = blind
      ? `${t("counted")} ${m(euros(total))}`
      : `${t("counted")} ${m(euros(total))} — ${t("expected")} ${m(euros(expected))}`;
    differenceView.textContent = blind ? "" : `${t("difference")} ${m(euros(total - expected))}`;
    differenceView.className = blind || total === expected ? "big" : "big warning";
  };
  const field = (d: number): HTMLElement => {
    const f = input(`count-${d}`, "0");
    f.inputMode = "numeric";
    f.oninput = (): void => {
      const typed = f.value.trim();
      counts.delete(d);
      bad.delete(d);
      const n = Number(typed);
      if (/^\d{1,6}$/.test(typed) && n <= 100_000) counts.set(d, n);
      else if (typed !== "") bad.set(d, typed);
      f.classList.toggle("invalid", bad.has(d));
      repaint();
    };
    return h("label", { class: "count" }, h("span", {}, m(euros(d))), f);
  };
  const result = h("div", { id: "z-report" });
  const closeButton = closeDayButton(countDay, counts, expected, blind, result, false);
  // A shift ends with its own count and no Z; the day's Z, later, covers every shift.
  const shiftButton = countDay ? null : closeDayButton(undefined, counts, expected, blind, result, true);
  screen().replaceChildren(
    h(
      "div",
      { class: "panel" },
      h("h1", {}, `${t("closing")} — ${businessDay(countDay ?? status?.register?.day ?? "", lang())}`),
      h("h2", {}, t("countCash")),
      h("h3", {}, t("notes")),
      h("div", { class: "counts" }, ...DENOMINATIONS.filter(isNote).map(field)),
      h("h3", {}, t("coins")),
      h("div", { class: "counts" }, ...DENOMINATIONS.filter((d) => !isNote(d)).map(field)),
      countedView,
      differenceView,
      h(
        "div",
        { class: "row" },
        closeButton,
        shiftButton,
        button(t("sale"), "closing-back", () => (status?.register ? saleScreen() : openRegisterScreen()), "secondary"),
      ),
      result,
    ),
  );
  repaint();
}

/**
 * The button that closes the day (or counts a day's cash, or with `shift` ends the session
 * without a Z) once the count is confirmed.
 */
function closeDayButton(
  countDay: string | undefined,
  counts: ReadonlyMap<number, number>,
  expected: number,
  blind: boolean,
  result: HTMLElement,
  shift: boolean,
): HTMLButtonElement {
  return button(t(shift ? "endShift" : "close"), shift ? "end-shift" : "close-day", async () => {
    const total = countTotal(counts);
    const words = { counted: m(euros(total)), expected: m(euros(expected)), difference: m(euros(total - expected)) };
    const sure = await confirmBox(t(shift ? "confirmShift" : blind ? "confirmCloseBlind" : "confirmClose", words));
    if (!sure) return;
    const r = await approved((approval) =>
      countDay
        ? act<Closed>({ do: "count_cash", day: countDay, counted: countedForEngine(counts) })
        : act<Closed>({ do: "close", counted: countedForEngine(counts), ...(shift ? { shift: true } : {}), ...ok(approval) }),
    );
    if (!r) return;
    await refreshBar();
    fill(result,
      h("h2", {}, t(shift ? "shiftReport" : "zReport")),
      h("p", { id: "z-difference" }, `${t("expected")} ${m(r.expected)} — ${t("counted")} ${m(r.counted)} — ${t("difference")} ${m(r.difference)}`),
      r.printer ? h("p", { class: "warning" }, said(r.printer)) : null,
      shift ? null : h("pre", { class: "receipt", id: "z-text" }, (await app<string | null>("last_receipt")) ?? ""),
    );
  }, "primary");
}

/** "10" or "10 %" is a percentage; "5,00", "5.5" or "5 €" an amount in euros. */
export function discountArgs(typed: string): Record<string, string> {
  const reason = t("discount");
  const text = typed.replace("%", "").trim();
  if (/[.,€]/.test(text)) {
    const cents = parseCents(text.replace("€", ""));
    if (cents === null || cents <= 0) throw new Error(`${typed} : ${t("amount")}`);
    return { amount: euros(cents), reason };
  }
  if (!/^\d{1,2}$/.test(text)) throw new Error(`${typed} : %`);
  return { percent: text, reason };
}

// ------------------------------------------------------------------ managing the register

export function manageScreen(): void {
  setCurrent(manageScreen);
  const out = h("div", { id: "manage-result", class: "detail" });
  const amount = input("cash-amount", t("amount"));
  amount.inputMode = "decimal";
  const reason = input("cash-reason", t("reason"));
  const ticket = input("manage-ticket", t("ticket"));
  const period = input("period", "2026-11 / 2026");
  const move = (what: "cash_in" | "cash_out") => async (): Promise<void> => {
    const cents = parseCents(amount.value);
    if (cents === null || cents <= 0) throw new Error(`${amount.value || "?"} : ${t("amount")}`);
    const r = await approved((approval) => act({ do: what, amount: euros(cents), reason: reason.value.trim(), ...ok(approval) }));
    if (r === null) return;
    out.textContent = `${t(what === "cash_in" ? "cashIn" : "cashOut")} ${m(euros(cents))} ✓`;
    amount.value = "";
    reason.value = "";
    await refreshBar();
  };
  const training = status?.training ?? false;
  const blocked = status?.blocked ?? [];
  const unresolved = status?.unresolved_cards ?? [];
  const uncounted = status?.uncounted_days ?? [];
  screen().replaceChildren(
    h(
      "div",
      { class: "panel" },
      h("h1", {}, t("manage")),
      ...blockedPanel(blocked),
      h("h2", {}, `${t("cashIn")} / ${t("cashOut")}`),
      amount,
      reason,
      h(
        "div",
        { class: "row" },
        button(t("cashIn"), "cash-in", move("cash_in"), "secondary"),
        button(t("cashOut"), "cash-out", move("cash_out"), "secondary"),
        button(t("noSale"), "no-sale", async () => {
          const r = await approved((approval) => act({ do: "no_sale", reason: reason.value.trim(), ...ok(approval) }));
          if (r) out.textContent = `${t("noSale")} ✓`;
        }, "secondary"),
      ),
      h("h2", {}, t("ticket")),
      ticket,
      h(
        "div",
        { class: "row" },
        button(t("reprint"), "reprint", async () => {
          await act({ do: "reprint", ticket: ticket.value.trim() });
          out.textContent = `${t("reprint")} ✓`;
        }, "secondary"),
        button(t("void"), "void", async () => {
          const r = await approved((approval) => act<Paid>({ do: "void", ticket: ticket.value.trim(), ...ok(approval) }));
          if (r) out.textContent = `${t("void")} → ${r.ticket} ✓`;
        }, "secondary"),
      ),
      h(
        "div",
        { class: "row" },
        button(training ? t("trainingOff") : t("trainingOn"), "training", async () => {
          const r = await approved((approval) => act({ do: "training", on: !training, ...ok(approval) }));
          if (r) {
            await refreshBar();
            manageScreen();
          }
        }, "secondary"),
        button(t("logout"), "logout", async () => {
          await act({ do: "logout" });
          await refreshBar();
          loginScreen();
        }, "secondary"),
      ),
      h("h2", {}, t("periods")),
      period,
      h(
        "div",
        { class: "row" },
        button(t("closePeriod"), "close-period", async () => {
          const r = await act<Record<string, unknown>>({ do: "close_period", key: period.value.trim() });
          out.textContent = `${t("closePeriod")} ${period.value.trim()} ✓ ${JSON.stringify(r).slice(0, 120)}`;
        }, "secondary"),
        button(t("archive"), "archive", async () => {
          const r = await act<Archived>({ do: "archive", period: period.value.trim() });
          out.textContent = `${t("archive")} ✓ ${r.file ?? ""}`;
        }, "secondary"),
      ),
      unresolved.length > 0 ? h("h2", { class: "warning" }, t("unresolvedCards")) : null,
      ...unresolved.map((reference) =>
        h(
          "div",
          { class: "row" },
          h("span", {}, reference),
          ...[true, false].map((paid) =>
            button(paid ? t("approvedYes") : t("approvedNo"), `resolve-${reference}-${paid}`, async () => {
              const r = await approved((approval) => act({ do: "resolve_card", reference, approved: paid, ...ok(approval) }));
              if (r) {
                await refreshBar();
                manageScreen();
              }
            }, "secondary"),
          ),
        ),
      ),
      uncounted.length > 0 ? h("h2", { class: "warning" }, t("uncounted")) : null,
      ...uncounted.map((day) => button(`${t("countCash")} ${day}`, `count-${day}`, () => closingScreen(day), "secondary")),
      out,
      button(t("sale"), "manage-back", () => (status?.register ? saleScreen() : openRegisterScreen()), "secondary"),
    ),
  );
}

// ------------------------------------------------------------------ settings

export function settingsScreen(): void {
  setCurrent(settingsScreen);
  void guard(async () => {
    await devicesScreen(
      {
        h,
        button,
        act,
        refresh: refreshBar,
        cardWaiting,
        status: () => status,
        back: () => saleScreen(),
        guard,
      },
      screen(),
    );
    const a = await app<{ version: string; store: string; till: string; data: string }>("about");
    document
      .getElementById("devices-screen")
      ?.append(
        h("h2", {}, t("identity")),
        h("p", { id: "about" }, `${a.store} · ${a.till} · ${t("version")} ${a.version}`),
        h("p", { class: "detail" }, a.data),
      );
  });
}
