import pickle
from pathlib import Path

from PIL import Image

from media_screen.report.codec import decode, encode, report_from_json, report_to_json
from media_screen.config import ScanOptions
from media_screen.model import (
    Box,
    Detection,
    DetectionKind,
    FactKind,
    FileReport,
    Finding,
    Location,
    MediaInfo,
    MediaType,
    Metadata,
    MetadataFact,
    Section,
    SensitivePlaceHit,
    Severity,
    Verdict,
)
from media_screen.pipeline import Screener


def full_report() -> FileReport:
    """A report that uses every field, with awkward evidence values."""
    return FileReport(
        path="/media/ünïcode <b>.jpg",
        verdict=Verdict.DO_NOT_POST,
        sha256="ab" * 32,
        media=MediaInfo(MediaType.VIDEO, "MP4", 1920, 1080, 6, 12.5),
        metadata=Metadata(
            facts=(MetadataFact(FactKind.DEVICE_SERIAL, "EXIF BodySerialNumber", "123", "EXIF"),),
            location=Location(43.1, -71.5, "XMP", 12.0, "2024:01:01", "Concord", (SensitivePlaceHit("HQ", 10.5, 250.0),)),
        ),
        findings=(
            Finding("plate", Section.B10, Severity.BLOCK, "licence plate", {"box": [1.0, 2.0], "pair": (1, 2),
                                                                               "$odd": {"$t": "not a tag"}, "raw": b"\x00\xff"}),
        ),
        detections=(
            Detection(DetectionKind.PLATE, "ABC 123", 0.875, Box(1.5, 2.0, 30.25, 40.0), "plates", 1.5, 3.0,
                      {"text": "ABC 123", "cues": ("a", "b"), "nested": {"deep": [(1, 2.5)]}}),
        ),
        error=None,
        timings={"total": 0.25, "decode": 0.125},
        frames_analysed=13,
    )


def test_a_report_survives_json_exactly():
    # given a report that uses every field and tuple / bytes / $-key evidence
    report = full_report()
    # when it goes through JSON and back
    again = report_from_json(report_to_json(report))
    # then it is equal, with tuples still tuples
    assert again == report
    assert again.detections[0].evidence["cues"] == ("a", "b")
    assert again.findings[0].evidence["raw"] == b"\x00\xff"


def test_evidence_that_looks_like_a_tag_stays_data():
    evidence = {"$t": [1, 2], "$$x": "two dollars", "$b": "not base64"}
    report = FileReport(path="x", verdict=Verdict.REVIEW, findings=(Finding("r", Section.OTHER, Severity.INFO, "m", evidence),))
    again = report_from_json(report_to_json(report))
    assert dict(again.findings[0].evidence) == evidence


def test_an_error_report_survives_json():
    report = FileReport(path="x.jpg", verdict=Verdict.ERROR, error="image cannot be opened")
    assert report_from_json(report_to_json(report)) == report


def test_a_real_scan_round_trips(tmp_path: Path, profile):
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (40, 30), (20, 40, 60)).save(path)
    report = Screener(profile, ScanOptions(detectors=("metadata",))).scan_file(path)
    assert report_from_json(report_to_json(report)) == report


def test_encode_decode_work_for_nested_dataclasses():
    location = full_report().metadata.location
    assert decode(Location, encode(location)) == location


def test_frozen_objects_with_mappings_can_be_pickled_between_processes(profile):
    # MappingProxyType is not picklable by default; the codec registers a reducer
    assert pickle.loads(pickle.dumps(full_report())) == full_report()
    assert pickle.loads(pickle.dumps(profile)).digest == profile.digest
