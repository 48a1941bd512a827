"""Real parts on the wire: Prometheus, Alertmanager, the fake API server, kubectl, SQLite
files, built wheels.
"""
