// When the till locks itself for want of a key, a click or a touch (setting `idle_lock_minutes`).

/**
 * Whether the window locks itself now: someone logged in, no dialog or PIN screen up, and nothing
 * touched for `minutes` (0: never).
 */
export function idleLockDue(now: number, lastTouch: number, minutes: number, loggedIn: boolean, busy: boolean): boolean {
  return minutes > 0 && loggedIn && !busy && now - lastTouch >= minutes * 60_000;
}
