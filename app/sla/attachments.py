"""Evidence attached to SLA claims: checked by content as well as by name, stored under unguessable keys."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets

from flask_babel import lazy_gettext as _l
from werkzeug.utils import secure_filename

from app.common.errors import ServiceError, ValidationFailed
from app.common.storage import get_storage

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
        raise ServiceError(_l("The attachment is larger than %(mb)s MB.", mb=MAX_BYTES // (1024 * 1024)),
                           code="too_large", status=413,
                           fields={"attachment": _l("At most %(mb)s MB.", mb=MAX_BYTES // (1024 * 1024))})
    name = sanitize_name(filename)
    ext = os.path.splitext(name)[1]
    if ext not in CONTENT_TYPES:
        raise _invalid(_l("Attach one of %(allowed)s.", allowed=ALLOWED_TEXT))
    if not data:
        raise _invalid(_l("The attachment is empty."))
    if ext in MAGIC:
        if not data.startswith(MAGIC[ext]):
            raise _invalid(_l("The file's content is not a %(type)s.", type=ext[1:].upper()))
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise _invalid(_l("Text attachments must be UTF-8 text.")) from None
        if "\x00" in text:
            raise _invalid(_l("Text attachments must be UTF-8 text."))
        if ext == ".json":
            try:
                json.loads(text)
            except ValueError:
                raise _invalid(_l("The .json attachment is not valid JSON.")) from None
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


# A spreadsheet runs a cell starting with one of these as a formula (CSV injection: "=HYPERLINK(…)",
# "@SUM(…)", "-2+3+cmd|' /C calc'!A0"). Plain numbers such as -12.5 are left as they are.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


# Spreadsheets also split a field on ";" (many locales' separator) and tab: each piece is a cell.
CELL_SEPARATORS = re.compile(r"([;\t])")


def _neutralise_piece(cell: str) -> str:
    if cell.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def _neutralise_cell(field: str) -> str:
    """Every cell inside the field (between ";" or tab, which the regex keeps at odd indexes) made text."""
    if ";" not in field and "\t" not in field:
        return _neutralise_piece(field)
    pieces = CELL_SEPARATORS.split(field)
    return "".join(piece if i % 2 else _neutralise_piece(piece) for i, piece in enumerate(pieces))


def neutralise_csv(data: bytes) -> bytes:
    """The same table with every formula-like cell prefixed by ' so spreadsheets show it as text."""
    csv.field_size_limit(MAX_BYTES + 1)  # the whole file may be one field; uploads are capped anyway
    text = data.decode("utf-8", errors="replace")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in csv.reader(io.StringIO(text, newline="")):
        writer.writerow([_neutralise_cell(cell) for cell in row])
    return out.getvalue().encode("utf-8")


def open_for_download(key: str, name: str):
    """The stored evidence as staff download it: CSV files made safe to open in a spreadsheet
    (the stored original is untouched)."""
    stream = open_stream(key)
    if os.path.splitext(name or "")[1].lower() != ".csv":
        return stream
    try:
        return io.BytesIO(neutralise_csv(stream.read(MAX_BYTES + 1)))
    finally:
        stream.close()


def content_type_for(name: str) -> str:
    return CONTENT_TYPES.get(os.path.splitext(name or "")[1].lower(), "application/octet-stream")
