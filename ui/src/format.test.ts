import { describe, expect, test } from "vitest";
import { clock, money } from "./format";

describe("money", () => {
  test("French: comma, narrow space between thousands, euro after", () => {
    expect(money("1249.00", "fr")).toBe("1\u202f249,00\u00a0€");
    expect(money("-3.9", "fr")).toBe("-3,90\u00a0€");
    expect(money("0.05", "fr")).toBe("0,05\u00a0€");
  });
  test("English: euro first, comma between thousands", () => {
    expect(money("1249.00", "en")).toBe("€1,249.00");
  });
});

describe("clock", () => {
  test("the time of day of an instant; what does not read stays as it was", () => {
    expect(clock("2026-12-02T13:05:00Z", "fr")).toMatch(/^\d\d:\d\d$/);
    expect(clock("not a time", "en")).toBe("not a time");
  });
});
