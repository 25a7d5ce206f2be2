// The till's inbox at the counter, pulled from head office on each sync: head office's messages,
// and the click & collect orders waiting at the store, handed over when paid online, or sold on a
// ticket first and handed over with it when paid at the counter.

import { act } from "./api";
import type { MessageView, PickupView } from "./generated/till";
import { button, guard, h, m, screen } from "./dom";
import { t } from "./i18n";
import { messageDate } from "./format";
import { saleScreen, sellLines, setCurrent } from "./main";

/** The order being paid at the counter: handed over with the ticket that pays it. */
let beingPaid: string | null = null;

/** After a payment: hands over the order being paid at the counter, if any, with that ticket. */
export async function afterPayment(ticket: string): Promise<string | null> {
  const order = beingPaid;
  if (order === null) return null;
  beingPaid = null;
  await act({ do: "hand_over", order, ticket });
  return order;
}

/** A line of the pickup list: the order, who, what, how much, and what to do. */
export function pickupSummary(p: PickupView): string {
  const lines = p.lines.map((l) => `${l.qty} × ${l.sku}`).join(", ");
  return `${p.order} · ${p.customer} <${p.email}> · ${lines}`;
}

export function pickupsScreen(): void {
  setCurrent(pickupsScreen);
  const list = h("ul", { id: "pickups", class: "results" });
  const paint = async (): Promise<void> => {
    const waiting = await act<PickupView[]>({ do: "pickups" });
    list.replaceChildren(
      ...(waiting.length === 0 ? [h("li", { id: "pickups-none" }, t("pickupsNone"))] : []),
      ...waiting.map((p) =>
        h(
          "li",
          { id: `pickup-${p.order}` },
          h("span", {}, `${pickupSummary(p)} · ${m(p.total)} · ${p.paid_online ? t("pickupPaid") : t("pickupToPay")}`),
          p.paid_online
            ? button(t("pickupHandOver"), `hand-over-${p.order}`, async () => {
                await act({ do: "hand_over", order: p.order });
                await paint();
              })
            : button(t("pickupTakePayment"), `take-payment-${p.order}`, async () => {
                beingPaid = p.order;
                await sellLines(p.lines.map((l) => ({ sku: l.sku, qty: l.qty })));
              }),
        ),
      ),
    );
  };
  const messages = h("ul", { id: "messages", class: "results" });
  const paintMessages = async (): Promise<void> => {
    const said = await act<MessageView[]>({ do: "messages" });
    messages.replaceChildren(
      ...(said.length === 0 ? [h("li", { id: "messages-none" }, t("messagesNone"))] : []),
      ...said.map((msg) =>
        h("li", { id: `message-${msg.id}` }, h("small", {}, messageDate(msg.at)), " ", msg.text),
      ),
    );
  };
  screen().replaceChildren(
    h(
      "div",
      { class: "panel" },
      h("h1", {}, t("pickups")),
      list,
      h("h2", {}, t("messages")),
      messages,
      button(t("sale"), "pickups-back", () => saleScreen(), "secondary"),
    ),
  );
  void guard(paint);
  void guard(paintMessages);
}
