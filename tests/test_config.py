from pathlib import Path

import pytest

from media_screen.config import default_profile_text, load_profile, parse_profile
from media_screen.errors import ProfileError
from media_screen.model import Audience, Section, Severity


def test_builtin_profile_loads_with_every_rule_for_every_audience(profile):
    # given the built-in Concord PD profile / then every rule has a severity for every audience
    assert profile.department == "Concord Police Department"
    for rule in profile.rules.values():
        assert set(rule.severity) == set(Audience)


def test_builtin_profile_maps_department_items_to_b2(profile):
    assert profile.rules[profile.detection_rules["badge"]].section == Section.B2


def test_edited_copy_is_used(tmp_path: Path):
    # given a copy with the covert location rule relaxed
    text = default_profile_text().replace('covert = "block"', 'covert = "review"', 1)
    path = tmp_path / "profile.toml"
    path.write_text(text)
    # when loaded / then the change is visible and the digest differs
    edited = load_profile(path)
    assert edited.rules["location"].severity[Audience.COVERT] == Severity.REVIEW
    assert edited.digest != load_profile().digest


def test_invalid_toml_is_a_profile_error(tmp_path: Path):
    with pytest.raises(ProfileError):
        parse_profile("this is = = not toml", tmp_path)


def test_unknown_severity_is_a_profile_error(tmp_path: Path):
    text = '[rules.x]\nsection = "B.2"\nofficial = "maybe"\npersonal = "info"\ncovert = "info"\n'
    with pytest.raises(ProfileError):
        parse_profile(text, tmp_path)


def test_detection_kind_mapped_to_missing_rule_is_a_profile_error(tmp_path: Path):
    with pytest.raises(ProfileError, match="unknown rule"):
        parse_profile('[detection_rules]\nface = "nope"\n', tmp_path)


def test_missing_profile_file_is_a_profile_error(tmp_path: Path):
    with pytest.raises(ProfileError):
        load_profile(tmp_path / "absent.toml")


APPROVER_KEY = "ed25519:" + "A" * 43 + "="  # 32 zero bytes, written as a profile writes a key


def test_approvers_are_read_into_the_profile():
    text = default_profile_text() + f'\n[[approvers]]\nname = "Chief R. Example"\nkey = "{APPROVER_KEY}"\n'
    (approver,) = parse_profile(text, Path(".")).approvers
    assert approver.name == "Chief R. Example" and approver.key == APPROVER_KEY


def test_the_built_in_profile_trusts_no_approver(profile):
    assert profile.approvers == ()


@pytest.mark.parametrize(
    "table, message",
    [
        ('name = "Chief"\nkey = "ed25519:not base64"', "not valid base64"),
        ('name = "Chief"\nkey = "rsa:AAAA"', "ed25519:<base64>"),
        ('name = "Chief"\nkey = "ed25519:AAAA"', "3 bytes"),
        (f'key = "{APPROVER_KEY}"', "needs a name and a key"),
    ],
)
def test_a_malformed_approver_is_a_profile_error(table, message):
    with pytest.raises(ProfileError, match=message):
        parse_profile(default_profile_text() + f"\n[[approvers]]\n{table}\n", Path("."))


def test_the_same_key_listed_twice_is_a_profile_error():
    table = f'\n[[approvers]]\nname = "A"\nkey = "{APPROVER_KEY}"\n'
    with pytest.raises(ProfileError, match="listed twice"):
        parse_profile(default_profile_text() + table + table.replace('"A"', '"B"'), Path("."))


def test_the_built_in_profile_publishes_at_facebook_size_by_default(profile):
    # given the built-in profile / then each platform has its long side and facebook is the default
    from media_screen.config import PublishTarget

    assert profile.publish_default == PublishTarget.FACEBOOK
    assert profile.publish_long_side(None) == 2048
    assert [profile.publish_long_side(t) for t in PublishTarget] == [2048, 1080, 4096, None]


def test_a_profile_may_change_a_platform_size_and_the_default():
    from media_screen.config import PublishTarget

    text = default_profile_text().replace('default = "facebook"\nfacebook = 2048', 'default = "x"\nfacebook = 1600')
    edited = parse_profile(text, Path("."))
    assert edited.publish_default == PublishTarget.X and edited.publish_long_side(None) == 4096
    assert edited.publish_long_side(PublishTarget.FACEBOOK) == 1600


@pytest.mark.parametrize(
    "table, message",
    [
        ("myspace = 800", "no platform"),
        ("facebook = 10", "at least 64"),
        ('facebook = "big"', "long side in pixels"),
        ("full = 4000", "long side in pixels"),
        ('default = "tiktok"', "choose from"),
    ],
)
def test_a_bad_publish_table_is_a_profile_error(table, message):
    text = default_profile_text().replace('[publish]\ndefault = "facebook"\nfacebook = 2048\n', f"[publish]\n{table}\n")
    with pytest.raises(ProfileError, match=message):
        parse_profile(text, Path("."))
