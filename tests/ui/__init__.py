"""The Textual apps driven by Pilot, against the demo, a fake API server or a real Prometheus."""
