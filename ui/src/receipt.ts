// Receipts on request (French law since 1 August 2023: no receipt printed unasked): once paid,
// the customer is asked — paper, e-mail or none — with the offer focused (paper for a ticket with a
// serial number, else the store's default), Enter taking it; and later, from the ticket look-up, a
// DUPLICATA or an e-mail.

import { act } from "./api";
import type { Emailed, ReceiptCopy } from "./api";
import { button, h, input } from "./dom";
import { t } from "./i18n";
import { said } from "./reasons";
import type { ErrorView } from "./generated/till";

/** What the paid screen needs to ask: the offer, and the attached customer's address. */
export interface ReceiptAsk {
  offer: ReceiptCopy;
  email: string;
}

/** The receipt question for ticket `ticket`, answered once. */
export function receiptQuestion(ticket: string, ask: ReceiptAsk): HTMLElement {
  const done = h("p", { id: "receipt-done", class: "detail" });
  const address = input("receipt-address", t("customerEmail"), "email");
  address.value = ask.email;
  const answered = (text: string): void => {
    done.textContent = text;
    for (const b of choices) b.disabled = true;
    address.disabled = true;
  };
  const paper = button(t("receiptPaper"), "receipt-paper", async () => {
    const r = await act<{ printer?: ErrorView | null }>({ do: "print_receipt", ticket });
    answered(r.printer ? said(r.printer) : t("receiptPrinted"));
  }, ask.offer === "paper" ? "primary" : "secondary");
  const email = button(t("receiptEmail"), "receipt-email", async () => {
    if (address.value.trim() === "") {
      address.focus();
      return;
    }
    const r = await act<Emailed>({ do: "email_receipt", ticket, to: address.value.trim() });
    answered(t("receiptEmailed", { to: r.to }));
  }, ask.offer === "email" ? "primary" : "secondary");
  const none = button(t("receiptNone"), "receipt-none", () => {
    answered(t("receiptNoneGiven"));
  }, ask.offer === "none" ? "primary" : "secondary");
  const choices = [paper, email, none];
  address.onkeydown = (ev): void => {
    if (ev.key === "Enter") email.click();
  };
  const box = h(
    "div",
    { id: "receipt-question", class: "panel-inner" },
    h("h2", {}, t("receiptQuestion")),
    h("div", { class: "row wrap" }, ...choices),
    address,
    done,
  );
  // The offer is focused: Enter gives the customer what most customers here take.
  queueMicrotask(() => ({ paper, email, none })[ask.offer].focus());
  return box;
}
