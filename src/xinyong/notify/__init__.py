"""Notifications: events written to an outbox in the transaction that caused them, and
delivered later by pluggable adapters (a log adapter by default; signed webhooks)."""
