// The payment screen: tenders split as the customer pays, each checked where it is typed (no sign,
// no letters, no barcode, cash confirmed when its change is implausible), quick cash, and the card
// terminal's outcome said plainly.

import { act, app, isAppError } from "./api";
import type { Balance, Basket, Paid, WithBasket } from "./api";
import { isCardOutcome } from "./reasons";
import { euros, toCents } from "./format";
import { lang, t } from "./i18n";
import { cashDoubt, forEngine, parseTender, quickCash, settle } from "./tenders";
import type { Tender } from "./tenders";
import { approved, button, confirmBox, h, input, m, screen, showError } from "./dom";
import { afterPayment } from "./pickups";
import { getBasket, ok, paidScreen, refreshBar, saleScreen, setBasket, setCurrent, status } from "./main";

export function paymentScreen(): void {
  const basket = getBasket();
  if (!basket || basket.lines.length === 0) {
    showError({ code: "refused", message: "the basket is empty: scan something first" });
    return;
  }
  // Redrawn only by its own actions: a language switch must not drop the tenders typed.
  setCurrent((): void => undefined);
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
    const doubt = reg && !refund ? cashDoubt(due, cents, reg.cash_confirm_multiple, drawer) : null;
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
      // No receipt is printed unasked: the paid screen asks, with the basket's offer.
      const ask = { offer: b.receipt_offer, email: b.receipt_email };
      const r = await approved((approval) =>
        act<WithBasket<Paid>>({ do: "pay", tenders: forEngine(tenders), receipt: "none", ...ok(approval) }),
      );
      if (r === null) return;
      setBasket(r.basket);
      await refreshBar();
      paidScreen(r.result, ask);
      await afterPayment(r.result.ticket).catch(showError);
    } catch (e) {
      // What the terminal approved before the failure stays on the basket, and on this screen.
      const now = await act<Basket>({ do: "basket" });
      setBasket(now);
      const kept = now.cards_approved.map(toCents);
      for (const c of kept) {
        if (!tenders.some((tn) => tn.kind === "card" && tn.cents === c && tn.approved === true)) {
          const i = tenders.findIndex((tn) => tn.kind === "card" && tn.cents === c && tn.approved !== true);
          if (i >= 0) tenders[i] = { kind: "card", cents: c, approved: true };
        }
      }
      // A card declined, cancelled or not made is no payment: its amount is due again.
      if (isAppError(e) && isCardOutcome(e.reason)) {
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

