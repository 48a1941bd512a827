"""What the cockpit does on a key, one controller per feature, each behind a narrow Protocol."""
