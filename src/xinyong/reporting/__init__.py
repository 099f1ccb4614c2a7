"""Financial credit reporting (征信): lenders' feeds, credit reports, consent and purpose,
query records, personal statements, disputes and the platform's own person score.

Kept apart from public credit information (CONTRACTS.md, "One source of truth"): its own
tables, and nothing here feeds public credit scoring. See docs/reporting.md.
"""
