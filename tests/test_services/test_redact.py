"""The one redactor: each rule catches its kind of secret, the cheap suspect-word test never lets a
secret through, and JSON lines out of COPY get exactly the same treatment."""
import json

import pytest

from app.common.redact import REDACTED, TEXT_RULES, is_suspect, redact, redact_json_lines, redact_text

SECRETS = [  # (text, what must be gone); at least one example per rule
    ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "eyJhbGciOiJIUzI1NiJ9"),
    ("retry with BASIC dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
    ("login failed for password=Hunter2!x", "Hunter2!x"),
    ('{"api_key": "abc123def456"} rejected', "abc123def456"),
    ("Api-Key: zzTopSecretValue", "zzTopSecretValue"),
    ("connect postgres://svc:s3cr3tPass@db.internal/prod", "s3cr3tPass"),
    ("charge failed with sk_live_51HxYzAbCdEf", "sk_live_51HxYzAbCdEf"),
    ("webhook signed whsec_test_abcdefgh1234", "whsec_test_abcdefgh1234"),
    ("aws AKIAIOSFODNN7EXAMPLE denied", "AKIAIOSFODNN7EXAMPLE"),
    ("our status webhook secret is whsec_3f9a0c5e7b1d2468ace0f13579bdf02468ace013",
     "whsec_3f9a0c5e7b1d2468ace0f13579bdf02468ace013"),
    ("Cookie: session=ab12cd34ef", "session=ab12cd34ef"),
]


@pytest.mark.parametrize("text, secret", SECRETS)
def test_each_kind_of_secret_is_redacted_and_flagged_as_suspect(text, secret):
    assert is_suspect(text)
    out = redact_text(text)
    assert secret not in out and REDACTED in out


def test_every_rule_has_an_example():
    import re

    for pattern, _ in TEXT_RULES:
        assert any(re.search(pattern, text, re.IGNORECASE) for text, _ in SECRETS + MORE_SECRETS), pattern


@pytest.mark.parametrize("text", ["run 5 step 1 ok \u2713", "Step 3 of run 9 finished: 200 OK, 12 records synced",
                                  "tokens used: 5", 'line one\nline "two"\t\\ caf\u00e9'])
def test_ordinary_text_is_untouched(text):
    assert redact_text(text) == text


def test_structured_values_redact_secret_keys_and_free_text():
    value = {"headers": {"Authorization": "x"}, "steps": [{"note": "password=abc123"}], "n": 3}
    assert redact(value) == {"headers": {"Authorization": REDACTED}, "steps": [{"note": f"password={REDACTED}"}],
                             "n": 3}


def test_json_lines_from_copy_get_the_same_redaction_and_clean_lines_stay_byte_identical():
    clean = b'{"id" : 1, "message" : "Step 1 finished: 200 OK"}'
    dirty_text = "calling CRM with api_key=CANARY-1 \"quoted\" caf\u00e9"
    dirty = json.dumps({"id": 2, "message": dirty_text}, ensure_ascii=False).encode()
    block = clean + b"\n" + dirty + b"\n"
    out = redact_json_lines(block, ("message",))
    first, second, last = out.split(b"\n")
    assert first == clean and last == b""
    assert json.loads(second) == {"id": 2, "message": redact_text(dirty_text)}
    assert redact_json_lines(clean + b"\n", ("message",)) == clean + b"\n"


def test_json_lines_with_secrets_at_the_first_and_last_line_and_several_words_on_one_line():
    texts = ["Password=first1234 then TOKEN abcdefgh12345678", "ordinary line 200 OK",
             "Api-Key: zzTopSecretValue and bearer eyJhbGciOiJIUzI1NiJ9.x.y", "pa ss word = 42"]
    lines = [json.dumps({"id": i, "message": t}, ensure_ascii=False).encode() for i, t in enumerate(texts)]
    out = redact_json_lines(b"\n".join(lines), ("message",)).split(b"\n")
    assert [json.loads(line)["message"] for line in out] == [redact_text(t) for t in texts]
    assert out[1] == lines[1] and out[3] == lines[3]  # clean lines, a false alarm included, stay byte-identical
    for text, secret in SECRETS:  # every kind, upper case included, passes the block pre-test
        assert secret.encode() not in redact_json_lines(json.dumps({"message": text}).encode(), ("message",))


def test_json_lines_that_are_array_elements_keep_their_commas():
    """COPY's keyset pages arrive as `{…},\n{…}`: a rewritten line keeps the comma that follows it."""
    texts = ["Password=first1234 here", "ordinary line 200 OK", "bearer eyJhbGciOiJIUzI1NiJ9.x.y"]
    lines = [json.dumps({"id": i, "message": t}, separators=(",", ":")).encode() for i, t in enumerate(texts)]
    block = b",\n".join(lines)
    out = redact_json_lines(block, ("message",))
    assert [e["message"] for e in json.loads(b"[" + out + b"]")] == [redact_text(t) for t in texts]
    assert out.split(b",\n")[1] == lines[1]
    assert b"first1234" not in out and b"eyJhbGci" not in out


def test_the_block_pre_test_finds_each_word_anywhere_and_a_word_cut_short_nowhere():
    from app.common import redact

    filler = b"x" * 5000
    for word in redact._SUSPECT_BYTES:
        for block in (word + filler, filler + word, filler + word + filler, word):
            assert redact._contains_any(block), (word, block[:20])
            assert redact._may_hold_suspect_word(block.upper()), word  # folded before the search
        assert not redact._contains_any(filler + word[:-1] + filler), word
    assert not redact._contains_any(b"")
    assert not redact._may_hold_suspect_word(b'{"id":1,"message":"Step 3 of run 17 finished: 200 OK"}')


PEM = ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
       "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----")
MORE_SECRETS = [  # (text, what must be gone): the shapes the issue-26 probe got through
    (f"deploy key:\n{PEM}\nthanks", "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"),
    (f"pasted {PEM[:90]}", "MIIEowIBAAKCAQEAu1SU1"),  # a truncated block: redacted to the end
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
     "b3BlbnNzaC1rZXktdjEAAAAA"),
    ("alerts go to https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
     "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
    ("bot xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp", "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp"),
    ("clone with ghp_16C7e42F292c6912E7710c838347Ae178B4a", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
    ("github_pat_11ABCDEFG0abcdefghijklmnopqrstuvwxyz0123456789", "github_pat_11ABCDEFG0abcdefghijklmnopqrs"),
    ("maps AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI quota", "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI"),
    ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
     "eyJzdWIiOiIxMjM0NTY3ODkwIn0"),
    ("workflow: password=hunter2 then sync", "hunter2"),
    ("cache redis://:pw-9x7@cache.internal:6379/0", "pw-9x7"),
    ("PassPhrase: correct-horse-battery", "correct-horse-battery"),
]


@pytest.mark.parametrize("text, secret", MORE_SECRETS)
def test_well_known_token_shapes_are_redacted_and_flagged_as_suspect(text, secret):
    assert is_suspect(text)
    out = redact_text(text)
    assert secret not in out and REDACTED in out
    assert secret.encode() not in redact_json_lines(json.dumps({"message": text}).encode(), ("message",))


@pytest.mark.parametrize("key", ["pwd", "pass", "PassPhrase", "X-Api-Key", "key", "api_key", "Private-Key",
                                 "client_secret", "Authorization", "db.password", "AWS_ACCESS_KEY", "pin"])
def test_secret_key_names_are_redacted_in_structured_values(key):
    assert redact({"step": {key: "s3cr3t-value", "url": "https://example.com"}}) == {
        "step": {key: REDACTED, "url": "https://example.com"}}


@pytest.mark.parametrize("key", ["keyboard_layout", "monkey", "name", "steps", "passengers_count", "pinned"])
def test_ordinary_key_names_keep_their_values(key):
    assert redact({key: "plain"}) == {key: "plain"}
