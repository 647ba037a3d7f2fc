"""Background jobs: imports and large exports run by a worker on the `jobs` queue (docs/security/jobs.md)."""
