"""Reports upward (上报)."""
