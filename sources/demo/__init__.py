"""The simulated service and cluster behind `cockpit --demo`."""
