"""Self-assessment models (issue 4)."""
