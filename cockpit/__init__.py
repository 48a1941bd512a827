"""incident-cockpit: a terminal cockpit for the person holding the pager."""

__version__ = "0.1.0"
