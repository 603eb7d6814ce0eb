"""Uploaded files, received safely.

The client's file name never becomes a path: the file is streamed into a folder the
server made, under a name the server chose, and the client's name is kept only as text
(for the audit log and messages). The size is counted while streaming and the upload
refused (HTTP 413) beyond ``EMERGENCY_MAX_UPLOAD_MB``; only the expected suffixes are
accepted. (The request body as a whole is bounded earlier, while it arrives, by
``emergency.api.limits``.) Errors raised while the upload is processed name the
client's file, never the server's folder (:func:`shown_as`).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from fastapi import UploadFile

from emergency.errors import EmergencyError, InputError, TooLarge

CHUNK = 1 << 20


def upload_limit_bytes() -> int:
    from emergency.settings import get_settings

    return int(get_settings().max_upload_mb * 1024 * 1024)


NAME_CHARS = 200


def client_name(file: UploadFile) -> str:
    """The client's file name as text only: its last component, printable characters,
    at most :data:`NAME_CHARS` (a longer name keeps its extension)."""
    name = (file.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if len(name) > NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        ext = dot + ext if stem and len(ext) <= 10 else ""
        name = name[: NAME_CHARS - len(ext)] + ext
    return name or "upload"


def receive(file: UploadFile, folder: Path, suffixes: tuple[str, ...], limit: int | None = None) -> Path:
    """Stream ``file`` into ``folder``/``upload<suffix>``; the suffix must be one of
    ``suffixes`` (by the client's name). Refuses more than ``limit`` bytes (default the
    setting) with :class:`TooLarge`."""
    name = client_name(file)
    suffix = next((s for s in suffixes if name.lower().endswith(s)), None)
    if suffix is None:
        raise InputError(f"上传文件“{name}”的类型不对，应为 {' / '.join(suffixes)} 文件 (wrong file type)")
    limit = upload_limit_bytes() if limit is None else limit
    path = Path(folder) / f"upload{suffix}"
    size = 0
    with path.open("wb") as out:
        while chunk := file.file.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"上传文件“{name}”超过 {limit / 1048576:.0f} MB 上限 (upload too large)")
            out.write(chunk)
    return path


@contextmanager
def shown_as(path: Path, name: str):
    """Inside, an :class:`EmergencyError` about the received file at ``path`` names the
    client's file ``name`` instead of the server path (and its folder)."""
    try:
        yield
    except EmergencyError as exc:
        for server, shown in ((str(path), name), (str(Path(path).parent), "")):
            exc.message = exc.message.replace(server, shown)
        exc.args = (exc.message,)
        raise


def evidence(file: UploadFile | None, folder: Path):
    """A firm's evidence file for an execution report (``receipts.Evidence``), received into
    ``folder`` within the evidence limits — or None when the form carried no file."""
    from emergency.workflow import receipts

    if file is None or not (file.filename or file.size):
        return None
    name = client_name(file)
    path = receive(file, folder, receipts.EVIDENCE_SUFFIXES, limit=min(receipts.EVIDENCE_MAX_BYTES, upload_limit_bytes()))
    return receipts.Evidence(path, name)
