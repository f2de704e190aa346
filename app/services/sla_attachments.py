"""Evidence attached to SLA claims: checked by content as well as by name, stored under unguessable keys."""
from __future__ import annotations

import io
import json
import os
import secrets

from werkzeug.utils import secure_filename

from app.services.errors import ServiceError, ValidationFailed
from app.services.storage import get_storage

MAX_BYTES = 5 * 1024 * 1024
MAX_NAME = 120
CONTENT_TYPES = {
    ".txt": "text/plain", ".log": "text/plain", ".csv": "text/csv", ".json": "application/json",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".pdf": "application/pdf",
}
MAGIC = {".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",),
         ".pdf": (b"%PDF-",)}
ALLOWED_TEXT = ".txt .log .json .csv .png .jpg .pdf"


class Attachment:
    def __init__(self, name: str, data: bytes, content_type: str):
        self.name = name
        self.data = data
        self.content_type = content_type
        self.key: str | None = None


def sanitize_name(raw: str | None) -> str:
    """werkzeug's secure_filename, capped in length with the extension kept."""
    name = secure_filename(raw or "") or "attachment"
    stem, ext = os.path.splitext(name)
    return stem[: MAX_NAME - len(ext)] + ext.lower()


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"attachment": message})


def check(filename: str | None, stream) -> Attachment:
    """Read at most 5 MB (+1 byte to notice more) and verify the bytes match the claimed type."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ServiceError("The attachment is larger than 5 MB.", code="too_large", status=413,
                           fields={"attachment": "At most 5 MB."})
    name = sanitize_name(filename)
    ext = os.path.splitext(name)[1]
    if ext not in CONTENT_TYPES:
        raise _invalid(f"Attach one of {ALLOWED_TEXT}.")
    if not data:
        raise _invalid("The attachment is empty.")
    if ext in MAGIC:
        if not data.startswith(MAGIC[ext]):
            raise _invalid(f"The file's content is not a {ext[1:].upper()}.")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise _invalid("Text attachments must be UTF-8 text.") from None
        if "\x00" in text:
            raise _invalid("Text attachments must be UTF-8 text.")
        if ext == ".json":
            try:
                json.loads(text)
            except ValueError:
                raise _invalid("The .json attachment is not valid JSON.") from None
    return Attachment(name, data, CONTENT_TYPES[ext])


def store(attachment: Attachment) -> str:
    key = f"sla/{secrets.token_urlsafe(24)}/{attachment.name}"
    get_storage().upload_fileobj(key, io.BytesIO(attachment.data), attachment.content_type)
    attachment.key = key
    return key


def discard(key: str | None) -> None:
    if key:
        get_storage().delete(key)


def open_stream(key: str):
    return get_storage().open(key)


def content_type_for(name: str) -> str:
    return CONTENT_TYPES.get(os.path.splitext(name or "")[1].lower(), "application/octet-stream")
