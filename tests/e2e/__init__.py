"""Real terminals and processes: tmux, ptys, `cockpit serve` with browser-like clients."""
