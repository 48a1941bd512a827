"""Pure types and rules shared by every layer: readings, statuses, units, names, incident and
action records.
"""
