// The status bar's word on head office's sync: online or offline, records waiting, the last sync,
// and a quarantine or a journal behind head office, which a manager must see.

import type { HeadOfficeView, StockAt } from "./generated/till";
import { h } from "./dom";
import { lang, t } from "./i18n";
import { clock } from "./format";

export function syncBadge(ho: HeadOfficeView | undefined): HTMLElement {
  if (ho === undefined) {
    return h("span", { id: "sync", class: "device off", title: t("syncNotEnrolled") }, t("syncNotEnrolled"));
  }
  const problem = ho.quarantine ?? ho.behind;
  if (problem !== null) {
    const word = ho.quarantine !== null ? t("syncQuarantine") : t("syncBehind");
    return h("span", { id: "sync", class: "device bad", title: problem }, `⚠ ${word}`);
  }
  const waiting = ho.waiting > 0 ? ` · ${ho.waiting} ${t("syncWaiting")}` : "";
  const last = ho.last_sync !== null ? `${t("syncLast")} ${clock(ho.last_sync, lang())}` : t("syncNever");
  const title = ho.online ? last : `${ho.last_error ?? ""}\n${last}`;
  return h(
    "span",
    { id: "sync", class: ho.online ? "device ok" : "device off", title },
    `${ho.online ? t("syncOnline") : t("syncOffline")}${waiting}`,
  );
}

/** A product's stock in a look-up: `LYO 12 · PAR 3 · WHS 40`, the till's own store first; the
 * sales head office has not counted yet are said in the title. Empty before the first pull. */
export function stockLine(stock: StockAt[], here: string): { text: string; title: string } {
  const sorted = [...stock].sort((a, b) => Number(b.location === here) - Number(a.location === here));
  const text = sorted.map((s) => `${s.location} ${s.qty.replace(".", ",")}`).join(" · ");
  const mine = stock.find((s) => s.location === here && s.own !== "");
  const title = mine === undefined ? "" : `${mine.location}: ${t("stockHere")} ${mine.own.replace(".", ",")}`;
  return { text, title };
}
