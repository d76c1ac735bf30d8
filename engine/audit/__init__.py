"""The audit trail: the only writer of audit events (chain), signed checkpoints over every chain's head with a
witness file outside the database (checkpoints), and verification of both (verification)."""
from engine.audit.chain import GENESIS, SYSTEM_CHAIN, canonical_json, event_hash, event_tag, record
from engine.audit.checkpoints import (FoldedHeads, append_witness, checkpoint, checkpoint_due, entry, fold, signer,
                                      trusted_keys)
from engine.audit.merkle import inclusion_proof, merkle_root, root_from_proof
from engine.audit.verification import AuditReport, Keys, verify
from engine.audit.incremental import verify_new

__all__ = ["GENESIS", "SYSTEM_CHAIN", "AuditReport", "FoldedHeads", "Keys", "append_witness", "canonical_json",
           "checkpoint", "checkpoint_due", "entry", "event_hash", "event_tag", "fold", "inclusion_proof",
           "merkle_root", "record", "root_from_proof", "signer", "trusted_keys", "verify", "verify_new"]
