"""Tiered supervision: tax credit grades, market-regulator risk classes, spot-check plans.

Grades and classes are records issued by their authority (CONTRACTS.md, "One source of
truth"): the jobs here compute them the way the authority would, from indicator
records in the store, as engine-neutral batch jobs (``xinyong.batch``), and publish them
through the ingest pipeline as that authority's records. Nothing else stores a grade.
"""
