"""Notice delivery (通知送达)."""
