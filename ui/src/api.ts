// The window reaches the engine only through the app's commands (src-tauri/src/commands.rs).

import { invoke } from "@tauri-apps/api/core";

import type { Action, ErrorView } from "./generated/till";

/** An error from a command: `kind` chooses the headline, `reason` the words (see `reasons.ts`). */
export type AppError = ErrorView;

export function isAppError(e: unknown): e is AppError {
  return typeof e === "object" && e !== null && "kind" in e && "reason" in e && "message" in e;
}

/** A manager's id and PIN typed on this till. */
export interface Approval {
  staff: string;
  pin: string;
}

export interface DeviceLast {
  ok: boolean;
  message: string;
  /** The failure with its code, when the window can word it. */
  reason: ErrorView | null;
}

export interface DeviceState {
  configured: string | null;
  last: DeviceLast | null;
}

export interface Status {
  store: string;
  till: string;
  /** The fingerprint of the key signing the journal now. */
  key: string;
  /** Why the till refuses to sell (its tables not made from its journal, a journal older than its head). */
  blocked: ErrorView[];
  operator: string | null;
  training: boolean;
  register: { day: string; float: string; expected_cash: string } | null;
  basket_lines: number;
  parked: number[];
  uncounted_days: string[];
  tickets: number;
  unresolved_cards: string[];
  devices: {
    printer: DeviceState;
    terminal: DeviceState;
    scale: DeviceState;
    scanner: DeviceState;
    /** Receipts waiting in the till's database for the printer. */
    printer_waiting: number;
    /** Receipts that were printing when the till last stopped (not printed again). */
    printer_interrupted: string[];
  };
}

export interface Discount {
  label: string;
  amount: string;
}

export interface Line {
  line: number;
  sku: string;
  name: string;
  measure: "units" | "weight" | "label" | "returned";
  quantity: number;
  unit_price: string;
  gross: string;
  eco: string;
  discounts: Discount[];
  serial: string | null;
  net: string;
}

export interface Basket {
  lines: Line[];
  basket_discounts: Discount[];
  gross: string;
  discounts: string;
  eco: string;
  total: string;
  customer: string;
  customer_detail: { id: string; name: string; segment: string; tier: string } | null;
  points: number | null;
  point_value: string;
  cards_paid: string;
  /** Card payments the terminal already approved on this basket (kept through a failed payment). */
  cards_approved: string[];
}

export interface WithBasket<T = unknown> {
  result: T;
  basket: Basket;
}

export interface Product {
  sku: string;
  name: string;
}

export interface Customer {
  id: string;
  name: string;
  tier: string;
  points: number;
}

export interface Paid {
  ticket: string;
  total: string;
  change: string;
  points_earned: number;
  credit_notes: { note: string; amount: string }[];
  printer?: ErrorView;
}

export interface TicketView {
  ticket: string;
  day: string;
  total: string;
  lines: { line: number; name: string; quantity: number; measure: string; net: string; returnable: number }[];
}

export interface Closed {
  day: string;
  expected: string;
  counted: string;
  difference: string;
  z: Record<string, unknown>;
  printer?: ErrorView;
}

/** Runs an action of the till (the till-script's actions, typed in `generated/till.ts`). */
export async function act<T>(action: Action): Promise<T> {
  return invoke<T>("act", { action });
}

/** The app's own commands: the last receipt, the card's cancel button, the scanner, the version. */
export async function app<T>(command: "last_receipt" | "cancel_card" | "next_scan" | "about"): Promise<T> {
  return invoke<T>(command);
}
