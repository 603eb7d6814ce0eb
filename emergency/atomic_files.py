"""Files written whole or not at all (temporary file beside the target + rename).

A kill, a full disk or an exception never leaves a truncated file, and never a new
file beside an old one of the same set that both look valid:

- :func:`replacing` yields a temporary path in the target's folder; on success the
  file is flushed to disk and renamed over the target (``os.replace`` is atomic on
  one file system); on failure the temporary file is removed and the target is
  untouched.
- :func:`replacing_all` does it for a set of files that belong together (a plan's
  JSON and its workbook): all are written first; then the old targets are removed
  and the new ones renamed in, the first-named last. Killed in between, some files of
  the set are missing — visibly incomplete — but no old and new file stand together.
- :func:`replacing_dir` does it for a folder (a response package).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _fsync(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _temp_beside(target: Path, directory: bool = False) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{target.name}."
    if directory:
        path = tempfile.mkdtemp(prefix=prefix, suffix=".tmp", dir=target.parent)
        os.chmod(path, 0o777 & ~_umask())
        return Path(path)
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp" + target.suffix, dir=target.parent)
    os.close(fd)
    os.chmod(name, 0o666 & ~_umask())  # mkstemp makes 0600; the file gets the mode a plain open() would
    return Path(name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """Write to the yielded temporary path; it becomes ``target`` when the block succeeds."""
    target = Path(target)
    tmp = _temp_beside(target)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def replacing_all(*targets: Path) -> Iterator[list[Path]]:
    """Write each yielded temporary path; together they replace ``targets`` when the block
    succeeds (old targets removed first, then renamed in with ``targets[0]`` last)."""
    targets = tuple(Path(t) for t in targets)
    temps = [_temp_beside(t) for t in targets]
    try:
        yield temps
        for tmp in temps:
            _fsync(tmp)
        for target in targets:
            target.unlink(missing_ok=True)
        for tmp, target in list(zip(temps, targets))[::-1]:
            os.replace(tmp, target)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)


@contextmanager
def replacing_dir(target: Path) -> Iterator[Path]:
    """Fill the yielded temporary folder; it replaces the folder ``target`` on success."""
    target = Path(target)
    tmp = _temp_beside(target, directory=True)
    try:
        yield tmp
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old.{os.getpid()}")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_bytes(target: Path, data: bytes) -> Path:
    with replacing(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: Path, text: str, encoding: str = "utf-8") -> Path:
    return write_bytes(target, text.encode(encoding))
