"""Accounts: login protection, the second factor, the password policy, session limits and expiring API tokens
(docs/security/auth.md)."""
