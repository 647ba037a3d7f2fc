"""The hash chain: the canonical serialisation of an entry and its SHA-256, and the check of a whole chain."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from .models import GENESIS_HASH

# The fields a hash covers, in this order (with `prev_hash` last). Changing this list breaks every stored chain.
HASHED_FIELDS = (
    "created_at",
    "action",
    "user_id",
    "username",
    "ip",
    "user_agent",
    "method",
    "path",
    "target_type_id",
    "target_id",
    "target_repr",
    "details",
)


def _timestamp(value) -> str:
    # PostgreSQL keeps microseconds: the same text before the INSERT and after reading the row back.
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(values: dict, prev_hash: str) -> bytes:
    """One byte string per entry: its hashed fields as a JSON array (keys of `details` sorted), then prev_hash."""
    row = [_timestamp(values["created_at"]) if name == "created_at" else values[name] for name in HASHED_FIELDS]
    row.append(prev_hash)
    return json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def entry_hash(values: dict, prev_hash: str) -> str:
    return hashlib.sha256(canonical(values, prev_hash)).hexdigest()


@dataclass(frozen=True)
class Broken:
    """The first entry at which the chain does not hold, and why."""

    entry_id: int
    reason: str


def check(entries, *, anchor: str | None) -> tuple[int, Broken | None]:
    """Walk `entries` (dicts of HASHED_FIELDS, id, prev_hash and hash, in id order). The first entry's prev_hash must
    be `anchor` (GENESIS_HASH when nothing was ever purged, the last purged entry's hash otherwise; None accepts
    any). Returns the number of entries checked and the first broken one (None if the chain holds)."""
    expected_prev = anchor
    count = 0
    for entry in entries:
        count += 1
        if expected_prev is not None and entry["prev_hash"] != expected_prev:
            return count, Broken(entry["id"], "prev_hash")
        if entry_hash(entry, entry["prev_hash"]) != entry["hash"]:
            return count, Broken(entry["id"], "hash")
        expected_prev = entry["hash"]
    return count, None


__all__ = ["GENESIS_HASH", "HASHED_FIELDS", "Broken", "canonical", "check", "entry_hash"]
