"""The configuration: schema, strict reading, keymap, PromQL presets and the shipped example."""
