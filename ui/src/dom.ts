// The window's building blocks: a small DOM helper, buttons and fields, the error line, dialogs
// (a manager's approval, a piece of text, yes or no) and the approval loop every action goes through.

import { isAppError } from "./api";
import type { Approval } from "./api";
import { money } from "./format";
import { headline, lang, t } from "./i18n";
import { isCardOutcome, said } from "./reasons";

// ------------------------------------------------------------------ small DOM helpers

export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** Replaces `e`'s children, leaving out the ones that are not there. */
export function fill(e: Element, ...children: Child[]): void {
  e.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}

export function button(label: string, id: string, onClick: () => void | Promise<void>, cls = ""): HTMLButtonElement {
  const b = h("button", { id, class: cls, type: "button" }, label);
  // A second press while the first runs does nothing: no second payment, no second closing. The
  // button's own `disabled` is left to the screen (a sale with something due cannot be finished).
  let running = false;
  b.onclick = (): void => {
    if (b.disabled || running) return;
    running = true;
    b.classList.add("busy");
    void guard(async () => onClick()).finally(() => {
      running = false;
      b.classList.remove("busy");
    });
  };
  return b;
}

export function input(id: string, placeholder: string, type = "text"): HTMLInputElement {
  return h("input", { id, placeholder, type, autocomplete: "off" });
}

/** A discount (the engine gives its size) as the reduction it is. */
export const negative = (amount: string): string => (amount.startsWith("-") ? amount : `-${amount}`);

export const screen = (): HTMLElement => document.getElementById("screen") as HTMLElement;
export const m = (amount: string): string => money(amount, lang());

// ------------------------------------------------------------------ errors and approvals

/** Shows an error above the screen; nothing typed is cleared. */
export function showError(e: unknown): void {
  const box = document.getElementById("error") as HTMLElement;
  box.replaceChildren();
  if (isAppError(e)) {
    // A card's outcome is said as such, whatever the engine's kind of error.
    box.append(h("strong", {}, isCardOutcome(e.reason) ? t("cardOutcome") : headline(e.kind)), " ", said(e));
    if (e.kind === "storage") box.append(" ", t("errNothingLost"));
  } else {
    box.append(h("strong", {}, t("errRefused")), " ", e instanceof Error ? e.message : String(e));
  }
  box.hidden = false;
}

export function clearError(): void {
  const box = document.getElementById("error") as HTMLElement;
  box.hidden = true;
  box.replaceChildren();
}

export async function guard(f: () => Promise<void>): Promise<void> {
  try {
    clearError();
    await f();
  } catch (e) {
    showError(e);
  }
}

/**
 * A dialog over the screen: `body`, then OK and Cancel. `answer` gives what OK (or Enter in `enter`)
 * resolves with; Cancel resolves with `cancelled`. The dialog's buttons are `ID-ok` and `ID-cancel`.
 */
export function dialog<T>(
  id: string,
  body: Child[],
  answer: () => T,
  cancelled: T,
  enter?: HTMLInputElement,
): Promise<T> {
  return new Promise((resolve) => {
    const close = (v: T): void => {
      box.remove();
      resolve(v);
    };
    const box = h(
      "div",
      { class: "modal", id },
      h(
        "div",
        { class: "card" },
        ...body,
        h(
          "div",
          { class: "row" },
          button(t("ok"), `${id}-ok`, () => close(answer())),
          button(t("cancel"), `${id}-cancel`, () => close(cancelled), "secondary"),
        ),
      ),
    );
    if (enter) {
      enter.onkeydown = (ev): void => {
        if (ev.key === "Enter") close(answer());
      };
    }
    document.body.append(box);
    box.querySelector("input")?.focus();
  });
}

/** Asks a manager to type their id and PIN here; resolves with them, or null when cancelled. */
export function askApproval(what: string): Promise<Approval | null> {
  const staff = input("approval-staff", t("staff"));
  const pin = input("approval-pin", t("pin"), "password");
  const body = [h("h2", {}, t("approvalTitle")), h("p", {}, t("approvalText", { what })), staff, pin];
  return dialog<Approval | null>("approval", body, () => ({ staff: staff.value.trim(), pin: pin.value }), null, pin);
}

/** Asks for one piece of text in the window (a serial number, a weight); null when cancelled. */
export function askText(title: string, numeric = false): Promise<string | null> {
  const field = input("ask-input", title);
  if (numeric) field.inputMode = "numeric";
  return dialog<string | null>("ask", [h("h2", {}, title), field], () => field.value.trim(), null, field);
}

/** Asks yes or no in the window. */
export function confirmBox(text: string): Promise<boolean> {
  return dialog("confirm", [h("p", { class: "big" }, text)], () => true, false);
}

/**
 * Runs `f` without approval; when the engine says a manager must approve, asks for one and runs it
 * again with it (a wrong manager PIN asks again).
 */
export async function approved<T>(f: (a?: Approval) => Promise<T>): Promise<T | null> {
  try {
    return await f();
  } catch (e) {
    if (!isAppError(e) || e.kind !== "needs_manager") throw e;
    let why = said(e);
    for (;;) {
      const a = await askApproval(why);
      if (a === null) return null;
      try {
        return await f(a);
      } catch (again) {
        // A wrong manager PIN or id, or a cashier's: ask again, saying what was wrong.
        const staffRefused = ["wrong_pin", "unknown_staff", "locked_out"];
        const retry =
          isAppError(again) && (again.kind === "needs_manager" || staffRefused.includes(again.reason.code));
        if (!retry) throw again;
        why = `${said(e)} — ${said(again)}`;
      }
    }
  }
}
