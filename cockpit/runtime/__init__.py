"""Sources wired to panels and run on a schedule, headless: wiring, scheduler, snapshot,
doctor, logs.
"""
