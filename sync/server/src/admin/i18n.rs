//! The admin page in French and English: every text shown is a [`Msg`], each with its two
//! wordings side by side (a missing one does not compile); amounts and dates in each language's way.

use chrono::NaiveDate;

/// A language of the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    /// Français (the default: the chain is French).
    #[default]
    Fr,
    /// English.
    En,
}

impl Lang {
    /// Its code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The language a code names (anything else: French).
    pub fn parse(s: &str) -> Lang {
        if s.trim().to_ascii_lowercase().starts_with("en") { Lang::En } else { Lang::Fr }
    }

    /// The first of French or English an `Accept-Language` header asks for.
    pub fn from_accept(header: &str) -> Lang {
        header
            .split(',')
            .map(|p| p.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
            .find_map(|p| {
                if p.starts_with("fr") {
                    Some(Lang::Fr)
                } else if p.starts_with("en") {
                    Some(Lang::En)
                } else {
                    None
                }
            })
            .unwrap_or_default()
    }

    /// `cents` as an amount in euros: `1 234,56 €` or `€1,234.56`.
    pub fn euros(self, cents: i64) -> String {
        let sign = if cents < 0 { "-" } else { "" };
        let c = cents.unsigned_abs();
        let (units, rest) = (c / 100, c % 100);
        let digits = units.to_string();
        let sep = match self {
            Lang::Fr => '\u{202f}',
            Lang::En => ',',
        };
        let mut grouped = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(sep);
            }
            grouped.push(ch);
        }
        match self {
            Lang::Fr => format!("{sign}{grouped},{rest:02}\u{a0}€"),
            Lang::En => format!("{sign}€{grouped}.{rest:02}"),
        }
    }

    /// A day: `03/12/2026` or `2026-12-03`.
    pub fn day(self, d: NaiveDate) -> String {
        match self {
            Lang::Fr => d.format("%d/%m/%Y").to_string(),
            Lang::En => d.format("%Y-%m-%d").to_string(),
        }
    }

    /// A moment (milliseconds since the epoch, shown in UTC).
    pub fn moment(self, ms: i64) -> String {
        let Some(t) = chrono::DateTime::from_timestamp_millis(ms) else { return "-".into() };
        match self {
            Lang::Fr => t.format("%d/%m/%Y %H:%M UTC").to_string(),
            Lang::En => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }
}

macro_rules! texts {
    ($($name:ident => $fr:literal, $en:literal;)*) => {
        /// A text of the page.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum Msg { $($name),* }

        impl Msg {
            /// Its wording in `lang`.
            pub fn in_(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$name, Lang::Fr) => $fr, (Msg::$name, Lang::En) => $en,)*
                }
            }
        }
    };
}

texts! {
    Title => "Siège", "Head office";
    SignIn => "Connexion", "Sign in";
    Email => "Adresse e-mail", "E-mail address";
    Password => "Mot de passe", "Password";
    NewPassword => "Nouveau mot de passe (12 caractères au moins)", "New password (12 characters or more)";
    PasswordAgain => "Le même, encore", "The same again";
    ChangePassword => "Changer le mot de passe", "Change the password";
    ChangePasswordWhy => "Ce mot de passe a été donné par quelqu'un d'autre : choisissez le vôtre.", "This password was given by someone else: choose your own.";
    Continue => "Continuer", "Continue";
    SignOut => "Se déconnecter", "Sign out";
    BadLogin => "Adresse ou mot de passe incorrect.", "Wrong e-mail address or password.";
    Locked => "Trop d'essais : ce compte est bloqué jusqu'à", "Too many tries: this account is locked until";
    Throttled => "Trop d'essais depuis cette adresse : réessayez après", "Too many tries from this address: try again after";
    TotpCode => "Code de l'application d'authentification (6 chiffres) ou code de secours", "Authenticator app code (6 digits) or recovery code";
    BadTotp => "Ce code n'est pas bon (ou a déjà servi).", "This code is wrong (or was used already).";
    EnrolTotp => "Deuxième facteur", "Second factor";
    EnrolTotpWhy => "Scannez ce code avec votre application d'authentification (ou tapez la clé), puis donnez le code à 6 chiffres qu'elle affiche.", "Scan this code with your authenticator app (or type the key), then give the 6-digit code it shows.";
    Key => "Clé", "Key";
    RecoveryCodes => "Codes de secours", "Recovery codes";
    RecoveryWhy => "Chacun sert une fois si vous perdez votre téléphone. Gardez-les en lieu sûr : ils ne seront plus affichés.", "Each works once if you lose your phone. Keep them somewhere safe: they will not be shown again.";
    PasswordTooShort => "Trop court : 12 caractères au moins.", "Too short: 12 characters or more.";
    PasswordTooLong => "Trop long : 256 caractères au plus.", "Too long: 256 characters at most.";
    PasswordDifferent => "Les deux saisies diffèrent.", "The two typings differ.";
    PasswordSame => "C'est le mot de passe actuel : choisissez-en un autre.", "That is the current password: choose another.";
    Forbidden => "Cette page n'est pas dans votre périmètre.", "This page is outside what you may see.";
    NotFound => "Cette page n'existe pas.", "No such page.";
    FormExpired => "Ce formulaire a expiré ou ne vient pas de cette page : rechargez la page et recommencez.", "This form has expired or did not come from this page: reload the page and try again.";
    Unavailable => "La base de données ne répond pas : rien n'a été enregistré, réessayez.", "The database does not answer: nothing was kept, try again.";
    Dashboard => "Tableau de bord", "Dashboard";
    Tills => "Caisses", "Tills";
    Catalogue => "Catalogue", "Catalogue";
    Stock => "Stock", "Stock";
    WebOrders => "Commandes web", "Web orders";
    Balances => "Cartes cadeaux et fidélité", "Gift cards and loyalty";
    Books => "Comptabilité", "Accounting";
    Users => "Utilisateurs", "Users";
    Audit => "Journal d'audit", "Audit log";
    Today => "Aujourd'hui", "Today";
    Yesterday => "Hier", "Yesterday";
    Store => "Magasin", "Store";
    Channel => "Canal", "Channel";
    Revenue => "CA HT", "Revenue excl. tax";
    Tickets => "Tickets", "Tickets";
    Basket => "Panier moyen", "Average basket";
    Margin => "Marge", "Margin";
    Cost => "Coût des ventes", "Cost of goods";
    Last30 => "CA HT des 30 derniers jours", "Revenue excl. tax, last 30 days";
    Alerts => "Alertes", "Alerts";
    NoAlert => "Aucune alerte.", "No alert.";
    AlertStockOut => "articles en rupture", "items out of stock";
    AlertNotSynced => "ne s'est pas synchronisée depuis plus d'une heure", "has not synced for more than an hour";
    AlertQuarantine => "en quarantaine", "in quarantine";
    AlertBank => "lignes bancaires non rapprochées", "bank lines not matched";
    AlertCard => "paiements carte non résolus en caisse", "card payments left unresolved at a till";
    AlertBooks => "écarts dans les écritures", "differences in the books";
    Till => "Caisse", "Till";
    LastSync => "Dernière synchro", "Last sync";
    Records => "Enregistrements reçus", "Records received";
    Unposted => "En attente de comptabilisation", "Waiting for the books";
    Chain => "Chaîne", "Chain";
    ChainOk => "vérifiée", "verified";
    Quarantined => "en quarantaine", "in quarantine";
    FirstBad => "Premier enregistrement refusé", "First record refused";
    WhatToDo => "Que faire", "What to do";
    QuarantineHelp => "Rien n'est perdu : les enregistrements restent dans la caisse. Vérifiez la caisse (sauvegarde restaurée ? base modifiée ?), puis ré-enrôlez-la sous un nouveau code : son nouveau journal reprendra.", "Nothing is lost: the records stay in the till. Check the till (a backup restored? its database edited?), then enrol it again with a new code: its new journal takes over.";
    Fingerprint => "Empreinte de la clé", "Key fingerprint";
    Enrol => "Enrôler une caisse", "Enrol a till";
    Number => "Numéro", "Number";
    EnrolCode => "Code à usage unique (valable 24 h), à saisir sur la caisse :", "One-time code (24 h), to type at the till:";
    Never => "jamais", "never";
    Vat => "TVA par taux", "VAT by rate";
    Rate => "Taux", "Rate";
    Base => "Base HT", "Base excl. tax";
    Collected => "Collectée", "Collected";
    Deductible => "Déductible", "Deductible";
    Pnl => "Compte de résultat par jour", "Daily P&L";
    Day => "Jour", "Day";
    Family => "Famille", "Family";
    From => "Du", "From";
    To => "Au", "To";
    Show => "Afficher", "Show";
    Bank => "Rapprochement bancaire", "Bank reconciliation";
    Matched => "Rapprochées", "Matched";
    ToReview => "À examiner", "To review";
    Reason => "Raison", "Reason";
    Candidates => "Propositions", "Candidates";
    Accept => "Accepter", "Accept";
    MatchByHand => "Rapprocher à la main", "Match by hand";
    Unmatch => "Défaire", "Unmatch";
    Amount => "Montant", "Amount";
    Label => "Libellé", "Label";
    Rule => "Règle", "Rule";
    Letter => "Lettre", "Letter";
    RunMatching => "Lancer le rapprochement automatique", "Run the automatic matching";
    Fec => "Fichier des écritures comptables (FEC)", "FEC (accounting entries file)";
    Siren => "SIREN", "SIREN";
    Year => "Exercice", "Year";
    Download => "Télécharger", "Download";
    Entries => "Écritures", "Entries";
    Journal => "Journal", "Journal";
    Account => "Compte", "Account";
    Debit => "Débit", "Debit";
    Credit => "Crédit", "Credit";
    Piece => "Pièce", "Piece";
    Role => "Rôle", "Role";
    AddUser => "Ajouter un utilisateur", "Add a user";
    OneTimePassword => "Mot de passe à usage unique, à changer à la première connexion :", "One-time password, to change at first login:";
    EmailTaken => "Cette adresse a déjà un compte.", "This address has an account already.";
    StoreNeeded => "Un responsable de magasin a un magasin.", "A store manager has a store.";
    SecondFactor => "2e facteur", "2nd factor";
    Yes => "oui", "yes";
    No => "non", "no";
    When => "Quand", "When";
    Who => "Qui", "Who";
    FromWhere => "D'où", "From where";
    Action => "Action", "Action";
    Target => "Sur", "On";
    Detail => "Détail", "Detail";
    Older => "Plus anciens", "Older";
    Language => "English", "Français";
    Nothing => "Rien à afficher.", "Nothing to show.";
    Total => "Total", "Total";
    ApplyFrom => "À partir du (vide : tout de suite)", "From (empty: now)";
    Save => "Enregistrer", "Save";
    Scheduled => "Changements programmés", "Scheduled changes";
    Search => "Chercher", "Search";
    Reorder => "À commander", "To reorder";
    Sold28 => "Vendu (28 j)", "Sold (28 d)";
    Cover => "Couverture (j)", "Cover (days)";
    ToOrder => "Quantité à commander", "Quantity to order";
    Transfer => "Transfert", "Transfer";
    Quantity => "Quantité", "Quantity";
    Movements => "Mouvements", "Movements";
    Customer => "Client", "Customer";
    Kind => "Type", "Kind";
    Disable => "Retirer l'accès", "Disable";
    Enable => "Rendre l'accès", "Enable";
    Customers => "Clients (RGPD)", "Customers (GDPR)";
    Export => "Exporter ses données", "Export their data";
    Erase => "Effacer", "Erase";
    EraseConfirm => "Retapez l'identifiant pour confirmer", "Type the id again to confirm";
    Rights => "Droits de dépense", "Spending rights";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_languages() {
        assert_eq!(Lang::Fr.euros(123_456), "1\u{202f}234,56\u{a0}€");
        assert_eq!(Lang::En.euros(-123_456_789), "-€1,234,567.89");
        assert_eq!(Lang::En.euros(5), "€0.05");
        assert_eq!(
            Lang::Fr.euros(i64::MIN),
            "-92\u{202f}233\u{202f}720\u{202f}368\u{202f}547\u{202f}758,08\u{a0}€"
        );
        assert_eq!(Lang::from_accept("de-DE,en-GB;q=0.8,fr;q=0.5"), Lang::En);
        assert_eq!(Lang::from_accept("es"), Lang::Fr);
    }
}
