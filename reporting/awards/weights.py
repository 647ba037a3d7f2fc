"""The points per fact of an award round, as officers see them: data/weights.json (copied into each round)."""

import json
from decimal import Decimal
from pathlib import Path

WEIGHTS_FILE = Path(__file__).resolve().parent / "data" / "weights.json"
FACTS = ("completion", "indicators_met", "assessment_on_time")


def current_weights() -> dict:
    """The file's weights, checked: each fact with its label and points (a number ≥ 0)."""
    weights = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    for fact in FACTS:
        Decimal(str(weights[fact]["points"]))
        if Decimal(str(weights[fact]["points"])) < 0:
            raise ValueError(f"{fact}: points below 0")
    return weights
