// Counting the drawer by denomination, as the engine wants it: {"50.00": 2, "0.20": 5}.

/** Euro notes and coins, largest first, in cents. */
export const DENOMINATIONS: readonly number[] = [
  50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1,
];

export function isNote(cents: number): boolean {
  return cents >= 500;
}

/** The count's total in cents; counts that are not whole and positive are an error. */
export function countTotal(counts: ReadonlyMap<number, number>): number {
  let total = 0;
  for (const [d, n] of counts) {
    if (!DENOMINATIONS.includes(d)) throw new Error(`${d} is not a euro note or coin`);
    if (!Number.isInteger(n) || n < 0) throw new Error(`a count of ${n}`);
    total += d * n;
  }
  return total;
}

/** The engine's `counted` object; denominations counted zero are left out. */
export function countedForEngine(counts: ReadonlyMap<number, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [d, n] of counts) {
    if (n > 0) out[`${Math.floor(d / 100)}.${String(d % 100).padStart(2, "0")}`] = n;
  }
  return out;
}
