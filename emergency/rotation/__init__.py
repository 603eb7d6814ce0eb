"""Rotation production (错峰生产 / 轮流停产): the season calendar as a CP-SAT model."""
