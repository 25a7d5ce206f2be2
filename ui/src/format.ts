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
