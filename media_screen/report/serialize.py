"""FileReport -> plain dicts: the stable `media-screen/1` JSON contract.

The path is kept exact (see report/text.py `to_json`); text read from inside a file is cleaned.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Sequence

from media_screen.model import Audience, Detection, FileReport, Finding, Location, Verdict
from media_screen.sanitize import clean_text

SCHEMA = "media-screen/1"


def _plain(value: Any) -> Any:
    """Evidence values as JSON-safe data; strings are cleaned of control characters."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return clean_text(value)


def location_dict(location: Location | None) -> dict | None:
    if location is None:
        return None
    return {
        "lat": round(location.lat, 7),
        "lon": round(location.lon, 7),
        "source": location.source,
        "place": location.place,
        "altitude_m": location.altitude_m,
        "gps_time": location.gps_time,
        "sensitive": [
            {"name": hit.name, "distance_m": hit.distance_m, "radius_m": hit.radius_m} for hit in location.sensitive
        ],
    }


def finding_dict(finding: Finding) -> dict:
    return {
        "rule": finding.rule,
        "section": finding.section.value,
        "severity": finding.severity.label,
        "message": clean_text(finding.message, 400),
        "evidence": _plain(finding.evidence),
    }


def detection_dict(detection: Detection) -> dict:
    return {
        "kind": detection.kind.value,
        "label": clean_text(detection.label),
        "score": round(detection.score, 4),
        "box": detection.box.as_list(),
        "time_s": detection.time_s,
        "end_s": detection.end_s,
        "detector": detection.detector,
        "evidence": _plain(detection.evidence),
    }


def analysed_dict(report: FileReport) -> dict | None:
    """The size the detectors saw (`--publish`); None when no pixel was analysed."""
    analysed = report.analysed
    if analysed is None:
        return None
    return {"publish": analysed.publish, "long_side": analysed.long_side, "width": analysed.width,
            "height": analysed.height}


def file_dict(report: FileReport) -> dict:
    media = report.media
    return {
        "path": report.path,  # exact: to_json escapes what is unsafe to print
        "sha256": report.sha256,
        "media_type": media.media_type.value if media else None,
        "format": media.format_name if media else None,
        "width": media.width if media else None,
        "height": media.height if media else None,
        "duration_s": media.duration_s if media else None,
        "frames_analysed": report.frames_analysed,
        "analysed": analysed_dict(report),
        "verdict": report.verdict.name,
        "error": clean_text(report.error, 400) if report.error else None,
        "location": location_dict(report.metadata.location),
        "metadata": [
            {"kind": f.kind.value, "key": clean_text(f.key), "value": clean_text(f.value), "source": f.source}
            for f in report.metadata.facts
        ],
        "findings": [finding_dict(f) for f in report.findings],
        "detections": [detection_dict(d) for d in report.detections],
        "timings_s": dict(report.timings),
    }


def summary(reports: Iterable[FileReport]) -> dict:
    verdicts = Counter(r.verdict for r in reports)
    return {
        "files": sum(verdicts.values()),
        "verdicts": {v.name: verdicts.get(v, 0) for v in Verdict},
    }


def document(reports: list[FileReport], audience: Audience, skipped: Sequence[Path] = ()) -> dict:
    """`skipped`: files found in folders that are not photos or videos (paths exact, like `files`)."""
    return {
        "schema": SCHEMA,
        "audience": audience.value,
        "files": [file_dict(r) for r in reports],
        "skipped": [str(path) for path in skipped],
        "summary": {**summary(reports), "skipped": len(skipped)},
    }


def skipped_line(count: int) -> str:
    """The summary's words for files a folder walk set aside."""
    if count == 1:
        return "skipped 1 file that is not a photo or video"
    return f"skipped {count} files that are not photos or videos"
