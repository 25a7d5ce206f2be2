import { describe, expect, test } from "vitest";
import { countTotal, countedForEngine } from "./cash";
import { euros, kilograms, parseCents } from "./format";
import { headline, setLang, t } from "./i18n";
import { isCardOutcome, reasonFr, said } from "./reasons";
import type { ErrorView } from "./generated/till";
import { cashDoubt, forEngine, parseTender, quickCash, settle } from "./tenders";
import { WedgeClassifier } from "./wedge";
import { idleLockDue } from "./idle";
import { ticketNumber } from "./format";

/** Types `text` one key every `gapMs` from `start`, then Enter; answers the verdicts. */
function type(w: WedgeClassifier, text: string, start: number, gapMs: number): string[] {
  const out: string[] = [];
  let at = start;
  for (const k of [...text, "Enter"]) {
    const v = w.key(k, at);
    out.push(v.kind === "scan" ? `scan:${v.code}` : v.kind);
    at += gapMs;
  }
  return out;
}

describe("keyboard-wedge scans are told apart from typing", () => {
  test("a burst ended by Enter is a scan", () => {
    const w = new WedgeClassifier();
    expect(type(w, "3761100080190", 1000, 4).at(-1)).toBe("scan:3761100080190");
  });
  test("the same digits typed by a person are not", () => {
    const w = new WedgeClassifier();
    expect(type(w, "3761100080190", 1000, 150)).not.toContain("scan:3761100080190");
  });
  test("a short burst (a person's fast double key) is not a scan", () => {
    const w = new WedgeClassifier();
    expect(type(w, "12", 0, 5).at(-1)).toBe("key");
  });
  test("typing then a scan: only the burst is the code", () => {
    const w = new WedgeClassifier();
    w.key("a", 0);
    w.key("b", 200);
    expect(type(w, "40123455", 500, 3).at(-1)).toBe("scan:40123455");
  });
  test("a key that is not a character breaks a burst", () => {
    const w = new WedgeClassifier();
    for (const [i, k] of [..."4012", "Backspace", ..."3455"].entries()) w.key(k, i * 3);
    expect(w.key("Enter", 30)).toEqual({ kind: "key" });
  });
  test("an AZERTY scanner's Shift before each digit neither adds nor breaks", () => {
    const w = new WedgeClassifier();
    let at = 0;
    for (const d of "3761300238575") {
      w.key("Shift", at++);
      w.key(d, at++);
    }
    expect(w.key("Enter", at)).toEqual({ kind: "scan", code: "3761300238575" });
  });
});

describe("money typed and sent", () => {
  test("a cashier's amounts", () => {
    expect(parseCents("12,30")).toBe(1230);
    expect(parseCents("12.3")).toBe(1230);
    expect(parseCents("12")).toBe(1200);
    expect(parseCents("-4,05")).toBe(-405);
    expect(parseCents("12,345")).toBeNull();
    expect(parseCents("douze")).toBeNull();
    expect(parseCents("")).toBeNull();
  });
  test("cents to the engine's euro strings, with no float", () => {
    expect(euros(1230)).toBe("12.30");
    expect(euros(5)).toBe("0.05");
    expect(euros(-1937)).toBe("-19.37");
  });
  test("weights in French", () => {
    expect(kilograms(455, "fr")).toBe("0,455\u00a0kg");
    expect(kilograms(1200, "en")).toBe("1.200\u00a0kg");
  });
});

describe("the cash count", () => {
  test("totals by denomination, zero counts left out for the engine", () => {
    const counts = new Map([
      [5000, 2],
      [20, 5],
      [1, 0],
    ]);
    expect(countTotal(counts)).toBe(10100);
    expect(countedForEngine(counts)).toEqual({ "50.00": 2, "0.20": 5 });
  });
  test("a denomination that is not euro money is refused", () => {
    expect(() => countTotal(new Map([[300, 1]]))).toThrow();
    expect(() => countTotal(new Map([[100, -1]]))).toThrow();
  });
});

describe("split tenders", () => {
  test("gift card then card settles; nothing due, no change", () => {
    const tenders = [
      { kind: "gift_card", card: "GC-1", cents: 2000 },
      { kind: "card", cents: 1030 },
    ] as const;
    expect(settle(3030, tenders)).toEqual({ due: 0, change: 0, over: 0 });
    expect(forEngine(tenders)).toEqual([{ gift_card: "GC-1", amount: "20.00" }, { card: "10.30" }]);
  });
  test("cash over the total gives change; part paid leaves some due", () => {
    expect(settle(1730, [{ kind: "cash", cents: 2000 }])).toEqual({ due: 0, change: 270, over: 0 });
    expect(settle(1730, [{ kind: "card", cents: 1000 }])).toEqual({ due: 730, change: 0, over: 0 });
  });
  test("only cash gives change", () => {
    expect(() => settle(1000, [{ kind: "card", cents: 1200 }])).toThrow(/only cash/);
  });
  test("a refund: negative tenders, what is still to give back", () => {
    expect(settle(-1937, [{ kind: "cash", cents: -1000 }])).toEqual({ due: -937, change: 0, over: 0 });
  });
  test("a refund given back beyond what is owed is over, never settled", () => {
    expect(settle(-1937, [{ kind: "cash", cents: -1937 }])).toEqual({ due: 0, change: 0, over: 0 });
    expect(settle(-1937, [{ kind: "cash", cents: -2500 }])).toEqual({ due: 0, change: 0, over: 563 });
  });
});

describe("what a cashier types as a tender", () => {
  test("amounts with a comma or a dot, at most two decimals", () => {
    expect(parseTender("127,99")).toBe(12799);
    expect(parseTender(" 20 ")).toBe(2000);
    expect(parseTender("0.5")).toBe(50);
  });
  test("a sign, letters, zero, three decimals, a barcode or an amount beyond 99 999,99 are refused", () => {
    for (const bad of ["-20", "+20", "4a", "", "0", "0,00", "1,234", "3761300238575", "100000", "1e3", "12 799"]) {
      expect(parseTender(bad), bad).toBeNull();
    }
    expect(parseTender("99999,99")).toBe(9_999_999);
  });
  test("quick cash: the exact amount, then the notes a customer hands over", () => {
    expect(quickCash(12799)).toEqual([12799, 13000, 14000, 15000]);
    expect(quickCash(2000)).toEqual([2000, 5000, 10000, 20000]);
    expect(quickCash(350)).toEqual([350, 500, 1000, 2000]);
    expect(quickCash(0)).toEqual([]);
  });
  test("a forgotten comma is a doubt; a note for a small sum is not", () => {
    // 12799 typed for 127,99: 12 671,01 of change, far above five times the sale.
    expect(cashDoubt(12799, 1279900, 5, 100000)).toEqual({ kind: "multiple", change: 1267101, multiple: 5 });
    expect(cashDoubt(350, 2000, 5, 100000)).toBeNull();
    // A note for a small sum is what customers do: a 50 € note for a 2 € tube of glue.
    expect(cashDoubt(200, 5000, 5, 100000)).toBeNull();
    expect(cashDoubt(200, 20000, 5, 100000)).toBeNull();
    // Not notes, or more than notes for small change: asked.
    expect(cashDoubt(200, 5001, 5, 100000)?.kind).toBe("multiple");
    expect(cashDoubt(5000, 500000, 5, 1000000)?.kind).toBe("multiple");
    expect(cashDoubt(12799, 15000, 5, 100000)).toBeNull();
    // Change the drawer cannot give.
    expect(cashDoubt(4000, 20000, 5, 15000)).toEqual({ kind: "drawer", change: 16000, drawer: 15000 });
    expect(cashDoubt(4000, 20000, 5, null)).toBeNull();
    expect(cashDoubt(4000, 4000, 5, 0)).toBeNull();
  });
});

describe("words and sentences", () => {
  test("French words for the engine's refusals come from their code, English is the engine's sentence", () => {
    setLang("fr");
    const wrongPin: ErrorView = {
      kind: "refused",
      reason: { code: "wrong_pin", name: "Léa Martin", failures: 1, limit: 5 },
      message: "wrong PIN for Léa Martin (1 in a row; 5 lock the account)",
    };
    expect(said(wrongPin)).toBe("Code erroné pour Léa Martin (1 de suite ; bloqué à 5)");
    expect(reasonFr({ code: "unknown_barcode", barcode: "123" })).toMatch(/^Aucun article n'a le code 123/);
    expect(reasonFr({ code: "voucher_short", number: "GC-1", left: 1250, wanted: 2000 })).toBe(
      "GC-1 n'a plus que 12,50\u00a0€, pas 20,00\u00a0€ : prenez le reste autrement",
    );
    expect(reasonFr({ code: "line", line: 2, problem: "serial_needed", sku: "RAD-1" })).toBe(
      "RAD-1 a un numéro de série : scannez-le ou saisissez-le",
    );
    // A card's outcome, all in French: the terminal's code worded, its English kept out.
    const declined = reasonFr({ code: "card_declined", kind: "bank", reason: "refused by the card's bank" });
    expect(declined).toBe(
      "Carte refusée : la banque de la carte a refusé le paiement. Demandez une autre carte ou un autre moyen de paiement",
    );
    expect(reasonFr({ code: "card_declined", kind: "other", reason: "51 FONDS" })).toContain("le terminal dit « 51 FONDS »");
    expect(reasonFr({ code: "card_cancelled" })).toMatch(/^Paiement carte annulé/);
    expect(isCardOutcome({ code: "card_declined", kind: "bank", reason: "x" })).toBe(true);
    expect(isCardOutcome({ code: "card_unresolved" })).toBe(false);
    expect(reasonFr({ code: "card_outcome_unknown", message: "no answer in time" })).not.toContain("no answer");
    expect(headline("needs_manager")).toBe("Validation d'un responsable nécessaire");
    expect(t("approvalText", { what: "remise" })).toContain("remise");
    setLang("en");
    expect(said(wrongPin)).toBe("wrong PIN for Léa Martin (1 in a row; 5 lock the account)");
    expect(headline("device")).toBe("Device problem");
    setLang("fr");
  });

  test("a till that refuses to sell says why and who acts, in French", () => {
    setLang("fr");
    expect(headline("blocked")).toBe("Caisse bloquée : un responsable doit intervenir");
    expect(
      reasonFr({ code: "head_not_reached", problem: "behind", expected: "live 9", found: "live 6", message: "…" }),
    ).toMatch(/^Le journal est plus ancien que sa tête/);
    expect(reasonFr({ code: "tables_not_from_journal", why: "a grand total of -999.99 €" })).toBe(
      "Les tables de la caisse ne proviennent pas de son journal (a grand total of -999.99 €) : un responsable les reconstruit depuis le journal (Gestion)",
    );
    expect(
      reasonFr({
        code: "needs_manager",
        task: { task: "amount", of: "line", cents: 1200000, max: 1000000 },
        not_manager: null,
      }),
    ).toBe("une ligne de 12\u202f000,00\u00a0€ (au-delà du maximum de 10\u202f000,00\u00a0€) : un responsable doit valider (son code)");
    expect(reasonFr({ code: "locked_out", name: "S008", limit: 5, until: "2026-12-05T09:15:00+01:00", minutes: 3 })).toBe(
      "Le compte de S008 est bloqué après 5 codes erronés, encore 3 min au moins : patientez ou appelez un responsable",
    );
  });
});

describe("customers", () => {
  test("two namesakes are told apart by their e-mail and town", async () => {
    const { customerLine } = await import("./customers");
    const a = customerLine({ name: "Antoine Martin", id: "C00012", email: "a.martin@example.fr", town: "Lyon", points: 40 });
    const b = customerLine({ name: "Antoine Martin", id: "LYO-1-C0003", email: "", town: "Villeurbanne", points: 0 });
    expect(a).toBe("Antoine Martin · C00012 · a.martin@example.fr, Lyon · 40 points");
    expect(b).toBe("Antoine Martin · LYO-1-C0003 · Villeurbanne · 0 points");
  });
});

describe("messages", () => {
  test("a message's date reads as the store's day and time", async () => {
    const { messageDate } = await import("./format");
    expect(messageDate("2026-12-05T09:30:00+01:00")).toBe("05/12 09:30");
    expect(messageDate("not a date")).toBe("not a date");
  });
});

describe("the till locks itself when left alone", () => {
  const min = 60_000;
  test("after the idle minutes, someone logged in, nothing under way", () => {
    expect(idleLockDue(5 * min, 0, 5, true, false)).toBe(true);
    expect(idleLockDue(5 * min - 1, 0, 5, true, false)).toBe(false);
  });
  test("never with 0 minutes, nobody logged in, or a dialog or the PIN screen up", () => {
    expect(idleLockDue(60 * min, 0, 0, true, false)).toBe(false);
    expect(idleLockDue(60 * min, 0, 5, false, false)).toBe(false);
    expect(idleLockDue(60 * min, 0, 5, true, true)).toBe(false);
  });
});

describe("a ticket found by its short number", () => {
  test("T2, t000002 or 2 is this till's ticket; other numbers go as typed", () => {
    expect(ticketNumber("T2", "LYO-1")).toBe("LYO-1-T000002");
    expect(ticketNumber(" t000002 ", "LYO-1")).toBe("LYO-1-T000002");
    expect(ticketNumber("2", "LYO-1")).toBe("LYO-1-T000002");
    expect(ticketNumber("PAR-2-T000010", "LYO-1")).toBe("PAR-2-T000010");
    expect(ticketNumber("WEB/W-1042", "LYO-1")).toBe("WEB/W-1042");
    expect(ticketNumber("T1234567", "LYO-1")).toBe("T1234567");
  });
});
