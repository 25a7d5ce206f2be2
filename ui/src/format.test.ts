import { describe, expect, test } from "vitest";
import { businessDay, clock, money, staffId } from "./format";
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

describe("staffId", () => {
  test("reads the keypad's digits as an S number, and any id as typed", () => {
    expect(staffId("7")).toBe("S007");
    expect(staffId("007")).toBe("S007");
    expect(staffId(" S010 ")).toBe("S010");
    expect(staffId("m.dupont")).toBe("m.dupont");
    expect(staffId("S006")).toBe("S006");
    expect(staffId("1234")).toBe("1234");
    expect(staffId("")).toBe("");
  });
});

describe("businessDay", () => {
  test("writes a day as the window's language does", () => {
    expect(businessDay("2026-12-03", "fr")).toBe("03/12/2026");
    expect(businessDay("2026-12-03", "en")).toBe("12/03/2026");
    expect(businessDay("not a day", "fr")).toBe("not a day");
  });
});
