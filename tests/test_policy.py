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
    (NONE, [BADGE], Verdict.CLEAR, Verdict.PERMISSION_REQUIRED, Verdict.PERMISSION_REQUIRED),
    (NONE, [BADGE, FACE], Verdict.CLEAR, Verdict.PERMISSION_REQUIRED, Verdict.DO_NOT_POST),
    (NONE, [FACE], Verdict.CLEAR, Verdict.CLEAR, Verdict.CLEAR),
    (NONE, [det(DetectionKind.EXPLICIT)], Verdict.DO_NOT_POST, Verdict.DO_NOT_POST, Verdict.DO_NOT_POST),
    (NONE, [det(DetectionKind.CONFIDENTIAL_TEXT)], Verdict.DO_NOT_POST, Verdict.DO_NOT_POST, Verdict.DO_NOT_POST),
    (NONE, [det(DetectionKind.INVESTIGATION_TEXT)], Verdict.REVIEW, Verdict.DO_NOT_POST, Verdict.DO_NOT_POST),
    (NONE, [det(DetectionKind.PLATE)], Verdict.REVIEW, Verdict.REVIEW, Verdict.DO_NOT_POST),
    (NONE, [det(DetectionKind.BADGE, score=0.1)], Verdict.CLEAR, Verdict.CLEAR, Verdict.CLEAR),  # below threshold
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
