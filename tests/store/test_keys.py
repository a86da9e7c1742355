import stat
import tomllib
from pathlib import Path

import pytest

from media_screen.config import default_profile_text, parse_profile
from media_screen.errors import PassphraseRequiredError, SigningKeyError
from media_screen.store.keys import (
    create_key,
    default_private_path,
    fingerprint,
    load_signer,
    public_path,
    read_public,
    verify,
)


def test_a_new_key_is_private_to_its_owner_and_its_table_makes_a_profile_trust_it(tmp_path: Path):
    # given a key made for the Chief
    made = create_key("Chief R. Example", path=tmp_path / "keys" / "chief.pem")
    # then the private key can be read by its owner only, in a folder only they can enter
    assert stat.S_IMODE(made.private_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(made.private_path.parent.stat().st_mode) == 0o700
    assert b"PRIVATE KEY" in made.private_path.read_bytes() and not list(made.private_path.parent.glob(".*.tmp"))
    # and the public half, pasted into a profile, makes that profile trust the key under the Chief's name
    profile = parse_profile(default_profile_text() + "\n" + made.approvers_table(), tmp_path)
    (approver,) = profile.approvers
    assert (approver.name, approver.key) == ("Chief R. Example", made.key)
    assert read_public(made.private_path) == made


def test_keys_go_to_the_data_folder_by_default(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MEDIA_SCREEN_DATA_DIR", str(tmp_path / "data"))
    made = create_key("Chief")
    assert made.private_path == default_private_path() == tmp_path / "data" / "keys" / "approver_ed25519.pem"
    assert public_path(made.private_path).name == "approver_ed25519.pub.toml"


def test_an_existing_key_is_not_replaced_unless_asked(tmp_path: Path):
    path = tmp_path / "chief.pem"
    first = create_key("Chief", path=path)
    with pytest.raises(SigningKeyError, match="already exists"):
        create_key("Chief", path=path)
    assert read_public(path) == first
    second = create_key("Chief", path=path, overwrite=True)
    assert second.key != first.key and read_public(path) == second


def test_a_name_with_control_characters_is_cleaned_and_stays_valid_toml(tmp_path: Path):
    made = create_key('Chief "Q"\x1b[31m\u202e', path=tmp_path / "q.pem")
    assert tomllib.loads(made.approvers_table())["approvers"][0]["name"] == 'Chief "Q"[31m'
    with pytest.raises(SigningKeyError, match="name"):
        create_key("\x1b ", path=tmp_path / "empty.pem")


def test_a_signature_verifies_only_for_the_same_bytes_and_key(tmp_path: Path):
    signer = load_signer(create_key("Chief", path=tmp_path / "a.pem").private_path)
    other = create_key("Other", path=tmp_path / "b.pem")
    signature = signer.sign(b"approve abc")
    assert verify(signer.public.key, b"approve abc", signature)
    assert not verify(signer.public.key, b"approve abd", signature)
    assert not verify(other.key, b"approve abc", signature)
    assert not verify(signer.public.key, b"approve abc", "not base64!")
    assert not verify("ed25519:short", b"approve abc", signature)


def test_a_passphrase_protected_key_needs_its_passphrase(tmp_path: Path):
    # given a key protected by a passphrase
    made = create_key("Chief", b"correct horse", path=tmp_path / "chief.pem")
    assert b"ENCRYPTED PRIVATE KEY" in made.private_path.read_bytes()
    # then without it, or with a wrong one, it cannot sign
    with pytest.raises(PassphraseRequiredError, match="protected by a passphrase"):
        load_signer(made.private_path)
    with pytest.raises(SigningKeyError, match="wrong passphrase"):
        load_signer(made.private_path, b"wrong horse")
    # and with it, it signs as the key the profile lists
    signer = load_signer(made.private_path, b"correct horse")
    assert signer.public.key == made.key and verify(made.key, b"x", signer.sign(b"x"))


def test_a_missing_key_says_how_to_make_one(tmp_path: Path):
    with pytest.raises(SigningKeyError, match="keys init"):
        load_signer(tmp_path / "none.pem")


def test_a_private_key_that_does_not_match_its_public_file_is_refused(tmp_path: Path):
    # given a public file copied from another key pair next to this private key
    mine = create_key("Chief", path=tmp_path / "mine.pem")
    theirs = create_key("Other", path=tmp_path / "theirs.pem")
    public_path(mine.private_path).write_text(theirs.approvers_table())
    with pytest.raises(SigningKeyError, match="does not match"):
        load_signer(mine.private_path)


def test_a_damaged_private_key_is_a_clear_error(tmp_path: Path):
    made = create_key("Chief", path=tmp_path / "chief.pem")
    made.private_path.write_bytes(b"-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n")
    with pytest.raises(SigningKeyError, match="cannot load the signing key"):
        load_signer(made.private_path)


def test_fingerprints_are_short_and_stable(tmp_path: Path):
    made = create_key("Chief", path=tmp_path / "chief.pem")
    assert fingerprint(made.key) == made.fingerprint and len(made.fingerprint) == 16
    assert fingerprint("nonsense") == "not-a-key"
