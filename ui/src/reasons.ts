// The engine's refusals in the window's language, worded from their code and values
// (`generated/till.ts`, made from the till's Rust types). In English the engine's own sentence is
// shown: it is made from the same code and values. A code added to the engine and not worded here
// fails the type check (the `switch` is exhaustive).

import type { Amounted, DeclineKind, ErrorView, HeadProblem, LineProblem, PrinterErrorKind, Reason, ScaleErrorKind, Task } from "./generated/till";
import { euros, kilograms, money, type Lang } from "./format";
import { lang } from "./i18n";

const eur = (cents: number, l: Lang = "fr"): string => money(euros(cents), l);

function never(x: never): string {
  return String(x);
}

/** What a manager approves, in French. */
export function taskFr(task: Task): string {
  switch (task.task) {
    case "login":
      return "connexion";
    case "opening_drawer":
      return "ouvrir le tiroir";
    case "no_sale":
      return "ouvrir le tiroir sans vente";
    case "switching_training":
      return "changer de mode formation";
    case "resolving_card":
      return "régler un paiement carte en suspens";
    case "price_override":
      return "changer un prix";
    case "closing_register":
      return "clôturer la caisse";
    case "periodic_closure":
      return "une clôture mensuelle ou annuelle";
    case "voiding":
      return "annuler un ticket";
    case "rebuilding":
      return "reconstruire les tables de la caisse depuis son journal";
    case "accepting_head":
      return "accepter un journal qui n'atteint pas sa tête";
    case "replacing_key":
      return "remplacer la clé de signature de la caisse";
    case "return_without_receipt":
      return "un retour sans ticket";
    case "opening_register":
      return "ouvrir la caisse";
    case "emailing_receipt":
      return "envoyer un ticket par e-mail";
    case "reopening_day":
      return "rouvrir la caisse un jour déjà clôturé";
    case "moving_cash":
      return "un mouvement d'espèces";
    case "resuming_parked":
      return "reprendre un panier en attente";
    case "counting_cash":
      return "compter les espèces";
    case "closure":
      return "une clôture";
    case "reprinting":
      return "réimprimer un ticket réel";
    case "handing_over":
      return "remettre une commande retrait";
    case "editing_customer":
      return "créer ou modifier un client";
    case "discount":
      return `une remise de ${task.percent.replace(".", ",")} %`;
    case "units":
      return `${task.units} unités sur une ligne (au-delà du maximum de ${task.max})`;
    case "weight":
      return `un poids de ${task.grams} g (au-delà des ${task.max} g de la balance)`;
    case "amount":
      return `${amountedFr(task.of)} de ${eur(task.cents)} (au-delà du maximum de ${eur(task.max)})`;
    default:
      return never(task);
  }
}

function amountedFr(a: Amounted): string {
  switch (a) {
    case "float":
      return "un fond de caisse";
    case "cash_in":
      return "un apport d'espèces";
    case "cash_out":
      return "un retrait d'espèces";
    case "cash_movement":
      return "un mouvement d'espèces";
    case "gift_card_load":
      return "un chargement de carte cadeau";
    case "line":
      return "une ligne";
    case "basket":
      return "un panier";
    case "discount":
      return "une remise";
    case "price":
      return "un prix";
    case "tender":
      return "un paiement";
    case "tenders":
      return "les paiements";
    case "ticket":
      return "un ticket";
    case "cash_count":
      return "un comptage";
    default:
      return never(a);
  }
}

function scaleFr(f: ScaleErrorKind): string {
  switch (f) {
    case "motion":
      return "le poids n'est pas stable, attendez que la balance se stabilise";
    case "overload":
      return "la balance est en surcharge : retirez l'article";
    case "under_zero":
      return "la balance est sous zéro : remettez-la à zéro";
    case "refused":
      return "la balance refuse le prix au kilo";
    case "disconnected":
      return "la balance ne répond pas : vérifiez son câble";
    case "timeout":
      return "la balance n'a pas répondu à temps";
    case "protocol":
      return "la balance répond dans un autre protocole : vérifiez le réglage";
    case "unsupported":
      return "la balance ne fait pas cela depuis la caisse";
    default:
      return never(f);
  }
}

function printerFr(f: PrinterErrorKind): string {
  switch (f) {
    case "paper_out":
      return "Imprimante sans papier : remettez un rouleau";
    case "cover_open":
      return "Le capot de l'imprimante est ouvert : fermez-le";
    case "offline":
      return "L'imprimante est hors ligne : appuyez sur son bouton « en ligne »";
    case "disconnected":
      return "L'imprimante ne répond pas : vérifiez son câble ou le réseau";
    case "timeout":
      return "L'imprimante n'a pas répondu à temps";
    case "protocol":
      return "L'imprimante répond dans un autre protocole : vérifiez le réglage";
    case "other":
      return "L'imprimante signale une erreur (bourrage ou massicot) : dégagez-la, fermez le capot, appuyez sur l'avance papier";
    default:
      return never(f);
  }
}

function headFr(p: HeadProblem): string {
  switch (p) {
    case "behind":
      return "Le journal est plus ancien que sa tête (base coupée ou ancienne copie remise) : remettez la dernière copie de la caisse, ou un responsable accepte la perte (Gestion)";
    case "differs":
      return "Le journal ne contient pas les enregistrements de sa tête (réécrit) : remettez la dernière copie de la caisse";
    case "missing":
      return "Le fichier de tête de la caisse a disparu : remettez-le depuis la sauvegarde, ou un responsable accepte le journal tel qu'il est (Gestion)";
    case "unreadable":
      return "Le fichier de tête de la caisse est illisible : remettez-le depuis la sauvegarde, ou un responsable accepte le journal tel qu'il est (Gestion)";
    case "foreign":
      return "La tête ne correspond pas à ce journal : remettez la dernière copie de la caisse";
    default:
      return never(p);
  }
}

function lineFr(p: LineProblem): string {
  switch (p.problem) {
    case "weigh_it":
      return `${p.sku} se vend au poids : pesez-le`;
    case "gift_card_amount":
      return `${p.sku} est une carte cadeau : saisissez son montant`;
    case "serial_needed":
      return `${p.sku} a un numéro de série : scannez-le ou saisissez-le`;
    case "serial_empty":
      return `${p.sku} : le numéro de série est vide`;
    case "serial_one_unit":
      return `${p.sku} a un numéro de série : une unité par ligne, chacune avec son numéro`;
    case "serial_twice":
      return `${p.sku} n° de série ${p.serial} est déjà dans ce panier : scannez le numéro de l'unité suivante`;
    case "not_serial":
      return `${p.sku} n'a pas de numéro de série : retirez-le`;
    case "quantity":
      return `La quantité ${p.quantity} doit être comprise entre 1 et ${p.max}`;
    case "not_weighed":
      return `${p.sku} ne se vend pas au poids`;
    case "no_weight":
      return "Le poids doit être supérieur à zéro : attendez un poids stable";
    case "negative_label":
      return "Le prix d'une étiquette ne peut pas être négatif";
    case "not_gift_card":
      return `${p.sku} n'est pas une carte cadeau`;
    case "gift_card_number":
      return "Scannez le numéro de la carte cadeau";
    case "gift_card_load":
      return `Le montant ${p.amount} d'une carte cadeau doit être positif, au centime`;
    case "return_too_many":
      return `${p.units} unité(s) reprise(s), ${p.before} avant, mais ${p.sold} vendue(s) sur le ticket ${p.ticket} ligne ${p.sold_line}`;
    case "return_basis":
      return `Le ticket ${p.ticket} a été vendu ${p.tax_excluded ? "hors taxes (pro)" : "TTC"} : reprenez-le pour un client du même type`;
    case "no_discount":
      return "Les retours et les cartes cadeaux ne prennent pas de remise";
    default:
      return never(p);
  }
}

/** A reason in French. */
export function reasonFr(r: Reason): string {
  switch (r.code) {
    case "unknown_staff":
      return `Aucun membre du personnel ${r.staff} sur cette caisse : vérifiez le matricule`;
    case "wrong_pin":
      return `Code erroné pour ${r.name} (${r.failures} de suite ; bloqué à ${r.limit})`;
    case "locked_out":
      return `Le compte de ${r.name} est bloqué après ${r.limit} codes erronés, encore ${r.minutes} min au moins : patientez ou appelez un responsable`;
    case "not_logged_in":
      return "Personne n'est connecté : saisissez votre code";
    case "needs_manager":
      return r.not_manager === null
        ? `${taskFr(r.task)} : un responsable doit valider (son code)`
        : `${taskFr(r.task)} : ${r.not_manager} n'est pas responsable, un responsable doit valider`;
    case "manager_or_technician":
      return "Seul un responsable ou un technicien peut le faire";
    case "manager_only":
      return "Seul un responsable change les maximums de la caisse et l'endroit où sa tête est copiée";
    case "register_closed":
      return "La caisse n'est pas ouverte : ouvrez-la avec le fond de caisse compté";
    case "negative_float":
      return "Le fond de caisse ne peut pas être négatif : recomptez le tiroir";
    case "clock_behind":
      return `L'horloge de la caisse indique ${r.today}, avant le ${r.closed} déjà clôturé : remettez l'horloge à l'heure`;
    case "already_open":
      return `La caisse est déjà ouverte pour le ${r.day}`;
    case "still_open":
      return `La caisse est encore ouverte le ${r.day} : clôturez d'abord la journée`;
    case "training_mode":
      return `Quittez le mode formation avant de ${taskFr(r.task)}`;
    case "reason_needed":
      return "Donnez un motif";
    case "amount_not_positive":
      return "Le montant doit être supérieur à zéro";
    case "drawer_short":
      return `Le tiroir devrait contenir ${eur(r.holds)}, pas ${eur(r.asked)}`;
    case "amount_too_large":
      return `${amountedFr(r.of)} de ${eur(r.cents)} : aucun montant au-delà de ${eur(r.ceiling)} n'est accepté, vérifiez la saisie`;
    case "overflow":
      return "Ce nombre dépasse ce que la caisse sait compter : rien n'a été fait, vérifiez la saisie";
    case "basket_open_at_close":
      return "Un panier est ouvert : encaissez, mettez en attente ou abandonnez-le avant la clôture";
    case "no_count_waiting":
      return `Aucun comptage n'attend pour le ${r.day}`;
    case "no_closure_to_count":
      return `Le journal ne contient aucune clôture du ${r.day} faite par la caisse : rien à compter`;
    case "period_not_over":
      return `${r.key} n'est pas terminé : clôturez-le une fois fini`;
    case "not_an_amount":
      return `« ${r.typed} » n'est pas un montant`;
    case "not_an_email":
      return `« ${r.typed} » n'est pas une adresse e-mail (nom@domaine.fr)`;
    case "email_needed":
      return "Un ticket par e-mail demande l'adresse du client : tapez-la, ou associez le client";
    case "not_a_denomination":
      return `${r.denomination} n'est ni un billet ni une pièce en euros`;
    case "negative_count":
      return `Un nombre négatif de ${r.denomination}`;
    case "too_many_pieces":
      return `${r.pieces} × ${r.denomination} : au plus ${r.max} de chaque billet ou pièce ; recomptez`;
    case "quantity_zero":
      return "Une quantité est d'au moins 1";
    case "too_many_units":
      return `${r.units} unités : une ligne en contient au plus ${r.max}, vérifiez la saisie`;
    case "weight_not_positive":
      return `Un poids de ${r.grams} g : pesez à nouveau (plus de 0 g)`;
    case "weight_too_heavy":
      return `Un poids de ${r.grams} g dépasse toute balance : vérifiez la saisie`;
    case "bad_barcode":
      return `Le code ${r.barcode} est illisible : scannez-le à nouveau ou saisissez la référence`;
    case "unknown_plu":
      return `L'étiquette ${r.barcode} indique le PLU ${r.plu}, qu'aucun article au poids ne porte : pesez à nouveau`;
    case "unknown_barcode":
      return `Aucun article n'a le code ${r.barcode} : scannez-le à nouveau ou saisissez la référence`;
    case "unknown_code":
      return `« ${r.barcode} » n'est ni un code-barres ni une référence vendue : vérifiez ou cherchez par nom`;
    case "not_in_catalogue":
      return `${r.sku} n'est pas au catalogue de cette caisse`;
    case "label_with_weight":
      return "L'étiquette de la balance porte déjà son poids ou son prix : scannez-la sans poids";
    case "gift_card_scanned":
      return `${r.sku} est une carte cadeau : scannez la carte et saisissez son montant`;
    case "not_by_weight":
      return `${r.sku} ne se vend pas au poids : scannez-le sans poids`;
    case "no_price":
      return `${r.sku} n'a pas de prix`;
    case "negative_price":
      return `${r.sku} a un prix négatif`;
    case "no_scale":
      return `${r.sku} se vend au poids et aucune balance ne répond ici : saisissez son poids en grammes`;
    case "scale":
      return `${r.sku} : ${scaleFr(r.fault)}`;
    case "put_on_scale":
      return `${r.sku} se vend au poids : posez-le sur la balance`;
    case "scale_total_mismatch":
      return `${r.sku} : la balance affiche ${eur(r.shown)} pour ${kilograms(r.grams, "fr")} alors que la caisse compte ${eur(r.total)} ; rien n'a été ajouté : vérifiez le prix réglé sur la balance, ou saisissez le poids`;
    case "line":
      return lineFr(r);
    case "line_unknown_sku":
      return `Ligne ${r.line} : aucun article ${r.sku} au catalogue`;
    case "gift_card_number":
      return "Scannez ou saisissez le numéro de la carte cadeau (40 caractères au plus)";
    case "gift_card_load_not_positive":
      return "Une carte cadeau se charge d'un montant supérieur à zéro";
    case "credit_note_not_gift_card":
      return `${r.card} est un avoir, pas une carte cadeau : prenez une autre carte`;
    case "no_gift_card_product":
      return "Le catalogue n'a pas d'article carte cadeau";
    case "basket_full":
      return "Le panier est plein : encaissez-le ou mettez-le en attente";
    case "quantity_fixed":
      return `La ligne ${r.line} est pesée, étiquetée, une carte cadeau ou a un numéro de série : retirez-la et scannez à nouveau`;
    case "no_line":
      return `Il n'y a pas de ligne ${r.line} dans le panier`;
    case "bad_percent":
      return `« ${r.typed} » n'est pas un pourcentage entre 0 et 100`;
    case "discount_not_positive":
      return "Une remise est un montant supérieur à zéro";
    case "discount_either":
      return "Donnez un pourcentage ou un montant";
    case "discount_too_large":
      return `Une remise de ${eur(r.discount)} sur ${eur(r.base)} d'articles : une remise ne dépasse pas ce sur quoi elle porte`;
    case "impossible_price":
      return "Ce prix est impossible";
    case "override_raises":
      return "Un changement de prix baisse le prix (à zéro ou plus) ; pour vendre plus cher, changez le catalogue";
    case "unknown_customer":
      return `Aucun client ${r.customer} : vérifiez la carte ou cherchez par nom`;
    case "customer_edit_empty":
      return "Rien à modifier : renseignez au moins un champ";
    case "customer_needs_name":
      return "Un nouveau client a besoin d'un nom";
    case "customer_edit_refused":
      return `Coordonnées du client refusées : ${r.message}`;
    case "park_in_training":
      return "Quittez le mode formation pour mettre un panier en attente";
    case "park_empty":
      return "Le panier est vide : rien à mettre en attente";
    case "park_card_held":
      return "Un paiement carte est déjà fait ou en suspens sur ce panier : terminez la vente";
    case "no_parked":
      return `Aucun panier en attente n° ${r.slot}`;
    case "finish_basket_first":
      return "Terminez, mettez en attente ou abandonnez le panier en cours";
    case "finish_or_park_first":
      return "Terminez ou mettez en attente le panier en cours";
    case "finish_before_training":
      return "Terminez ou abandonnez le panier avant de changer de mode formation";
    case "card_in_doubt_on_basket":
      return "Un paiement carte de ce panier est en suspens : un responsable doit le régler d'abord";
    case "basket_empty":
      return "Le panier est vide : scannez un article";
    case "too_many_tenders":
      return `Au plus ${r.max} paiements sur un ticket`;
    case "card_unresolved":
      return "Un paiement carte d'avant un arrêt brutal est en suspens : un responsable doit le régler d'abord";
    case "still_to_pay":
      return `Il reste ${eur(r.missing)} à payer`;
    case "non_cash_overpaid":
      return `${eur(r.over)} de trop sur les paiements hors espèces : seule la monnaie se rend en espèces`;
    case "bad_tender":
      return `Un paiement de ${eur(r.cents)} n'est pas valable ici : au centime, positif sur une vente et négatif sur un remboursement`;
    case "points_value":
      return `${r.points} points valent ${eur(r.worth)}, pas ${eur(r.cents)}`;
    case "voucher_for_voucher":
      return `Les cartes cadeaux vendues (${eur(r.gift_cards)}) se paient en espèces ou par carte ; seulement ${eur(r.money)} le sont`;
    case "refund_mismatch":
      return `Le remboursement est de ${eur(r.total)} mais ${eur(r.tendered)} sont rendus : rendez exactement le remboursement`;
    case "voucher_wrong_kind":
      return `${r.number} est ${r.gift_card ? "une carte cadeau" : "un avoir"} : prenez-le comme tel`;
    case "unknown_voucher":
      return `Aucune carte cadeau ni avoir ${r.number} : vérifiez le numéro`;
    case "voucher_short":
      return `${r.number} n'a plus que ${eur(r.left)}, pas ${eur(r.wanted)} : prenez le reste autrement`;
    case "rights_short":
      return `Cette caisse peut dépenser ${eur(r.held)} de ${r.number} maintenant, pas ${eur(r.wanted)} : le siège n'en détient pas plus (d'autres caisses détiennent le reste jusqu'à leur synchronisation) ; prenez le reste autrement`;
    case "rights_offline":
      return `Le siège est injoignable et cette caisse ne peut dépenser que ${eur(r.held)} de ${r.number}, pas ${eur(r.wanted)} : prenez le reste autrement, ou réessayez en ligne`;
    case "points_rights_short":
      return `Cette caisse peut utiliser ${r.held} points du client ${r.customer} maintenant, pas ${r.wanted} : d'autres caisses détiennent le reste jusqu'à leur synchronisation ; prenez le reste autrement`;
    case "points_offline":
      return `Le siège est injoignable et cette caisse ne peut utiliser que ${r.held} points du client ${r.customer} (ceux donnés ici depuis la dernière synchronisation), pas ${r.wanted} : prenez le reste autrement, ou réessayez en ligne`;
    case "unknown_web_order":
      return `Le siège ne connaît pas la commande web ${r.order} : vérifiez le numéro sur l'e-mail du client`;
    case "web_order_not_delivered":
      return `La commande web ${r.order} n'a pas encore été remise au client : rien ne peut en être repris`;
    case "ticket_offline":
      return `Le ticket ${r.ticket} est celui d'une autre caisse et le siège ne répond pas : reprenez-le une fois la caisse en ligne, ou en retour sans ticket avec un responsable`;
    case "web_order_offline":
      return `Une commande web se reprend avec le siège, injoignable maintenant : reprenez la commande ${r.order} une fois la caisse en ligne, ou en retour sans ticket avec un responsable`;
    case "web_order_item_unknown":
      return `L'article ${r.sku} de la commande web ${r.order} n'est pas au catalogue de cette caisse : il ne peut pas être repris ici`;
    case "points_need_customer":
      return "Associez le client pour utiliser ses points";
    case "points_on_refund":
      return "Les points ne se remboursent pas";
    case "points_short":
      return `Le client a ${r.have} points, pas ${r.wanted}`;
    case "card_already_approved":
      return `Un paiement carte de ${eur(r.cents)} est déjà accepté sur ce panier : gardez-le dans les paiements, ou abandonnez le panier pour le rembourser`;
    case "breach":
      return `Le journal refuse cette opération (${r.message}) : rien n'a été enregistré`;
    case "card_outcome_unknown":
      return "Le terminal n'a pas donné le résultat du paiement : un responsable vérifie le terminal avant tout autre paiement";
    case "card_declined":
      return `Carte refusée : ${declineFr(r.kind, r.reason)}. Demandez une autre carte ou un autre moyen de paiement`;
    case "card_not_charged":
      return "Le terminal n'a pas pu faire le paiement : la carte n'a pas été débitée ; recommencez ou prenez un autre moyen de paiement";
    case "card_cancelled":
      return "Paiement carte annulé à la caisse avant que le terminal le prenne : la carte n'a pas été débitée";
    case "no_unresolved_card":
      return `Aucun paiement carte en suspens ${r.reference}`;
    case "unknown_pickup":
      return `Aucune commande retrait ${r.order} en attente dans ce magasin : synchronisez avec le siège, ou vérifiez le numéro de commande`;
    case "pickup_already_handed_over":
      return `La commande ${r.order} a déjà été remise à cette caisse`;
    case "pickup_not_paid":
      return `La commande ${r.order} se paie en magasin : encaissez-la sur un ticket, puis remettez-la avec ce ticket`;
    case "pickup_ticket_short":
      return `Le ticket ${r.ticket} ne contient pas tout ce que la commande ${r.order} comporte : vendez ses lignes sur un même ticket`;
    case "pickup_ticket_used":
      return `Le ticket ${r.ticket} a déjà payé la commande retrait ${r.order}`;
    case "unknown_ticket":
      return `Aucun ticket ${r.ticket} sur cette caisse : vérifiez le numéro sur le ticket`;
    case "foreign_receipt":
      return `Le code de ce ticket ne correspond pas à la signature du ticket ${r.ticket} : il n'a pas été imprimé par cette caisse`;
    case "no_such_ticket_line":
      return `Le ticket ${r.ticket} n'a pas de ligne ${r.line}`;
    case "not_returnable":
      return `La ligne ${r.line} du ticket ${r.ticket} ne se reprend pas (un retour ou une carte cadeau)`;
    case "return_too_many":
      return `Ligne ${r.line} du ticket ${r.ticket} : ${r.left} unité(s) peuvent encore être reprises`;
    case "all_returned":
      return `Tout le ticket ${r.ticket} a déjà été repris`;
    case "serial_sold":
      return `${r.sku} n° de série ${r.serial} a été vendu (ticket ${r.ticket}) et n'est pas revenu : scannez le numéro de cette unité`;
    case "line_already_returned":
      return `La ligne ${r.line} du ticket ${r.ticket} a déjà été reprise : retirez-la du panier`;
    case "no_receipt_weighed":
      return "Les articles pesés ou étiquetés ne se reprennent pas sans ticket";
    case "return_nothing":
      return "Reprenez au moins une unité";
    case "return_units":
      return `${r.units} unités : vérifiez la saisie`;
    case "no_receipt_not_sold":
      return `${r.message} (les articles à numéro de série se reprennent avec leur ticket)`;
    case "void_holds_returns":
      return "Ce ticket contient des retours ou des points : reprenez ses lignes";
    case "void_gift_card":
      return "Un ticket qui a vendu une carte cadeau ne s'annule pas : la carte a pu servir";
    case "void_partly_returned":
      return "Une partie de ce ticket a déjà été reprise : reprenez le reste";
    case "void_tenders_mismatch":
      return "Les paiements de ce ticket ne font pas son total : reprenez ses lignes";
    case "no_device":
      return `Aucun périphérique « ${r.name} »`;
    case "terminal_not_stoppable":
      return "Ce terminal ne s'arrête pas depuis la caisse : appuyez sur sa touche rouge";
    case "printer":
      return printerFr(r.fault);
    case "receipt_held":
      return `${reasonFr(r.printer)} ; le ticket est enregistré ${r.queued ? "et s'imprimera dès que l'imprimante sera prête" : ": réimprimez-le quand l'imprimante sera prête"}`;
    case "device_failed":
      return r.message;
    case "tables_not_from_journal":
      return `Les tables de la caisse ne proviennent pas de son journal (${r.why}) : un responsable les reconstruit depuis le journal (Gestion)`;
    case "tables_predate":
      return "Les tables de la caisse datent d'une version précédente : elles sont refaites depuis le journal";
    case "head_not_reached":
      return headFr(r.problem);
    case "table_disagrees":
      return `Une table de la caisse ne dit pas ce que dit son journal : un responsable la reconstruit (Gestion). ${r.message}`;
    case "pricing":
    case "storage":
    case "other":
      return r.message;
    default:
      return never(r);
  }
}

/** A reason in the window's language: French worded by code, English the engine's sentence. */
export function reasonText(r: Reason, message: string): string {
  return lang() === "fr" ? reasonFr(r) : message;
}

/** What an error or a warning from the engine says, in the window's language. */
export function said(e: ErrorView): string {
  return reasonText(e.reason, e.message);
}

/** Why a terminal declined a card, in French; a terminal's own words (no code) as it said them. */
function declineFr(kind: DeclineKind, reason: string): string {
  switch (kind) {
    case "bank":
      return "la banque de la carte a refusé le paiement";
    case "not_accepted":
      return "cette carte n'est pas acceptée ici";
    case "card_timeout":
      return "le terminal a attendu la carte trop longtemps";
    case "abandoned":
      return "paiement abandonné sur le terminal";
    case "incomplete":
      return "le terminal a trouvé la demande incomplète";
    case "not_made":
      return "paiement non fait (annulé sur le terminal ou carte retirée)";
    case "other":
      return `le terminal dit « ${reason} »`;
    default:
      return never(kind);
  }
}

/** The terminal's outcomes of a card payment that made no payment (said as such, the amount due
 * again); the other `card_` codes are refusals before any card ran. */
const CARD_OUTCOMES: ReadonlySet<string> = new Set(["card_declined", "card_cancelled", "card_not_charged", "card_outcome_unknown"]);

export function isCardOutcome(r: Reason): boolean {
  return CARD_OUTCOMES.has(r.code);
}
