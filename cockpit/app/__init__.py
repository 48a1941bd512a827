"""The Textual applications and the controllers they delegate to."""
