// The window's words in French and English. French is the default (the stores are in France);
// the choice is kept in the window's local storage.

import type { Lang } from "./format";

const fr = {
  login: "Connexion",
  staff: "Matricule",
  pin: "Code",
  ok: "Valider",
  cancel: "Annuler",
  lock: "Verrouiller",
  locked: "Caisse verrouillée",
  unlock: "Déverrouiller",
  switchUser: "Changer de caissier",
  logout: "Se déconnecter",
  till: "Caisse",
  training: "MODE FORMATION — aucune vente réelle",
  openRegister: "Ouverture de caisse",
  float: "Fond de caisse compté",
  open: "Ouvrir la caisse",
  sale: "Vente",
  scanHint: "Scannez un article, ou cherchez par nom, référence ou modèle",
  search: "Rechercher",
  add: "Ajouter",
  qty: "Qté",
  price: "Prix",
  total: "Total",
  discounts: "Remises",
  eco: "dont éco-participation",
  serial: "N° de série",
  serialAsk: "N° de série de l'article",
  weightAsk: "Poids (g) — laissez vide pour lire la balance",
  remove: "Retirer",
  customer: "Client",
  customerFind: "Nom, e-mail ou n° de carte client",
  points: "points",
  detach: "Détacher",
  suggestions: "Ça va avec",
  park: "Mettre en attente",
  resume: "Reprendre",
  parked: "En attente",
  cancelBasket: "Abandonner le panier",
  pay: "Encaisser",
  payment: "Paiement",
  due: "Reste à payer",
  change: "Rendu",
  cash: "Espèces",
  card: "Carte bancaire",
  giftCard: "Carte cadeau",
  sellGiftCard: "Vendre ou recharger une carte cadeau",
  storeCredit: "Avoir",
  loyalty: "Points fidélité",
  number: "Numéro",
  amount: "Montant",
  balance: "Solde",
  cardWaiting: "Paiement en cours sur le terminal… le client suit les instructions",
  cardCancel: "Arrêter le paiement carte",
  finish: "Terminer la vente",
  paid: "Vente enregistrée",
  ticket: "Ticket",
  showReceipt: "Voir le ticket",
  newSale: "Nouvelle vente",
  returns: "Retours",
  returnFind: "N° de ticket ou code du ticket",
  returnAll: "Tout reprendre",
  returnLines: "Reprendre les lignes cochées",
  noReceipt: "Retour sans ticket",
  refundTo: "Rembourser",
  closing: "Clôture",
  countCash: "Comptage des espèces",
  notes: "Billets",
  coins: "Pièces",
  counted: "Compté",
  expected: "Attendu",
  difference: "Écart",
  close: "Clôturer la journée",
  zReport: "Ticket Z",
  settings: "Réglages",
  devices: "Périphériques",
  test: "Tester",
  retry: "Relancer l'impression",
  version: "Version",
  identity: "Caisse",
  approvalTitle: "Validation responsable",
  approvalText: "Un responsable doit valider : {what}. Il saisit son matricule et son code sur cette caisse.",
  printer: "Imprimante",
  terminal: "Terminal CB",
  scale: "Balance",
  scanner: "Scanner",
  notConfigured: "non configuré",
  deviceOk: "OK",
  sync: "Hors ligne",
  language: "English",
  cashIn: "Entrée d'espèces",
  cashOut: "Sortie d'espèces",
  reason: "Motif",
  printed: "imprimé",
  errRefused: "Action refusée",
  errManager: "Validation d'un responsable nécessaire",
  errDevice: "Problème de périphérique",
  errStorage: "Problème d'enregistrement",
  errNothingLost: "Rien de ce qui est déjà enregistré n'est perdu.",
} as const;

export type Key = keyof typeof fr;

const en: Record<Key, string> = {
  login: "Log in",
  staff: "Staff number",
  pin: "PIN",
  ok: "OK",
  cancel: "Cancel",
  lock: "Lock",
  locked: "Till locked",
  unlock: "Unlock",
  switchUser: "Switch cashier",
  logout: "Log out",
  till: "Till",
  training: "TRAINING MODE — no real sale",
  openRegister: "Open the register",
  float: "Counted float",
  open: "Open the register",
  sale: "Sale",
  scanHint: "Scan an item, or search by name, reference or model",
  search: "Search",
  add: "Add",
  qty: "Qty",
  price: "Price",
  total: "Total",
  discounts: "Discounts",
  eco: "incl. eco-participation",
  serial: "Serial no.",
  serialAsk: "The item's serial number",
  weightAsk: "Weight (g) — leave empty to read the scale",
  remove: "Remove",
  customer: "Customer",
  customerFind: "Name, e-mail or loyalty card number",
  points: "points",
  detach: "Detach",
  suggestions: "Goes well with",
  park: "Park",
  resume: "Resume",
  parked: "Parked",
  cancelBasket: "Abandon the basket",
  pay: "Pay",
  payment: "Payment",
  due: "Still due",
  change: "Change",
  cash: "Cash",
  card: "Card",
  giftCard: "Gift card",
  sellGiftCard: "Sell or top up a gift card",
  storeCredit: "Credit note",
  loyalty: "Loyalty points",
  number: "Number",
  amount: "Amount",
  balance: "Balance",
  cardWaiting: "Card payment on the terminal… the customer follows its instructions",
  cardCancel: "Stop the card payment",
  finish: "Finish the sale",
  paid: "Sale recorded",
  ticket: "Ticket",
  showReceipt: "Show the receipt",
  newSale: "New sale",
  returns: "Returns",
  returnFind: "Ticket number or receipt code",
  returnAll: "Take everything back",
  returnLines: "Take back the ticked lines",
  noReceipt: "Return without receipt",
  refundTo: "Refund",
  closing: "Closing",
  countCash: "Cash count",
  notes: "Notes",
  coins: "Coins",
  counted: "Counted",
  expected: "Expected",
  difference: "Difference",
  close: "Close the day",
  zReport: "Z report",
  settings: "Settings",
  devices: "Devices",
  test: "Test",
  retry: "Print again",
  version: "Version",
  identity: "Till",
  approvalTitle: "Manager approval",
  approvalText: "A manager must approve: {what}. They type their staff number and PIN on this till.",
  printer: "Printer",
  terminal: "Card terminal",
  scale: "Scale",
  scanner: "Scanner",
  notConfigured: "not configured",
  deviceOk: "OK",
  sync: "Offline",
  language: "Français",
  cashIn: "Cash in",
  cashOut: "Cash out",
  reason: "Reason",
  printed: "printed",
  errRefused: "Not done",
  errManager: "A manager must approve",
  errDevice: "Device problem",
  errStorage: "Could not save",
  errNothingLost: "Nothing already recorded is lost.",
};

let current: Lang = "fr";

export function setLang(lang: Lang): void {
  current = lang;
}

export function lang(): Lang {
  return current;
}

/** The word for `key` in the current language, with `{name}` filled from `params`. */
export function t(key: Key, params: Record<string, string> = {}): string {
  const text = current === "fr" ? fr[key] : en[key];
  return text.replace(/\{(\w+)\}/g, (_, k: string) => params[k] ?? "");
}

/**
 * The engine speaks English; at the counter in French the sentences a cashier meets every day are
 * said in French. A sentence not listed is shown as the engine wrote it, under a French headline.
 */
const FRENCH: ReadonlyArray<[RegExp, string]> = [
  [/^wrong PIN for (.+) \((\d+) in a row; (\d+) lock the account\)$/, "Code erroné pour $1 ($2 de suite ; bloqué à $3)"],
  [/^no staff member (\S+) at this till/, "Aucun membre du personnel $1 sur cette caisse : vérifiez le matricule"],
  [/^(.+)'s account is locked after .* until (\S+);.*$/, "Le compte de $1 est bloqué après trop de codes erronés jusqu'à $2 : patientez ou appelez un responsable"],
  [/^nobody is logged in.*$/, "Personne n'est connecté : saisissez votre code"],
  [/^the register is not open.*$/, "La caisse n'est pas ouverte : ouvrez-la avec le fond de caisse compté"],
  [/^no product has barcode (\S+).*$/, "Aucun article n'a le code $1 : scannez-le à nouveau ou saisissez la référence"],
  [/^(\S+) is sold by weight: put it on the scale$/, "$1 se vend au poids : posez-le sur la balance"],
  [/^(\S+) is serial-tracked.*$/, "$1 a un numéro de série : scannez-le ou saisissez-le"],
  [/^the basket is empty.*$/, "Le panier est vide : scannez un article"],
  [/^no gift card or credit note (\S+).*$/, "Aucune carte cadeau ni avoir $1 : vérifiez le numéro"],
  [/^(\S+): the balance cannot go below zero.*$/, "$1 : solde insuffisant, encaissez le reste autrement"],
  [/^the customer has (\d+) points, not (\d+)$/, "Le client a $1 points, pas $2"],
  [/^attach the customer to spend their points$/, "Associez le client pour utiliser ses points"],
  [/^no customer (\S+).*$/, "Aucun client $1 : vérifiez la carte ou cherchez par nom"],
  [/^no ticket (\S+) at this till.*$/, "Aucun ticket $1 sur cette caisse : vérifiez le numéro sur le ticket"],
  [/^everything on (\S+) was already returned$/, "Tout le ticket $1 a déjà été repris"],
  [/^finish, park or cancel the current basket first$/, "Terminez, mettez en attente ou abandonnez le panier en cours"],
  [/^finish or park the current basket first$/, "Terminez ou mettez en attente le panier en cours"],
  [/^a basket is open: pay, park or cancel it before closing$/, "Un panier est ouvert : encaissez, mettez en attente ou abandonnez-le avant la clôture"],
  [/^there is not that much cash in the drawer$/, "Il n'y a pas autant d'espèces dans le tiroir"],
  [/^(.*): (\S+) is not a manager: a manager must approve.*$/, "$1 : $2 n'est pas responsable, un responsable doit valider"],
  [/^(.*): a manager must approve \(manager's PIN\)$/, "$1 : un responsable doit valider (son code)"],
  [/^card declined \((.*)\).*$/, "Carte refusée ($1) : demandez une autre carte ou un autre moyen de paiement"],
  [/^(.*)the payment's outcome is unknown.*$/, "$1le résultat du paiement est inconnu : un responsable vérifie le terminal avant tout autre paiement"],
  [/^(.*)paper.*$/i, "Imprimante : plus de papier. Remettez un rouleau, la vente est enregistrée"],
  [/^tenders pay (.*)$/, "Les paiements font $1"],
];

/** An engine sentence in the current language. */
export function sentence(message: string): string {
  if (current !== "fr") return message;
  for (const [pattern, french] of FRENCH) {
    if (pattern.test(message)) return message.replace(pattern, french);
  }
  return message;
}

/** The headline for an error code. */
export function headline(code: string): string {
  switch (code) {
    case "needs_manager":
      return t("errManager");
    case "device":
      return t("errDevice");
    case "storage":
      return t("errStorage");
    default:
      return t("errRefused");
  }
}
