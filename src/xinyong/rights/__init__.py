"""Subjects' rights: seeing their own file and who read it, objections, appeals and
credit repair, on the legal clocks their rules set (``data/cases.yaml``)."""
