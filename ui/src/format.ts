// Money and numbers as the till shows them: French format in French, English in English.

export type Lang = "fr" | "en";

/** Amounts arrive from the engine as strings of euros with a dot ("1249.00", "-3.90"). */
export function money(amount: string, lang: Lang): string {
  const negative = amount.startsWith("-");
  const [whole = "0", cents = "00"] = amount.replace("-", "").split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, lang === "fr" ? "\u202f" : ",");
  const sign = negative ? "-" : "";
  const padded = cents.padEnd(2, "0").slice(0, 2);
  return lang === "fr" ? `${sign}${grouped},${padded}\u00a0€` : `${sign}€${grouped}.${padded}`;
}

/** A weight in grams, as kilograms with three decimals: "0,455 kg" in French. */
export function kilograms(grams: number, lang: Lang): string {
  const kg = (grams / 1000).toFixed(3);
  return `${lang === "fr" ? kg.replace(".", ",") : kg}\u00a0kg`;
}

/** Cents to the engine's euro string ("12.30"); the engine never sees a float. */
export function euros(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(Math.trunc(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/**
 * An amount typed by a cashier ("12,30", "12.3", "12") to cents, or null when it is not one.
 * At most two decimals; a comma or a dot.
 */
export function parseCents(typed: string): number | null {
  const m = /^\s*(-?)(\d{1,7})(?:[.,](\d{1,2}))?\s*$/.exec(typed);
  if (!m) return null;
  const cents = Number(m[2]) * 100 + Number((m[3] ?? "0").padEnd(2, "0"));
  return m[1] === "-" ? -cents : cents;
}

/** The engine's euro string to cents. */
export function toCents(amount: string): number {
  const c = parseCents(amount);
  if (c === null) throw new Error(`not an amount: ${amount}`);
  return c;
}

/** The time of day of an RFC 3339 instant, in the window's language (`14:05`). */
export function clock(instant: string, lang: Lang): string {
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) return instant;
  return d.toLocaleTimeString(lang === "fr" ? "fr-FR" : "en-GB", { hour: "2-digit", minute: "2-digit" });
}

/** A message's date as the store reads it: `05/12 09:30`. */
export function messageDate(at: string): string {
  const m = /^\d{4}-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(at);
  return m ? `${m[2]}/${m[1]} ${m[3]}:${m[4]}` : at;
}

/**
 * The ticket a cashier types: its short number as the receipt shows it big (`T2`, `t000002`, `2`)
 * is this till's (`LYO-1-T000002`); anything else (another till's number, a receipt's code, a web
 * order) goes as typed.
 */
export function ticketNumber(typed: string, till: string): string {
  const text = typed.trim();
  const short = /^[Tt]?(\d{1,6})$/.exec(text);
  return short && till ? `${till}-T${(short[1] ?? "").padStart(6, "0")}` : text;
}

/**
 * A staff number as typed on the login keypad: one to three digits alone are the number of an `S`
 * id, as the chain numbers its staff (`7` and `007` are `S007`); anything else is the id as typed.
 */
export function staffId(typed: string): string {
  const s = typed.trim();
  return /^\d{1,3}$/.test(s) ? `S${s.padStart(3, "0")}` : s;
}

/** A business day (`2026-12-03`) as the window's language writes it: `03/12/2026`, `12/03/2026`. */
export function businessDay(day: string, lang: Lang): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const [, y, mo, d] = m;
  return lang === "fr" ? `${d}/${mo}/${y}` : `${mo}/${d}/${y}`;
}
