"""Fast tests of one module or rule: no network, no subprocess, no Textual app."""
