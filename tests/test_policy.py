"""The policy engine, table-driven: given facts and detections, when evaluated per audience, then this verdict."""

import pytest

from media_screen.model import (
    Audience,
    Box,
    Detection,
    DetectionKind,
    FactKind,
    Location,
    Metadata,
    MetadataFact,
    Section,
    SensitivePlaceHit,
    Verdict,
)
from media_screen.policy import evaluate, format_time, verdict_of

GPS = Metadata(location=Location(43.4, 11.9, "EXIF GPS IFD", place="Arezzo"))
GPS_IN_STATION = Metadata(
    location=Location(37.97, -122.03, "EXIF GPS IFD", sensitive=(SensitivePlaceHit("HQ", 20.0, 250.0),))
)
SERIAL = Metadata(facts=(MetadataFact(FactKind.DEVICE_SERIAL, "BodySerialNumber", "123", "EXIF"),))
MOTION_PHOTO = Metadata(facts=(MetadataFact(FactKind.EMBEDDED_VIDEO, "motion photo", "isom video of 9 bytes from byte 9",
                                            "embedded video after the picture"),))
SOUND = Metadata(facts=(MetadataFact(FactKind.AUDIO, "sound", "audio track 1 (aac)", "streams"),))
NONE = Metadata()


def det(kind: DetectionKind, score: float = 0.9) -> Detection:
    return Detection(kind, kind.value, score, Box(0, 0, 10, 10), "test")


BADGE, FACE = det(DetectionKind.BADGE), det(DetectionKind.FACE)

CASES = [
    # metadata, detections, official, personal, covert
    (NONE, [], Verdict.CLEAR, Verdict.CLEAR, Verdict.CLEAR),
    (GPS, [], Verdict.REVIEW, Verdict.REVIEW, Verdict.DO_NOT_POST),
    (GPS_IN_STATION, [], Verdict.DO_NOT_POST, Verdict.DO_NOT_POST, Verdict.DO_NOT_POST),
    (SERIAL, [], Verdict.CLEAR, Verdict.REVIEW, Verdict.REVIEW),
    # a video hidden after the picture: its sound is not screened, and an official post should mean to carry it
    (MOTION_PHOTO, [], Verdict.REVIEW, Verdict.CLEAR, Verdict.REVIEW),
    # a video's sound is not screened: a covert officer's own voice can identify them
    (SOUND, [], Verdict.CLEAR, Verdict.CLEAR, Verdict.REVIEW),
    (NONE, [BADGE], Verdict.CLEAR, Verdict.PERMISSION_REQUIRED, Verdict.PERMISSION_REQUIRED),
    (NONE, [BADGE, FACE], Verdict.CLEAR, Verdict.PERMISSION_REQUIRED, Verdict.DO_NOT_POST),
    (NONE, [FACE], Verdict.CLEAR, Verdict.CLEAR, Verdict.CLEAR),
    (NONE, [det(DetectionKind.EXPLICIT)], Verdict.DO_NOT_POST, Verdict.DO_NOT_POST, Verdict.DO_NOT_POST),
    (NONE, [det(DetectionKind.CONFIDENTIAL_TEXT)], Verdict.DO_NOT_POST, Verdict.DO_NOT_POST, Verdict.DO_NOT_POST),
    (NONE, [det(DetectionKind.INVESTIGATION_TEXT)], Verdict.REVIEW, Verdict.DO_NOT_POST, Verdict.DO_NOT_POST),
    (NONE, [det(DetectionKind.PLATE)], Verdict.REVIEW, Verdict.REVIEW, Verdict.DO_NOT_POST),
    (NONE, [det(DetectionKind.BADGE, score=0.1)], Verdict.CLEAR, Verdict.CLEAR, Verdict.CLEAR),  # below threshold
    # B.5 weapons: a seized-weapon photo is for review; beside a face or a police item, not for a personal post
    (NONE, [det(DetectionKind.WEAPON)], Verdict.REVIEW, Verdict.REVIEW, Verdict.REVIEW),
    (NONE, [det(DetectionKind.WEAPON), FACE], Verdict.REVIEW, Verdict.DO_NOT_POST, Verdict.DO_NOT_POST),
    (NONE, [det(DetectionKind.WEAPON), BADGE], Verdict.REVIEW, Verdict.DO_NOT_POST, Verdict.DO_NOT_POST),
    (NONE, [det(DetectionKind.WEAPON, score=0.3), FACE], Verdict.CLEAR, Verdict.CLEAR, Verdict.CLEAR),  # below threshold
]


@pytest.mark.parametrize("metadata, detections, official, personal, covert", CASES)
def test_verdict_per_audience(profile, metadata, detections, official, personal, covert):
    for audience, expected in ((Audience.OFFICIAL, official), (Audience.PERSONAL, personal), (Audience.COVERT, covert)):
        findings = evaluate(metadata, detections, audience, profile)
        assert verdict_of(findings) == expected, (audience, [f.message for f in findings])


def test_gps_for_official_says_strip_location(profile):
    findings = evaluate(GPS, [], Audience.OFFICIAL, profile)
    assert any("strip location before posting" in f.message for f in findings)


def test_department_item_finding_cites_b2_with_the_box_as_evidence(profile):
    findings = evaluate(NONE, [BADGE], Audience.PERSONAL, profile)
    b2 = [f for f in findings if f.section == Section.B2]
    assert b2 and b2[0].evidence["box"] == [0.0, 0.0, 10.0, 10.0]


def test_face_with_police_items_cites_b10_for_covert(profile):
    findings = evaluate(NONE, [BADGE, FACE], Audience.COVERT, profile)
    assert any(f.section == Section.B10 and f.rule == "department_item_with_face" for f in findings)


def test_error_is_never_clear():
    assert verdict_of([], error="truncated") == Verdict.ERROR


def test_findings_come_worst_first(profile):
    findings = evaluate(GPS, [BADGE], Audience.COVERT, profile)
    assert [f.severity for f in findings] == sorted((f.severity for f in findings), reverse=True)


@pytest.mark.parametrize("seconds, text", [(0, "00:00:00.000"), (3.2, "00:00:03.200"), (3723.5, "01:02:03.500")])
def test_format_time(seconds, text):
    assert format_time(seconds) == text


# --- text fields, places written as text and captions (issue 14) -----------------------------------------


def text(key: str, value: str, kind: FactKind = FactKind.TEXT) -> MetadataFact:
    return MetadataFact(kind, key, value, f"XMP {key}")


TEXT_CASES = [
    # metadata text, official, personal, covert
    (text("photoshop:AuthorsPosition", "Undercover detective"), Verdict.CLEAR, Verdict.REVIEW, Verdict.DO_NOT_POST),
    (text("IPTC Contact", "jroe@concordpd.org"), Verdict.CLEAR, Verdict.REVIEW, Verdict.DO_NOT_POST),
    (text("IPTC Credit", "Concord PD"), Verdict.CLEAR, Verdict.REVIEW, Verdict.DO_NOT_POST),
    (text("IPTC Caption-Abstract", "Internal Affairs hearing"), Verdict.DO_NOT_POST, Verdict.DO_NOT_POST,
     Verdict.DO_NOT_POST),
    (text("dc:subject", "sunset; 1488"), Verdict.DO_NOT_POST, Verdict.DO_NOT_POST, Verdict.DO_NOT_POST),
    (text("dc:description", "CONFIDENTIAL draft"), Verdict.DO_NOT_POST, Verdict.DO_NOT_POST, Verdict.DO_NOT_POST),
    (text("dc:description", "Evidence room tour"), Verdict.REVIEW, Verdict.DO_NOT_POST, Verdict.DO_NOT_POST),
    (text("IPTC City", "Walnut Creek", FactKind.PLACE_TEXT), Verdict.REVIEW, Verdict.REVIEW, Verdict.DO_NOT_POST),
    (text("Iptc4xmpCore:Location", "HQ", FactKind.PLACE_SENSITIVE), Verdict.DO_NOT_POST, Verdict.DO_NOT_POST,
     Verdict.DO_NOT_POST),
    (text("dc:description", "Sunset over the hills"), Verdict.CLEAR, Verdict.CLEAR, Verdict.CLEAR),
]


@pytest.mark.parametrize("fact, official, personal, covert", TEXT_CASES)
def test_metadata_text_verdict_per_audience(profile, fact, official, personal, covert):
    # given one text field, when evaluated for each audience, then this verdict
    metadata = Metadata(facts=(fact,))
    for audience, expected in ((Audience.OFFICIAL, official), (Audience.PERSONAL, personal), (Audience.COVERT, covert)):
        assert verdict_of(evaluate(metadata, [], audience, profile)) == expected, (audience, fact)


def test_a_metadata_text_finding_names_the_field_quotes_it_and_the_rule(profile):
    [finding] = evaluate(Metadata(facts=(text("IPTC Contact", "jroe@example.com"),)), [], Audience.COVERT, profile)
    assert finding.rule == "identifying_text" and finding.section == Section.B10
    assert 'XMP IPTC Contact: "jroe@example.com"' in finding.message
    assert finding.evidence["field"] == "IPTC Contact" and finding.evidence["matched"] == "JROE@EXAMPLE.COM"


def test_a_guilt_statement_in_the_caption_is_review_for_official_with_the_words_quoted(profile):
    # given a caption naming an arrestee who "confessed"
    captions = [("caption (--caption)", "Jane Doe, arrested Tuesday, confessed to the burglary.")]
    # when evaluated for each audience
    verdicts = {a: verdict_of(evaluate(NONE, [], a, profile, captions)) for a in Audience}
    [finding] = evaluate(NONE, [], Audience.OFFICIAL, profile, captions)
    # then official reviews it (A.4.b), personal and covert may not post it, and the words are quoted
    assert verdicts == {Audience.OFFICIAL: Verdict.REVIEW, Audience.PERSONAL: Verdict.DO_NOT_POST,
                        Audience.COVERT: Verdict.DO_NOT_POST}
    assert finding.section == Section.A4B
    assert '"Jane Doe, arrested Tuesday, confessed to the burglary."' in finding.message
    assert "naming Jane Doe" in finding.message


def test_the_same_match_in_two_fields_is_one_finding(profile):
    facts = (text("IPTC Contact", "jroe@concordpd.org"), text("Iptc4xmpCore:CiEmailWork", "JROE@concordpd.org"))
    findings = evaluate(Metadata(facts=facts), [], Audience.COVERT, profile)
    assert sorted(f.rule for f in findings) == ["identifying_text", "police_text_in_metadata"]


def test_a_weapon_beside_a_face_names_both_under_b5(profile):
    # given a handgun and a face in one photo
    weapon = Detection(DetectionKind.WEAPON, "handgun", 0.9, Box(0, 0, 10, 10), "weapons")
    # when evaluated for a personal post
    findings = evaluate(NONE, [weapon, FACE], Audience.PERSONAL, profile)
    # then the combined finding blocks it under B.5 and says what appeared with what
    combined = [f for f in findings if f.rule == "weapon_with_face_or_police_item"]
    assert len(combined) == 1 and combined[0].section == "B.5" and "handgun with face" in combined[0].message
