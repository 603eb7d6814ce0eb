"""Writing a package into its folder: whole or not at all, never touching the user's files.

- A new folder is built as a temporary folder beside it and renamed into place
  (``atomic_files.replacing_dir``): a kill leaves no half package.
- An existing folder (a re-run, a folder of the user's): each of the package's
  sub-folders (``管控通知/``, ``按区县打印/`` …) that holds nothing but files the
  *previous* package listed in its manifest (``.emergency-package.json``) is built
  beside and swapped in whole (``atomic_files.replacing_dir``); a sub-folder that
  holds anything else, and every top-level file, is written file by file
  (``atomic_files.write_bytes``: temporary file + rename), the index last. Then the
  files the previous manifest listed and this package no longer has are removed — a
  notice of the previous version does not stay beside the new ones — and nothing
  else: the user's files in the folder are left alone.

Paths come from :mod:`emergency.notices.names` (one sanitised component per name); every
path is checked to stay inside the folder before anything is written or removed.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from emergency import atomic_files
from emergency.errors import InputError

MANIFEST = ".emergency-package.json"


def _relative(rel: str) -> PurePosixPath:
    p = PurePosixPath(rel)
    if p.is_absolute() or not p.parts or any(part in ("", ".", "..") or part.startswith(".") for part in p.parts):
        raise ValueError(f"not a package path: {rel!r}")
    return p


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _old_files(out: Path) -> list[str]:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    files = data.get("files") if isinstance(data, dict) else None
    return [f for f in files if isinstance(f, str)] if isinstance(files, list) else []


def write(out: Path, files: dict[str, bytes], about: dict) -> None:
    """Write ``files`` (package path → bytes; the last one is written last) into ``out``."""
    out = Path(out)
    for rel in files:
        _relative(rel)
    manifest = json.dumps({**about, "files": list(files)}, ensure_ascii=False, indent=1).encode("utf-8")
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: 不是文件夹，无法写入应急响应材料 (not a folder)")
    if not out.exists():
        with atomic_files.replacing_dir(out) as tmp:
            for rel, data in files.items():
                path = tmp / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            (tmp / MANIFEST).write_bytes(manifest)
        return
    old = set(_old_files(out))
    groups: dict[str, dict[str, bytes]] = {}
    for rel, data in files.items():
        parts = PurePosixPath(rel).parts
        groups.setdefault(parts[0] if len(parts) > 1 else "", {})[rel] = data
    top = groups.pop("", {})
    for sub, sub_files in groups.items():
        if _only_ours(out, sub, old):
            with atomic_files.replacing_dir(out / sub) as tmp:
                for rel, data in sub_files.items():
                    path = tmp / PurePosixPath(rel).relative_to(sub)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
        else:
            _write_each(out, sub_files)
    _write_each(out, top)
    atomic_files.write_bytes(out / MANIFEST, manifest)
    keep = set(files)
    for rel in old - keep:
        try:
            path = out / _relative(rel)
        except ValueError:
            continue
        if path.is_file() and not path.is_symlink() and _inside(out, path):
            path.unlink(missing_ok=True)
            try:
                path.parent.rmdir() if path.parent != out else None  # only when empty
            except OSError:
                pass


def _only_ours(out: Path, sub: str, old: set[str]) -> bool:
    """The sub-folder is absent, or a real folder holding only files of the previous package."""
    folder = out / sub
    if not folder.exists() and not folder.is_symlink():
        return True
    if folder.is_symlink() or not folder.is_dir():
        return False
    for p in folder.rglob("*"):
        if p.is_symlink() or (p.is_file() and f"{sub}/{p.relative_to(folder).as_posix()}" not in old):
            return False
    return True


def _write_each(out: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = out / rel
        if not _inside(out, path.parent if path.parent.exists() else out):
            raise InputError(f"{path}: 位于输出文件夹之外（符号链接？），拒绝写入 (outside the output folder)")
        atomic_files.write_bytes(path, data)
