import { invoke } from "@tauri-apps/api/core";

/** What `till_status` answers (the engine's status, the parts the window shows). */
interface TillStatus {
  store: string;
  till: string;
  operator: string | null;
  training: boolean;
}

const screen = document.querySelector<HTMLElement>("#screen");

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  return e;
}

async function refreshBar(): Promise<void> {
  const s = await invoke<TillStatus>("till_status");
  const set = (id: string, text: string): void => {
    const e = document.getElementById(id);
    if (e) e.textContent = text;
  };
  set("store", s.store);
  set("till", `Caisse ${s.till}`);
  set("operator", s.operator ?? "");
}

function loginScreen(): void {
  if (!screen) return;
  screen.replaceChildren();
  const title = el("h1", "Connexion");
  const staff = el("input");
  staff.placeholder = "Matricule";
  staff.id = "staff";
  const pin = el("input");
  pin.type = "password";
  pin.placeholder = "Code";
  pin.id = "pin";
  const pad = el("div");
  pad.className = "keypad";
  for (const key of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]) {
    const b = el("button", key);
    b.onclick = (): void => {
      if (key === "⌫") pin.value = pin.value.slice(0, -1);
      else if (key === "OK") void submit();
      else pin.value += key;
    };
    pad.append(b);
  }
  const error = el("div");
  error.className = "error";
  error.id = "error";
  async function submit(): Promise<void> {
    try {
      await invoke("login", { staff: staff.value.trim(), pin: pin.value });
      pin.value = "";
      await refreshBar();
      error.textContent = "";
    } catch (e) {
      pin.value = "";
      error.textContent = String(e);
    }
  }
  screen.append(title, staff, pin, pad, error);
  staff.focus();
}

loginScreen();
void refreshBar();
