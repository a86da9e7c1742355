"""The HTML review report: one self-contained file (inline CSS and JS, images as data: URIs).

A summary at the top, filters by verdict and GO 07.08 section, then one card per file with its
verdict, a thumbnail with the detections drawn, evidence crops, and each finding's section,
severity, reason and (video) time range. Every string from a file (path, metadata, OCR text) is
escaped, and a Content-Security-Policy forbids any fetch, so hostile text can neither run nor
phone home. `iter_html` yields the page in pieces so a large report can be written as it renders.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from media_screen.model import Audience, FileReport, Finding, MediaType, Section, Verdict
from media_screen.policy import format_time
from media_screen.report.serialize import skipped_line
from media_screen.sanitize import clean_text
from media_screen.report.thumbnails import Pictures


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d1f23}
header,#summary,#skipped,#files{max-width:1100px;margin:0 auto;padding:8px 16px}
h1{font-size:22px;margin:16px 0 4px}
.meta{color:#555;margin:0}
table{border-collapse:collapse}
td,th{padding:3px 8px;text-align:left;vertical-align:top;border-bottom:1px solid #ddd}
.verdict{display:inline-block;padding:1px 8px;border-radius:4px;font-weight:600;color:#fff;font-size:12px}
.v-CLEAR{background:#2e8b57}.v-REVIEW{background:#d98c00}.v-PERMISSION_REQUIRED{background:#b03ab0}
.v-DO_NOT_POST{background:#c8102e}.v-ERROR{background:#333}
.s-block{color:#c8102e;font-weight:600}.s-permission{color:#b03ab0;font-weight:600}
.s-review{color:#b37400;font-weight:600}.s-info{color:#777}
.filters{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin:8px 0}
.filters label{white-space:nowrap}
.file{background:#fff;border-radius:6px;box-shadow:0 1px 2px rgba(0,0,0,.15);margin:12px 0;padding:10px 14px}
.file h2{font-size:15px;margin:0 0 6px;word-break:break-all}
.body{display:flex;gap:14px;align-items:flex-start}
.thumb{max-width:360px;border:1px solid #ccc}
.nothumb{width:200px;color:#777;font-style:italic}
.crops{display:flex;flex-wrap:wrap;gap:8px;margin-top:6px}
.crops figure{margin:0;font-size:11px;max-width:170px}
.crops img{min-width:48px;min-height:48px;max-width:160px;border:1px solid #ccc;image-rendering:pixelated}
.error{color:#c8102e}
.approved{color:#2e6b2e}
.evidence{color:#555;font-size:12px}
.hidden{display:none}
"""

_JS = """
(function(){
  var cards = Array.prototype.slice.call(document.querySelectorAll('article.file'));
  var summary = document.getElementById('summary');
  var counts = {};
  cards.forEach(function(card){ var v = card.dataset.verdict; counts[v] = (counts[v] || 0) + 1; });
  summary.dataset.jsFiles = String(cards.length);
  Object.keys(counts).forEach(function(v){
    summary.setAttribute('data-js-' + v.toLowerCase().replace(/_/g, '-'), String(counts[v]));
  });
  var order = Array.prototype.map.call(document.querySelectorAll('#verdict-filter input'), function(b){ return b.value; });
  var parts = order.filter(function(v){ return counts[v]; }).map(function(v){ return counts[v] + ' ' + v; });
  document.getElementById('js-summary').textContent =
      cards.length + ' file(s) in this report: ' + (parts.join(', ') || 'none');
  function apply(){
    var verdicts = {};
    document.querySelectorAll('#verdict-filter input').forEach(function(box){ verdicts[box.value] = box.checked; });
    var section = document.getElementById('section-filter').value;
    var shown = 0;
    cards.forEach(function(card){
      var sections = (card.dataset.sections || '').split('|');
      var visible = verdicts[card.dataset.verdict] !== false && (section === '' || sections.indexOf(section) >= 0);
      card.classList.toggle('hidden', !visible);
      if (visible) { shown += 1; }
    });
    document.getElementById('shown-count').textContent = String(shown);
    summary.dataset.jsShown = String(shown);
  }
  document.querySelectorAll('#verdict-filter input, #section-filter').forEach(function(el){
    el.addEventListener('change', apply);
  });
  // a link can open a filtered view: report.html#verdict=ERROR,DO_NOT_POST&section=B.2
  location.hash.replace(/^#/, '').split('&').forEach(function(pair){
    var kv = pair.split('='), value = decodeURIComponent(kv[1] || '');
    if (kv[0] === 'verdict') {
      var wanted = value.split(',');
      document.querySelectorAll('#verdict-filter input').forEach(function(box){
        box.checked = wanted.indexOf(box.value) >= 0;
      });
    } else if (kv[0] === 'section') {
      var select = document.getElementById('section-filter');
      if (Array.prototype.some.call(select.options, function(o){ return o.value === value; })) { select.value = value; }
    }
  });
  apply();
  document.body.dataset.rendered = 'yes';
})();
"""

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"


def _e(value: object, max_len: int = 400) -> str:
    """Clean (control and bidi characters out, length capped) then escape for HTML text or attributes."""
    return html.escape(clean_text(value, max_len), quote=True)


def _data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def render_html(
    reports: Sequence[FileReport],
    audience: Audience,
    pictures: Iterable[Pictures | None] | None = None,
    title: str = "",
    skipped: Sequence[Path] = (),
) -> str:
    return "".join(iter_html(reports, audience, pictures, title, skipped))


def iter_html(
    reports: Sequence[FileReport],
    audience: Audience,
    pictures: Iterable[Pictures | None] | None = None,
    title: str = "",
    skipped: Sequence[Path] = (),
) -> Iterator[str]:
    """The page in pieces; `pictures` (e.g. thumbnails.iter_pictures) gives one Pictures per report, in order.

    `skipped`: files found in folders that are not photos or videos, listed after the summary.
    """
    heading = title or "media-screen report"
    generated = datetime.now(timezone.utc).isoformat(timespec="seconds")
    yield (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_CSP}\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{_e(heading)}</title><style>{_CSS}</style></head><body>\n"
        f"<header><h1>{_e(heading)}</h1><p class=\"meta\">GO 07.08 screening for audience "
        f"<b>{_e(audience.value)}</b>; generated {_e(generated)}</p></header>\n"
    )
    yield _summary(reports)
    if skipped:
        yield _skipped(skipped)
    yield "<main id=\"files\">\n"
    pictures_of = iter(pictures) if pictures is not None else itertools.repeat(None)
    for number, (report, report_pictures) in enumerate(zip(reports, pictures_of), 1):
        yield _card(number, report, report_pictures)
    yield f"</main>\n<script>{_JS}</script>\n</body></html>\n"


def _sections(report: FileReport) -> list[str]:
    return sorted({f.section.value for f in report.findings if f.section != Section.OTHER})


def _summary(reports: Sequence[FileReport]) -> str:
    verdicts = Counter(r.verdict for r in reports)
    sections = Counter(s for r in reports for s in _sections(r))
    rows = "".join(
        f"<tr><td><span class=\"verdict v-{v.name}\">{v.name}</span></td>"
        f"<td class=\"count\" data-verdict=\"{v.name}\">{verdicts.get(v, 0)}</td></tr>"
        for v in sorted(Verdict, reverse=True)
    )
    boxes = "".join(
        f"<label><input type=\"checkbox\" value=\"{v.name}\" checked> {v.name} ({verdicts.get(v, 0)})</label>"
        for v in sorted(Verdict, reverse=True)
    )
    options = "".join(
        f"<option value=\"{_e(s)}\">{_e(s)} ({count})</option>" for s, count in sorted(sections.items())
    )
    return (
        f"<section id=\"summary\" data-files=\"{len(reports)}\"><h2>Summary</h2>"
        f"<table>{rows}<tr><th>files</th><th>{len(reports)}</th></tr></table>"
        "<p id=\"js-summary\">(the summary and filters need JavaScript)</p>"
        f"<div class=\"filters\"><fieldset id=\"verdict-filter\"><legend>verdict</legend>{boxes}</fieldset>"
        f"<label>GO 07.08 section <select id=\"section-filter\"><option value=\"\">any</option>{options}"
        "</select></label></div>"
        f"<p>Showing <span id=\"shown-count\">{len(reports)}</span> of {len(reports)} files.</p></section>\n"
    )


def _skipped(skipped: Sequence[Path]) -> str:
    items = "".join(f"<li>{_e(path, 4096)}</li>" for path in skipped)
    return (
        f"<section id=\"skipped\" data-skipped=\"{len(skipped)}\"><details><summary>{_e(skipped_line(len(skipped)))}"
        f" (no photo or video name or content; not screened)</summary><ul>{items}</ul></details></section>\n"
    )


def _card(number: int, report: FileReport, pictures: Pictures | None) -> str:
    sections = "|".join(_sections(report))
    parts = [
        f"<article class=\"file\" id=\"file-{number}\" data-verdict=\"{report.verdict.name}\" "
        f"data-sections=\"{_e(sections)}\">",
        f"<h2><span class=\"verdict v-{report.verdict.name}\">{report.verdict.name}</span> {_e(report.path, 4096)}</h2>",
        f"<p class=\"meta\">{_e(_media_line(report), 600)}</p>",
    ]
    if report.error:
        parts.append(f"<p class=\"error\">error: {_e(report.error)}</p>")
    parts.append("<div class=\"body\">")
    parts.append(_thumbnail(report, pictures))
    parts.append("<div>")
    parts.append(_findings(report.findings))
    if pictures and pictures.crops:
        parts.append("<div class=\"crops\">")
        for crop in pictures.crops:
            caption = f"{crop.detection.label} {crop.detection.score:.2f} ({crop.detection.kind.value})"
            when = _when(crop.detection.time_s, crop.detection.end_s)
            parts.append(
                f"<figure><img src=\"{_data_uri(crop.jpeg)}\" alt=\"evidence: {_e(caption)}\">"
                f"<figcaption>{_e(caption)}{' at ' + when if when else ''}</figcaption></figure>"
            )
        parts.append("</div>")
    parts.append("</div></div></article>\n")
    return "".join(parts)


def _media_line(report: FileReport) -> str:
    bits = []
    media = report.media
    if media:
        bits.append(media.format_name)
        if media.width:
            bits.append(f"{media.width}x{media.height}")
        if media.duration_s is not None:
            bits.append(f"duration {format_time(media.duration_s)}")
    if report.analysed:
        bits.append(f"analysed at {report.analysed.width}x{report.analysed.height} (publish: {report.analysed.publish})")
    if report.frames_analysed and media and media.duration_s is not None:
        bits.append(f"{report.frames_analysed} frames analysed")
    elif report.frames_analysed and media and media.media_type == MediaType.TIFF and report.frames_analysed > 1:
        bits.append(f"{report.frames_analysed} pages analysed")
    if report.sha256:
        bits.append(f"sha256 {report.sha256}")
    return " · ".join(bits)


def _thumbnail(report: FileReport, pictures: Pictures | None) -> str:
    if pictures and pictures.thumbnail:
        at = f" (frame at {format_time(pictures.frame_time_s)})" if pictures.frame_time_s is not None else ""
        return (
            f"<figure style=\"margin:0\"><img class=\"thumb\" src=\"{_data_uri(pictures.thumbnail)}\" "
            f"alt=\"thumbnail with detections\"><figcaption class=\"meta\">{_e(at)}</figcaption></figure>"
        )
    reason = pictures.problem if pictures and pictures.problem else "no thumbnail"
    return f"<div class=\"nothumb\">{_e(reason)}</div>"


def _findings(findings: Iterable[Finding]) -> str:
    rows = []
    for finding in findings:
        evidence = finding.evidence
        when = _when(evidence.get("time_s"), evidence.get("end_s"))
        approved = ""
        if evidence.get("approved_by"):
            approved = (
                f"<div class=\"approved\">approved by {_e(evidence['approved_by'])} on "
                f"{_e(evidence.get('approved_at', ''))}"
                f"{': ' + _e(evidence['approval_note']) if evidence.get('approval_note') else ''}</div>"
            )
        rows.append(
            f"<tr data-section=\"{_e(finding.section.value)}\"><td>{_e(finding.section.value)}</td>"
            f"<td class=\"s-{finding.severity.label}\">{finding.severity.label}</td>"
            f"<td>{_e(finding.message)}{approved}<div class=\"evidence\">{_evidence(evidence)}</div></td>"
            f"<td>{_e(when)}</td></tr>"
        )
    if not rows:
        return "<p class=\"meta\">No findings.</p>"
    return (
        "<table class=\"findings\"><tr><th>GO 07.08</th><th>severity</th><th>reason</th><th>time</th></tr>"
        + "".join(rows)
        + "</table>"
    )


_EVIDENCE_HIDDEN = {"time_s", "end_s", "approved_by", "approved_at", "approval_note"}


def _evidence(evidence: Mapping[str, Any]) -> str:
    items = []
    for key, value in evidence.items():
        if key in _EVIDENCE_HIDDEN:
            continue
        text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
        items.append(f"{_e(key, 60)}: {_e(text, 160)}")
    return "; ".join(items)


def _when(start: object, end: object) -> str:
    if not isinstance(start, (int, float)):
        return ""
    if isinstance(end, (int, float)) and end > start:
        return f"{format_time(start)}-{format_time(end)}"
    return format_time(start)


__all__ = ["render_html", "iter_html"]
