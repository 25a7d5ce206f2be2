// The status bar's word on head office's sync: online or offline, records waiting, the last sync,
// and a quarantine or a journal behind head office, which a manager must see.

import type { HeadOfficeView } from "./generated/till";
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
