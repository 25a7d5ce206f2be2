import { euros } from "./format";
import type { Tender as EngineTender } from "./generated/till";

// Splitting a payment: the tenders the cashier added, what is still due, the change.

export type Tender =
  | { kind: "cash"; cents: number }
  | { kind: "card"; cents: number; approved?: true }
  | { kind: "gift_card"; card: string; cents: number }
  | { kind: "store_credit"; note: string; cents: number }
  | { kind: "points"; points: number; cents: number };

/** Still to pay (never below zero) and the change (cash only gives change). */
export function settle(totalCents: number, tenders: readonly Tender[]): { due: number; change: number } {
  const paid = tenders.reduce((s, t) => s + t.cents, 0);
  if (totalCents < 0) {
    // A refund: tenders are negative, nothing is "change".
    return { due: Math.min(0, totalCents - paid), change: 0 };
  }
  const nonCash = tenders.filter((t) => t.kind !== "cash").reduce((s, t) => s + t.cents, 0);
  const due = Math.max(0, totalCents - paid);
  const change = Math.max(0, paid - totalCents);
  if (change > 0 && nonCash > totalCents) {
    throw new Error("only cash gives change: lower the card, gift card or credit note amount");
  }
  return { due, change };
}

/** The engine's `tenders`: cash as given (the engine works out the change). */
export function forEngine(tenders: readonly Tender[]): EngineTender[] {
  return tenders.map((t) => {
    switch (t.kind) {
      case "cash":
        return { cash: euros(t.cents) };
      case "card":
        return { card: euros(t.cents) };
      case "gift_card":
        return { gift_card: t.card, amount: euros(t.cents) };
      case "store_credit":
        return { store_credit: t.note, amount: euros(t.cents) };
      case "points":
        return { points: t.points };
    }
  });
}
