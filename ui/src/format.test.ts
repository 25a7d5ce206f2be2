import { describe, expect, test } from "vitest";
import { clock, money } from "./format";
import { stockLine } from "./sync";

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

describe("stockLine", () => {
  test("the till's store first, decimal commas, its own unsent sales in the title", () => {
    const line = stockLine(
      [
        { location: "PAR", qty: "3", own: "" },
        { location: "LYO", qty: "0.455", own: "-2" },
        { location: "WHS", qty: "40", own: "" },
      ],
      "LYO",
    );
    expect(line.text).toBe("LYO 0,455 · PAR 3 · WHS 40");
    expect(line.title).toContain("-2");
  });
  test("nothing known yet says nothing", () => {
    expect(stockLine([], "LYO")).toEqual({ text: "", title: "" });
  });
});
