"""Joint measures in practice: notices to implementing agencies, their acknowledgement
and feedback (抄告/反馈), and the check service implementing agencies ask.

The catalogue (``measures.yaml``) says which measures exist, on what basis, for which
lists and who implements them. A measure is in force for a subject only when its list
entry is published and a named officer of the implementing agency has acknowledged the
notice (CONTRACTS.md "in force"): :mod:`.notices` runs that loop, :mod:`.check` answers.
"""
