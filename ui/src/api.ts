// The window reaches the engine only through the app's commands (src-tauri/src/commands.rs).

import { invoke } from "@tauri-apps/api/core";

import type { Action, ErrorView } from "./generated/till";

/** An error from a command: `kind` chooses the headline, `reason` the words (see `reasons.ts`). */
export type AppError = ErrorView;

export function isAppError(e: unknown): e is AppError {
  return typeof e === "object" && e !== null && "kind" in e && "reason" in e && "message" in e;
}

// What the till answers, generated from its Rust types (`till/src/answer.rs`).
export type {
  Approval,
  Archived,
  Balance,
  DeviceTest,
  BasketView as Basket,
  Closed,
  CustomerFound as Customer,
  DeviceHealth as DeviceLast,
  DeviceState,
  DiscountView as Discount,
  Found as Product,
  LineView as Line,
  LoggedIn,
  Emailed,
  Paid,
  ReceiptCopy,
  TicketView,
} from "./generated/till";

import type { BasketView, DevicesView, StatusView } from "./generated/till";

/** The till's status as the window gets it: with its devices (`pos-till status` opens none). */
export type Status = StatusView & { devices: DevicesView };

/** An action that changes the basket answers its result and the basket as it is now. */
export interface WithBasket<T = unknown> {
  result: T;
  basket: BasketView;
}

/** Runs an action of the till (the till-script's actions, typed in `generated/till.ts`). */
export async function act<T>(action: Action): Promise<T> {
  return invoke<T>("act", { action });
}

/** The app's own commands: the last receipt, the card's cancel button, the scanner, the version. */
export async function app<T>(command: "last_receipt" | "cancel_card" | "next_scan" | "about"): Promise<T> {
  return invoke<T>(command);
}
