"""Runbooks as teams write them: read, parsed, matched to panels and turned into steps."""
