"""Effect evaluation (效果评估)."""
