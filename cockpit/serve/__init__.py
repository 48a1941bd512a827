"""`cockpit serve`: the cockpit in browser tabs, one process per tab."""
