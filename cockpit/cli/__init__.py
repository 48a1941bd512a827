"""The `cockpit` command line: one module per command group."""
