import { euros } from "./format";
import type { Tender as EngineTender } from "./generated/till";

// Splitting a payment: the tenders the cashier added, what is still due, the change.

export type Tender =
  | { kind: "cash"; cents: number }
  | { kind: "card"; cents: number; approved?: true }
  | { kind: "gift_card"; card: string; cents: number }
  | { kind: "store_credit"; note: string; cents: number }
  | { kind: "points"; points: number; cents: number };

/** The most a tender typed at the till may be, in cents (99 999,99 €): more is a typing error. */
export const MAX_TENDER_CENTS = 9_999_999;

/**
 * An amount typed into the tender field, in cents: digits with at most two decimals (a comma or a
 * dot), above zero, at most `MAX_TENDER_CENTS`. A sign, letters, a third decimal or a barcode's
 * digits are not an amount: null.
 */
export function parseTender(typed: string): number | null {
  const m = /^\s*(\d{1,5})(?:[.,](\d{1,2}))?\s*$/.exec(typed);
  if (!m) return null;
  const cents = Number(m[1]) * 100 + Number((m[2] ?? "0").padEnd(2, "0"));
  return cents > 0 && cents <= MAX_TENDER_CENTS ? cents : null;
}

/** The notes a customer hands over, in cents. */
const NOTES: readonly number[] = [500, 1000, 2000, 5000, 10000, 20000];

/**
 * The quick-cash amounts for what is due: the exact amount, then the next round sums of notes a
 * customer is likely to hand over (127,99 € → 127,99, 130, 140, 150), at most four in all.
 */
export function quickCash(due: number): number[] {
  if (due <= 0) return [];
  const out = [due];
  for (const n of NOTES) {
    const up = Math.ceil(due / n) * n;
    if (up > due && !out.includes(up)) out.push(up);
    if (out.length === 4) break;
  }
  return out;
}

/** Why cash given needs the cashier's confirmation before it is taken, if it does. */
export type CashDoubt = { kind: "multiple"; change: number; multiple: number } | { kind: "drawer"; change: number; drawer: number };

/** The most a customer plausibly hands over in notes for a small sum: 200 €. */
const NOTES_HANDED_OVER = 20000;

/**
 * Cash `given` for `due` is implausible when its change is more than `multiple` times what was due
 * (12799 typed for 127,99) — unless it is notes a customer hands over for a small sum (a 50 € note
 * for a 2 € tube of glue: a round sum of 5 € notes up to 200 €) — or more than the drawer holds
 * (`drawer`, in cents) to give back.
 */
export function cashDoubt(due: number, given: number, multiple: number, drawer: number | null): CashDoubt | null {
  const change = given - due;
  if (due <= 0 || change <= 0) return null;
  const notes = given % 500 === 0 && given <= NOTES_HANDED_OVER;
  if (change > multiple * due && !notes) return { kind: "multiple", change, multiple };
  if (drawer !== null && change > drawer) return { kind: "drawer", change, drawer };
  return null;
}

/**
 * Still to pay (never below zero) and the change (cash only gives change). On a refund (a negative
 * total) `due` is what is still to give back (negative, zero when exactly given back) and `over`
 * what the tenders give back beyond it: a refund is never more than owed, and gives no change.
 */
export function settle(totalCents: number, tenders: readonly Tender[]): { due: number; change: number; over: number } {
  const paid = tenders.reduce((s, t) => s + t.cents, 0);
  if (totalCents < 0) {
    const rest = totalCents - paid;
    return { due: Math.min(0, rest), change: 0, over: Math.max(0, rest) };
  }
  const nonCash = tenders.filter((t) => t.kind !== "cash").reduce((s, t) => s + t.cents, 0);
  const due = Math.max(0, totalCents - paid);
  const change = Math.max(0, paid - totalCents);
  if (change > 0 && nonCash > totalCents) {
    throw new Error("only cash gives change: lower the card, gift card or credit note amount");
  }
  return { due, change, over: 0 };
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
