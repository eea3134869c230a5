"""Conversation ids: signed website ids, per-channel namespaces, hashes for logs, the key file."""

import os

from bot.channels import identity
from bot.channels.identity import issue_web_id, short_hash, valid_web_id

KEY = b"k" * 32


def test_issued_ids_are_random_signed_and_checked_with_the_key():
    first, second = issue_web_id(KEY), issue_web_id(KEY)
    assert first != second and valid_web_id(first, KEY) and valid_web_id(second, KEY)
    assert not valid_web_id(first, b"o" * 32)  # another deployment's key
    random_part = first.split(":")[1].split(".")[0]
    assert not valid_web_id(f"web:{random_part}.{'0' * 32}", KEY)
    assert not valid_web_id(None, KEY) and not valid_web_id(42, KEY)
    assert not valid_web_id(first.upper(), KEY) and not valid_web_id(first + "0", KEY)


def test_short_hashes_are_stable_and_do_not_show_the_id(monkeypatch):
    monkeypatch.setenv("CLEA_SECRET_KEY", "secret")
    phone_id = "wa:whatsapp:+33612345678"
    assert short_hash(phone_id) == short_hash(phone_id) != short_hash("wa:whatsapp:+33612345679")
    assert "612345678" not in short_hash(phone_id) and short_hash(None) == "-"


def test_the_key_file_is_created_once_for_its_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("CLEA_SECRET_KEY", raising=False)
    monkeypatch.setattr(identity, "KEY_FILE", tmp_path / "var" / "console.key")
    identity._file_key.cache_clear()
    try:
        key = identity.secret_key()
        assert len(key) == 32 and (tmp_path / "var" / "console.key").read_bytes() == key
        assert os.stat(tmp_path / "var" / "console.key").st_mode & 0o777 == 0o600
        identity._file_key.cache_clear()
        assert identity.secret_key() == key  # read back, not replaced
    finally:
        identity._file_key.cache_clear()
