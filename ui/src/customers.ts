// Customers at the counter: found by name, e-mail, telephone or card number (the e-mail and town
// tell two namesakes apart), attached to the basket, or created here (online or not: head office
// merges every till's edits on their next sync).

import { act } from "./api";
import type { Basket, Customer, WithBasket } from "./api";
import { button, guard, h, input } from "./dom";
import { t } from "./i18n";

/** How a found customer reads in the results. */
export function customerLine(c: Pick<Customer, "name" | "id" | "email" | "town" | "points">): string {
  const reach = [c.email, c.town].filter((x) => x !== "").join(", ");
  return [c.name, c.id, reach, `${c.points} ${t("points")}`].filter((x) => x !== "").join(" · ");
}

/** The customer search, its results and the new customer form; `attached` takes the basket. */
export function customerPanel(attached: (b: Basket) => void): HTMLElement[] {
  const field = input("customer-find", `${t("customerFind")} (F4)`);
  const results = h("ul", { id: "customer-results", class: "results" });
  const attach = async (id: string): Promise<void> => {
    attached((await act<WithBasket>({ do: "customer", id })).basket);
    results.replaceChildren();
    field.value = "";
  };
  field.onkeydown = (ev): void => {
    if (ev.key !== "Enter") return;
    void guard(async () => {
      const found = await act<Customer[]>({ do: "find_customer", text: field.value });
      results.replaceChildren(
        ...found.map((c) =>
          h("li", {}, button(customerLine(c), `customer-${c.id}`, () => attach(c.id), "result")),
        ),
      );
    });
  };
  const form = h("div", { id: "customer-new-form", class: "row" });
  const open = (): void => {
    const name = input("customer-new-name", t("customerName"));
    const email = input("customer-new-email", t("customerEmail"), "email");
    const phone = input("customer-new-phone", t("customerPhone"), "tel");
    const town = input("customer-new-town", t("customerTown"));
    form.replaceChildren(
      name,
      email,
      phone,
      town,
      button(t("customerSave"), "customer-new-save", async () => {
        const made = await act<{ id: string }>({
          do: "edit_customer",
          name: name.value,
          email: email.value,
          phone: phone.value,
          town: town.value,
        });
        form.replaceChildren();
        await attach(made.id);
      }),
    );
    name.focus();
  };
  return [field, results, button(t("customerNew"), "customer-new", open, "secondary"), form];
}
