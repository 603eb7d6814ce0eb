"""File names made from the list's text (firm and county names), and links to them.

A name in the list is data, never a path: whatever a firm or county is called, the
file made from it stays inside the package folder. :func:`safe_component` keeps one
path component:

- path separators (``/`` ``\\``) and the characters Windows refuses (``: * ? " < > |``)
  become ``_``; control and format characters (C*), line and paragraph separators are
  dropped; runs of white space become one space;
- no leading dots or spaces (no hidden files, no ``..``), no trailing dots or spaces
  (Windows strips them);
- at most ``limit`` UTF-8 bytes (a whole character is never cut; file systems allow
  255 bytes per component, the package joins county, name and code);
- a DOS device name (``CON``, ``NUL``, ``COM1`` …) is prefixed with ``_``;
- an empty result becomes ``fallback``.

:func:`href` percent-encodes a relative path for an HTML link (``#``, ``%`` and spaces
in a name would otherwise cut or break the link).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

FORBIDDEN = frozenset('/\\:*?"<>|')
WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"COM{i}" for i in range(1, 10)] + [f"LPT{i}" for i in range(1, 10)]
)
DEFAULT_LIMIT = 90  # bytes: 30 Chinese characters
_SPACES = re.compile(r"\s+")


def _kept(ch: str) -> str:
    if ch in FORBIDDEN:
        return "_"
    category = unicodedata.category(ch)
    if category[0] == "C" or category in ("Zl", "Zp"):
        return " " if ch in "\t\n\r\v\f" else ""
    return ch


def _bounded(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def safe_component(text: object, *, limit: int = DEFAULT_LIMIT, fallback: str = "未命名") -> str:
    """One path component made from ``text`` (see the module's rules)."""
    cleaned = "".join(_kept(ch) for ch in unicodedata.normalize("NFC", str(text if text is not None else "")))
    cleaned = _SPACES.sub(" ", cleaned).strip().lstrip(". ")
    cleaned = _bounded(cleaned, limit).rstrip(". ")
    if not cleaned:
        return fallback
    if cleaned.split(".")[0].strip().upper() in WINDOWS_DEVICES:
        cleaned = "_" + cleaned
    return cleaned


class UniqueNames:
    """Hands out file names that are unique within one folder (case-insensitively, as
    Windows and macOS compare): a second ``name.html`` becomes ``name (2).html``."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def take(self, stem: str, suffix: str) -> str:
        name, n = f"{stem}{suffix}", 1
        while name.casefold() in self._taken:
            n += 1
            name = f"{stem} ({n}){suffix}"
        self._taken.add(name.casefold())
        return name


def href(relative_path: str) -> str:
    """A relative path as a link target (each component percent-encoded)."""
    return "/".join(quote(part, safe="") for part in relative_path.split("/"))
