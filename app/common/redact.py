"""One redactor for secrets in free text and in structured values, used for every text field that
leaves in a data export (log lines, runs' errors, claim texts, audit details, export errors).

Big tables leave PostgreSQL through COPY as lines of JSON; redact_json_lines() runs the same
redact_text() over them, touching only lines that hold a suspect word (PostgreSQL's own regular
expressions cost about 10 µs a row, tripling the export of a million log lines).
"""
from __future__ import annotations

import json
import re

import ahocorasick_rs

REDACTED = "[redacted]"

# Keys whose values in a structured value (JSON) are secrets: compared with case, "_", "-", "." and spaces
# removed ("X-Api-Key" → "xapikey"), as a substring (SECRET_KEY_PARTS) or the whole name (SECRET_KEY_NAMES).
SECRET_KEY_PARTS = ("secret", "token", "password", "passwd", "passphrase", "pwd", "apikey", "accesskey",
                    "credential", "privatekey", "authorization", "cookie", "signature")
SECRET_KEY_NAMES = ("pass", "key", "pw", "auth", "pin", "jwt", "dsn")

_KEY = (r"(password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|"
        r"authorization|cookie)")
# (pattern, replacement): groups kept with \1, \2.
TEXT_RULES: tuple[tuple[str, str], ...] = (
    (r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)", REDACTED),  # PEM, to its end
    (r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*", REDACTED),  # a JWT, with or without bearer
    (r"(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}", r"\1 " + REDACTED),
    (_KEY + r"([\"']?\s*[:=]\s*[\"']?)[^\s\"',;&]+", r"\1\2" + REDACTED),
    (r"(://[^/\s:@]*:)[^@\s/]+@", r"\1" + REDACTED + "@"),  # user:password@, the user maybe empty
    (r"(hooks\.slack\.com/(services|workflows|triggers)/)[A-Za-z0-9/_-]+", r"\1" + REDACTED),
    (r"xox[bp]-[A-Za-z0-9-]{10,}", REDACTED),  # Slack bot and user tokens
    (r"(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})", REDACTED),  # GitHub tokens
    (r"AIza[0-9A-Za-z_-]{35}", REDACTED),  # Google API keys
    (r"(sk|rk|pk|whsec)_(live|test)_[A-Za-z0-9]{8,}", REDACTED),
    (r"AKIA[0-9A-Z]{16}", REDACTED),
    (r"whsec_[A-Za-z0-9+/=]{16,}", REDACTED),  # webhook signing secrets: Stripe's, and our status webhooks'
)
# Words at least one of which (lower-cased) occurs in any text a rule can match: a cheap test that
# lets the vast majority of text (and whole megabytes of exported JSON lines) skip the rules.
# tests/test_services/test_redact.py keeps the two in step.
SUSPECT_WORDS = ("bearer", "basic", "token", "pass", "pwd", "secret", "key", "authoriz", "cookie", "://",
                 "_live_", "_test_", "akia", "whsec_", ".eyj", "slack", "xoxb-", "xoxp-", "ghp_", "gho_", "ghu_",
                 "ghs_", "ghr_", "github_pat_", "aiza")
_SUSPECT_BYTES = tuple(w.encode() for w in SUSPECT_WORDS)
_COMPILED = tuple((re.compile(p, re.IGNORECASE), r) for p, r in TEXT_RULES)


def _trie(words: list[bytes]) -> bytes:
    """One regular expression for many literal words, factored by their common prefixes (b(?:earer|asic)|…):
    the engine then tries one branch per position instead of every word (half the time for 27 words)."""
    if b"" in words:  # a word ends here: any hit is enough, the longer words need not be tried
        return b""
    branches = []
    for first in sorted({w[:1] for w in words}):
        tail = _trie([w[1:] for w in words if w[:1] == first])
        branches.append(re.escape(first) + tail)
    return branches[0] if len(branches) == 1 else b"(?:" + b"|".join(branches) + b")"


_SUSPECT_RE = re.compile(_trie(list(_SUSPECT_BYTES)))
_FOLD = bytes.maketrans(bytes(range(65, 91)), bytes(range(97, 123)))  # ASCII A-Z → a-z, as bytes.lower()
_WORD_BYTES = set(b"".join(_SUSPECT_BYTES))
_NOT_IN_WORDS = bytes(c for c in range(256)  # deleted before folding: upper-case letters of a word stay
                      if c not in _WORD_BYTES and not (65 <= c <= 90 and c + 32 in _WORD_BYTES))


def redact_text(value: str | None) -> str | None:
    """Free text with every secret-looking value replaced."""
    if not value or not is_suspect(value):
        return value
    for pattern, replacement in _COMPILED:
        value = pattern.sub(replacement, value)
    return value


def is_suspect(value: str) -> bool:
    low = value.lower()
    return any(word in low for word in SUSPECT_WORDS)


def redact_json_lines(block: bytes, keys: tuple[str, ...]) -> bytes:
    """Lines of JSON objects (as PostgreSQL's COPY writes them, each maybe followed by a comma) with
    redact_text() applied to `keys`.

    Only a line holding a suspect word is parsed and rewritten, so the COPY fast path keeps its speed
    while the very same redactor as everywhere else decides what is a secret."""
    if not _may_hold_suspect_word(block):
        return block
    low = block.lower()
    out, done = [], 0
    for match in _SUSPECT_RE.finditer(low):
        start = low.rfind(b"\n", 0, match.start()) + 1
        if start < done:  # another suspect word on a line already rewritten
            continue
        end = low.find(b"\n", match.end())
        end = len(block) if end < 0 else end
        out += (block[done:start], _redact_line(block[start:end], keys))
        done = end
    out.append(block[done:])
    return b"".join(out)


def _redact_line(line: bytes, keys: tuple[str, ...]) -> bytes:
    """One JSON object, maybe followed by the "," that makes it an array element (kept)."""
    comma = line.endswith(b",")
    record = json.loads(line[:-1] if comma else line)
    for key in keys:
        if isinstance(record.get(key), str):
            record[key] = redact_text(record[key])
    # Compact, as PostgreSQL's row_to_json writes it.
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + (b"," if comma else b"")


# One pass over the block for every suspect word at once (Aho-Corasick, as a DFA: the Rust aho-corasick
# crate through ahocorasick_rs), instead of one search per word: with the 25 words since issue 26 the 25
# memmem() calls cost 2.5 ms per MiB of JSON lines, the automaton 0.9 ms (docs/performance.md, DSAR).
_SUSPECT_SEARCH = ahocorasick_rs.BytesAhoCorasick(list(_SUSPECT_BYTES),
                                                 implementation=ahocorasick_rs.Implementation.DFA)


def _contains_any(haystack: bytes) -> bool:
    return bool(haystack) and bool(_SUSPECT_SEARCH.find_matches_as_indexes(haystack))


def _may_hold_suspect_word(block: bytes) -> bool:
    """A cheap test that never misses: ASCII-lower-cased with every byte that occurs in no suspect word
    deleted (one pass of bytes.translate), the block shrinks to about half, and one automaton pass looks
    for every suspect word in that. Deleting can join a word across removed bytes: a false alarm costs
    time only."""
    return _contains_any(block.translate(_FOLD, _NOT_IN_WORDS))


def redact(value):
    """A copy of a structured value: secret-looking keys' values replaced, strings run through redact_text."""
    if isinstance(value, dict):
        return {k: REDACTED if is_secret_key(k) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


_KEY_NOISE = str.maketrans("", "", "_-. ")


def is_secret_key(key) -> bool:
    """True for a key name whose value is a secret: `api_key`, `X-Api-Key`, `PassPhrase`, `pwd`, `key`."""
    name = str(key).lower().translate(_KEY_NOISE)
    return name in SECRET_KEY_NAMES or any(part in name for part in SECRET_KEY_PARTS)
