"""Warnings (预警): evaluation of a forecast under a rule set."""
