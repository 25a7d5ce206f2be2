import { describe, expect, test } from "vitest";
import { blankConnection, connectionKinds, setupFor, usualLine, withKind } from "./setup";
import type { Forms } from "./setup";

const forms: Forms = {
  devices: [],
  found: [
    { connection: { kind: "serial", path: "/dev/ttyUSB0", baud: 9600, frame: "8N1" }, description: "USB 067b:2303" },
    { connection: { kind: "usb", vendor: "04b8", product: "0e28" }, description: "TM-T20III" },
  ],
  bauds: [1200, 9600, 19200],
  frames: ["8N1", "7E1", "7O1"],
  lines: [
    ["escpos", "9600,8N1"],
    ["concert", "9600,7E1"],
    ["toledo8217", "9600,7E1"],
    ["dialog06", "9600,7O1"],
  ],
};

describe("the technician's device forms", () => {
  test("each model offers the connections it can have", () => {
    expect(connectionKinds("escpos")).toEqual(["serial", "network", "lp", "usb"]);
    expect(connectionKinds("concert")).toEqual(["serial", "network"]);
    expect(connectionKinds("dialog06")).toEqual(["serial"]);
    expect(connectionKinds("sim")).toEqual([]);
  });

  test("a new connection starts on a port found and the model's usual line", () => {
    expect(usualLine(forms, "dialog06")).toEqual({ baud: 9600, frame: "7O1" });
    expect(blankConnection("serial", "toledo8217", forms)).toEqual({ kind: "serial", path: "/dev/ttyUSB0", baud: 9600, frame: "7E1" });
    expect(blankConnection("usb", "escpos", forms)).toEqual({ kind: "usb", vendor: "04b8", product: "0e28" });
    expect(blankConnection("network", "escpos", forms)).toEqual({ kind: "network", host: "", port: 9100 });
  });

  test("changing the model keeps the port and moves to the new model's line", () => {
    const toledo = setupFor("toledo8217", forms);
    const dialog = setupFor("dialog06", forms, toledo);
    expect(dialog).toEqual({ model: "dialog06", connection: { kind: "serial", path: "/dev/ttyUSB0", baud: 9600, frame: "7O1" } });
    expect(setupFor("none", forms, dialog)).toEqual({ model: "none" });
    const concert = setupFor("concert", forms, { model: "concert", connection: { kind: "network", host: "10.0.0.7", port: 8888 }, pos: 4 });
    expect(concert).toEqual({ model: "concert", connection: { kind: "network", host: "10.0.0.7", port: 8888 }, pos: 4 });
  });

  test("changing the kind of connection starts it afresh", () => {
    const printer = setupFor("escpos", forms);
    expect(withKind(printer, "network", forms)).toEqual({ model: "escpos", width: 42, connection: { kind: "network", host: "", port: 9100 } });
    expect(withKind({ model: "sim" }, "network", forms)).toEqual({ model: "sim" });
  });
});
