//! Starting the till and what stands guard over its journal: the checks at start and what a manager
//! does about them (rebuild the tables from the journal, accept a journal that does not reach its
//! head), and the only way to replace the signing key (a key change signed by the old key).

use super::*;
use crate::projection::CardState;
use pos_journal::body::CardOutcome;

/// The new key waiting to replace `till.key`, written before the key change is journaled.
const NEXT_KEY_FILE: &str = "till.key.next";

/// Finishes a key change a crash interrupted: the journal hands the key over to the one waiting in
/// `till.key.next`, which then replaces `till.key`; a waiting key the journal never took is dropped.
pub(super) fn finish_key_change(dir: &Path, ring: &KeyRing) -> Result<(), TillError> {
    let next = dir.join(NEXT_KEY_FILE);
    if !next.exists() {
        return Ok(());
    }
    let waiting = store::read_key_file(&next)?;
    if waiting.verifying_key().to_bytes() == ring.current().key {
        std::fs::rename(&next, dir.join(store::KEY_FILE))
            .map_err(|e| TillError::storage(format!("cannot put the new key in place: {e}")))?;
        store::sync_folder(dir)?;
    } else {
        std::fs::remove_file(&next)
            .map_err(|e| TillError::storage(format!("cannot remove {}: {e}", next.display())))?;
    }
    Ok(())
}

impl Till {
    /// Journals the start (tables written before they were stamped are made again first, see
    /// [`Till::commit`]); starts the head of a till that had none; and, after a crash, asks the
    /// terminal about card payments in flight.
    pub(super) fn start(&mut self) -> Result<(), TillError> {
        let crashed = self.state.running;
        let mut entries = vec![Entry::Started { software: SOFTWARE.into() }];
        let head_kept = anchor::expected(&self.conn)?;
        if !head_kept && !self.blocks.iter().any(|b| matches!(b, Block::Head { .. })) {
            entries
                .push(Entry::HeadStarted { reason: "the first run of a version that keeps a head".into() });
        }
        if self.blocks.is_empty() {
            self.commit(entries)?;
        } else {
            // Only the start is journaled while the till refuses to sell.
            entries.truncate(1);
            self.commit(entries)?;
        }
        if crashed && self.blocks.is_empty() {
            self.recover_cards()?;
        }
        if let Some(copy) = self.state.config.get("head_copy").filter(|c| !c.is_empty())
            && !anchor::copy_path(Path::new(copy), &self.identity.till).exists()
        {
            // The copy (a USB key not plugged in) is shown, not waited for: it is written again at
            // the next commit.
            self.note(
                "head",
                Err(format!("the head's copy is not in {copy}: plug the key in or check the folder")),
            );
        }
        Ok(())
    }

    /// Card payments asked of the terminal by a run that did not finish: each is asked of the
    /// terminal again, and journaled as approved, declined, never made, or unresolved (a manager
    /// checks the terminal's own report).
    pub(super) fn recover_cards(&mut self) -> Result<(), TillError> {
        let in_flight: Vec<CardPayment> =
            self.state.basket.cards.iter().filter(|c| c.state == CardState::Pending).cloned().collect();
        self.commit(vec![Entry::Recovered {
            basket_lines: self.state.basket.lines.len(),
            cards_in_flight: in_flight.iter().map(|c| c.reference.clone()).collect(),
        }])?;
        for card in in_flight {
            let entry = match self.terminal.status(&card.reference) {
                Ok(Some(PaymentOutcome::Approved { authorisation, card: number })) => Entry::CardResult {
                    reference: card.reference,
                    outcome: CardOutcome::Approved,
                    detail: format!("{authorisation} {number}"),
                },
                Ok(Some(PaymentOutcome::Declined { reason, .. })) => Entry::CardResult {
                    reference: card.reference,
                    outcome: CardOutcome::Declined,
                    detail: reason,
                },
                Ok(None) => Entry::CardResult {
                    reference: card.reference,
                    outcome: CardOutcome::NotMade,
                    detail: "the terminal never ran it".into(),
                },
                Err(e) => Entry::CardUnresolved {
                    reference: card.reference,
                    cents: card.cents,
                    detail: e.to_string(),
                },
            };
            self.commit(vec![entry])?;
        }
        Ok(())
    }

    /// A manager makes the till's tables again from its journal (balances, loyalty, stock, returned
    /// units, the state), journaled. The journal must verify: no table is made from a broken one.
    pub fn rebuild(&mut self, approval: Option<&Approval>) -> Result<Value, TillError> {
        let by = self.approve(approval, Task::Rebuilding)?;
        let reason = match self.blocks.iter().find(|b| matches!(b, Block::Projections(_))) {
            Some(Block::Projections(why)) => why.clone(),
            _ => "asked by a manager".into(),
        };
        let out = self.rebuild_as(&by, &reason)?;
        if self.state.basket.cards.iter().any(|c| c.state == CardState::Pending) && self.blocks.is_empty() {
            self.recover_cards()?;
        }
        Ok(out)
    }

    pub(super) fn rebuild_as(&mut self, by: &str, reason: &str) -> Result<Value, TillError> {
        if !self.sync_full {
            self.conn.pragma_update(None, "synchronous", "FULL")?;
            self.sync_full = true;
        }
        let now = self.now();
        let at = now.with_timezone(&self.tz).to_rfc3339();
        let mut heads = self.heads.clone();
        let tx = self.conn.transaction()?;
        let (replay, walked) =
            crate::replay::rebuild_into(&tx, &self.identity.till, &self.ring, &self.settings)?;
        let mut state = replay.state;
        let entry =
            Entry::ProjectionsRebuilt { records: walked.records(), reason: reason.into(), by: by.into() };
        let (header, hash) =
            store::append(&tx, &mut heads, &self.signer, &self.identity.till, ChainName::Live, &at, &entry)?;
        projection::apply(&tx, &mut state, &header, &entry)?;
        projection::stamp(&mut state, ChainName::Live, header.seq, &hash);
        projection::save_state(&tx, &state, &self.seal)?;
        tx.commit()?;
        self.heads = heads;
        self.state = state;
        self.blocks.retain(|b| !matches!(b, Block::Projections(_) | Block::Unstamped));
        if !self.blocks.iter().any(|b| matches!(b, Block::Head { .. })) {
            self.write_head();
        }
        Ok(json!({
            "records": walked.records(),
            "findings": walked.findings.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }))
    }

    /// A manager accepts the journal as the database holds it although it does not reach the head
    /// kept outside it (an older copy put back because the newer one is lost, a head file lost):
    /// what the head said and what was found are journaled, and the head starts again from here.
    pub fn accept_head(&mut self, approval: Option<&Approval>) -> Result<Value, TillError> {
        let Some(Block::Head { expected, found, .. }) =
            self.blocks.iter().find(|b| matches!(b, Block::Head { .. })).cloned()
        else {
            return Err(TillError::refused("the journal reaches its head: there is nothing to accept"));
        };
        let by = self.approve(approval, Task::AcceptingHead)?;
        self.commit(vec![Entry::HeadAccepted { expected: expected.clone(), found: found.clone(), by }])?;
        self.blocks.retain(|b| !matches!(b, Block::Head { .. }));
        self.write_head();
        Ok(json!({"expected": expected, "found": found}))
    }

    /// Replaces the till's signing key (a manager; a key thought to have leaked): the change is
    /// journaled and signed with the old key, every later record with the new one. The new key is
    /// written beside the old one first, so a crash at any point leaves one key that the journal
    /// accounts for.
    pub fn change_key(&mut self, approval: Option<&Approval>) -> Result<Value, TillError> {
        let by = self.approve(approval, Task::ReplacingKey)?;
        if self.state.training || !self.state.training_basket.lines.is_empty() {
            return Err(refused(Reason::TrainingMode { task: Task::ReplacingKey }));
        }
        let next = self.dir.join(NEXT_KEY_FILE);
        remove_left_over(&next);
        let key = store::create_key_file(&next)?;
        store::sync_folder(&self.dir)?;
        let new_key = key.verifying_key().to_bytes();
        let old_key = self.ring.current().key;
        let committed =
            self.commit(vec![Entry::KeyChanged { old_key: hex(&old_key), new_key: hex(&new_key), by }]);
        if let Err(e) = committed {
            remove_left_over(&next);
            return Err(e);
        }
        // The journal has handed the key over: from now on only the new one signs, whatever becomes
        // of the file (a rename that fails is finished at the next start).
        self.seal = Seal::of(&key);
        self.signer = RecordSigner::new(key);
        self.ring = crate::keys::load(&self.conn)?;
        projection::save_state(&self.conn, &self.state, &self.seal)?;
        std::fs::rename(&next, self.dir.join(store::KEY_FILE)).map_err(|e| {
            TillError::storage(format!("cannot put the new key in place: {e}; restart the till"))
        })?;
        store::sync_folder(&self.dir)?;
        Ok(json!({
            "old": pos_journal::fingerprint(&old_key),
            "new": self.ring.current().fingerprint(),
            "from_record": self.ring.current().from_seq,
        }))
    }
}

/// Removes a file left from an earlier try; one that will not go is written in the log.
fn remove_left_over(path: &Path) {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!("{} cannot be removed: {e}", path.display()),
    }
}
