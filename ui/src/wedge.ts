// A keyboard-wedge scanner types a barcode as a burst of keystrokes ended by Enter, far faster than
// a person. The window listens to every key: a burst that lands outside any text field (the focus on
// a button, on the page) is a scan; in a field, the field's own Enter takes its whole text, so a
// scan there is handled exactly like a code typed in. Keys are never held back.

/** How the classifier decides. */
export interface WedgeRules {
  /** Longest gap between two keys of a scan, in milliseconds. */
  maxGapMs: number;
  /** Fewest characters in a scan (EAN-8 is the shortest code the till sells). */
  minLength: number;
}

export const DEFAULT_RULES: WedgeRules = { maxGapMs: 35, minLength: 8 };

/** What a key means once classified. */
export type Verdict = { kind: "scan"; code: string } | { kind: "key" };

const MODIFIERS = new Set(["Shift", "CapsLock", "AltGraph"]);

export class WedgeClassifier {
  private burst = "";
  private last = -Infinity;

  constructor(private readonly rules: WedgeRules = DEFAULT_RULES) {}

  /** Feed it every key with its time; it answers `scan` on the Enter that ends a burst. */
  key(key: string, atMs: number): Verdict {
    const gap = atMs - this.last;
    this.last = atMs;
    // A scanner set up as an AZERTY keyboard presses Shift before each digit: modifier keys
    // neither add to a burst nor break it.
    if (MODIFIERS.has(key)) return { kind: "key" };
    if (gap > this.rules.maxGapMs) this.burst = "";
    if (key === "Enter") {
      const code = this.burst;
      this.burst = "";
      return code.length >= this.rules.minLength ? { kind: "scan", code } : { kind: "key" };
    }
    if (key.length === 1) this.burst += key;
    else this.burst = "";
    return { kind: "key" };
  }
}
