"""The human-readable side of an archive: README.txt and an offline index.html (Art. 12(1): concise,
intelligible; Art. 15: the information that goes with the data), both rendered from the manifest and
the one configurable Art. 15 file (DSAR_ARTICLE15_FILE), next to the machine-readable JSON (Art. 20)."""
from __future__ import annotations

import tomllib
import zipfile
from datetime import datetime

from flask import current_app, render_template

from app.common import i18n
from app.common.money import format_amount
from app.dsar import overview
from app.dsar.zipstream import HashedEntry
from app.extensions import db
from app.models import User

REQUIRED_KEYS = ("controller", "contact", "purposes", "recipients", "retention", "sources",
                 "automated_decisions", "transfers", "rights")


def article15() -> dict:
    """The Art. 15 information, read at export time so an edit applies to the next export."""
    with open(current_app.config["DSAR_ARTICLE15_FILE"], "rb") as fh:
        info = tomllib.load(fh)
    missing = [k for k in REQUIRED_KEYS if not info.get(k)]
    if missing:
        raise ValueError(f"{current_app.config['DSAR_ARTICLE15_FILE']} lacks {', '.join(missing)}")
    return info


def write(zf: zipfile.ZipFile, manifest: dict, files: list[dict], link_days: int, counts: dict) -> list[dict]:
    """README.txt and index.html; index.html shows the head of each category (app/dsar/overview.py), so its
    size is bounded whatever the history's length."""
    context = {"manifest": manifest, "files": files, "info": article15(), "link_days": link_days,
               "data": overview.gather(manifest["user_id"]), "counts": counts, "money": format_amount,
               "generated_at": datetime.fromisoformat(manifest["generated_at"]),
               "records": {f["name"]: f["records"] for f in files},
               "attachments": [f["name"] for f in files if f["name"].startswith("attachments/")]}
    user = db.session.get(User, manifest["user_id"])
    locale = user.locale if user is not None else None
    written = []
    for name, template in (("README.txt", "archive/README.txt"), ("index.html", "archive/index.html")):
        with i18n.in_locale(locale):  # the job has no request: the archive is in the user's saved language
            text = render_template(template, **context)  # before opening the entry: a failure leaves no open handle
        entry = HashedEntry(zf, name)
        entry.raw(text)
        written.append(entry.close(None))
    return written
