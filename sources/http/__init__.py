"""Sources that speak HTTP: one client and error module shared by Prometheus, Alertmanager and
health checks.
"""
