// Returns at the counter: a ticket of this till found by its number or its receipt's code, a web
// order (`WEB/` and its number) asked of head office, lines ticked and taken back; or a return
// without receipt a manager approves.

import { act } from "./api";
import type { Emailed, TicketView, WithBasket } from "./api";
import { approved, button, guard, h, input, m, screen } from "./dom";
import { lang, t } from "./i18n";
import { businessDay, ticketNumber } from "./format";
import { ok, saleScreen, setBasket, setCurrent, status } from "./main";

export function returnsScreen(): void {
  setCurrent(() => undefined);
  const ref = input("return-ticket", t("returnFind"));
  const view = h("div", { id: "return-view" });
  const find = async (): Promise<void> => {
    const tv = await act<TicketView>({ do: "ticket", ticket: ticketNumber(ref.value, status?.till ?? "") });
    const boxes = new Map<number, [HTMLInputElement, HTMLInputElement]>();
    // A receipt again: a DUPLICATA on paper, or an e-mail head office sends at the next sync.
    const address = input("lookup-address", t("customerEmail"), "email");
    const again = h("p", { id: "lookup-done", class: "detail" });
    view.replaceChildren(
      h("h2", {}, `${t("ticket")} ${tv.ticket} — ${businessDay(tv.day, lang())} — ${m(tv.total)}`),
      h(
        "div",
        { class: "row wrap" },
        button(t("reprint"), "lookup-reprint", async () => {
          await act({ do: "print_receipt", ticket: tv.ticket });
          again.textContent = `${t("reprint")} ✓`;
        }, "secondary"),
        address,
        button(t("emailReceipt"), "lookup-email", async () => {
          const r = await act<Emailed>({ do: "email_receipt", ticket: tv.ticket, to: address.value.trim() });
          again.textContent = t("receiptEmailed", { to: r.to });
        }, "secondary"),
      ),
      again,
      h(
        "table",
        { class: "lines" },
        h(
          "tbody",
          {},
          ...tv.lines.map((l) => {
            const box = h("input", { type: "checkbox", id: `return-line-${l.line}` });
            box.disabled = l.returnable === 0;
            const units = input(`return-units-${l.line}`, "1", "number");
            units.value = "1";
            units.min = "1";
            units.max = String(Math.max(1, l.returnable));
            units.disabled = l.returnable <= 1;
            boxes.set(l.line, [box, units]);
            return h(
              "tr",
              { "data-sku": l.sku },
              h("td", {}, box),
              h("td", {}, l.name, l.serial ? h("div", { class: "detail serial" }, `${t("serial")} ${l.serial}`) : null),
              h("td", {}, units, ` / ${l.returnable}`),
              h("td", {}, m(l.net)),
            );
          }),
        ),
      ),
      h(
        "div",
        { class: "row" },
        button(t("returnLines"), "return-lines", async () => {
          const lines = [...boxes]
            .filter(([, [b]]) => b.checked)
            .map(([line, [, u]]) => ({ line, units: Math.max(1, Math.trunc(Number(u.value) || 1)) }));
          setBasket((await act<WithBasket>({ do: "return", ticket: tv.ticket, lines })).basket);
          saleScreen();
        }),
        button(t("returnAll"), "return-all", async () => {
          setBasket((await act<WithBasket>({ do: "return", ticket: tv.ticket })).basket);
          saleScreen();
        }, "secondary"),
      ),
    );
  };
  ref.onkeydown = (ev): void => {
    if (ev.key === "Enter") void guard(find);
  };
  const code = input("noreceipt-code", t("scanHint"));
  screen().replaceChildren(
    h(
      "div",
      { class: "panel" },
      h("h1", {}, t("returns")),
      ref,
      button(t("search"), "return-find", find),
      view,
      h("h2", {}, t("noReceipt")),
      code,
      button(t("noReceipt"), "noreceipt", async () => {
        const r = await approved((approval) =>
          act<WithBasket>({ do: "return_without_receipt", code: code.value.trim(), units: 1, ...ok(approval) }),
        );
        if (r) {
          setBasket(r.basket);
          saleScreen();
        }
      }),
      button(t("sale"), "back-to-sale", () => saleScreen(), "secondary"),
    ),
  );
  ref.focus();
}
