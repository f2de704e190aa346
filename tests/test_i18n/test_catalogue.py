"""The German catalogue is complete and what the app serves is built from it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "translations" / "de" / "LC_MESSAGES" / "messages.po"


def _catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def _untranslated(catalog) -> list[str]:
    bad = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            bad.append(repr(message.id))
    return bad


def test_every_german_message_is_translated_and_none_is_fuzzy():
    assert _untranslated(_catalog(PO)) == []


def test_the_catalogue_holds_every_wrapped_string(tmp_path):
    """A string wrapped in a template or in Python but never extracted would stay English: extracting
    afresh (what `make translations` does) must find nothing the German catalogue lacks."""
    pot = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "-q", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(pot) if m.id}
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(PO) if m.id}
    assert sorted(wanted - have) == [], "run `make translations` and translate what is new"


def test_the_served_catalogue_is_compiled_from_the_po(app):
    """The app compiles the .po at start (nothing stale committed): its .mo says what the .po says."""
    mo = Path(app.instance_path) / "translations" / "de" / "LC_MESSAGES" / "messages.mo"
    with mo.open("rb") as handle:
        served = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    expected = {_key(m.id): _key(m.string) for m in _catalog(PO) if m.id}
    assert served == expected
