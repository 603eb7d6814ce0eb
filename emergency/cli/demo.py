"""`emergency demo`: the main job on a generated demo city."""

from __future__ import annotations


def demo_command() -> None:
    raise NotImplementedError
