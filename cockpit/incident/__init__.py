"""The incident record on local disk: timeline store, recorder, breaches, phases, postmortem,
export.
"""
