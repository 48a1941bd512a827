"""The steps every mitigation action takes, shared by keys, the CLI and runbook steps."""
