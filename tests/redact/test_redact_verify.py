"""The re-scan check of a redacted copy: what metadata a copy may not keep (issue 14 adds text fields and places)."""

from __future__ import annotations

import pytest

from media_screen.model import FactKind, FileReport, Metadata, MetadataFact, Verdict
from media_screen.redact import RedactOptions
from media_screen.redact.options import KeepMetadata
from media_screen.redact.verify import remaining_problems


def rescan_with(*facts: MetadataFact) -> FileReport:
    return FileReport(path="copy.jpg", verdict=Verdict.CLEAR, metadata=Metadata(facts=facts))


@pytest.mark.parametrize(
    "fact, said",
    [
        (MetadataFact(FactKind.TEXT, "IPTC Contact", "jroe@concordpd.org", "JPEG APP13 IPTC Contact"),
         "still carries a metadata text field: IPTC Contact"),
        (MetadataFact(FactKind.PLACE_TEXT, "Iptc4xmpCore:Location", "1350 Galindo St", "XMP"),
         "still carries a place name or address: Iptc4xmpCore:Location"),
    ],
)
def test_a_copy_that_keeps_a_text_field_or_a_place_fails(profile, fact, said):
    # given the re-scan of a copy that still holds a text field or a written place
    # when it is checked, then the copy fails and the problem names the field
    assert said in remaining_problems(rescan_with(fact), RedactOptions(), profile)


def test_a_copy_without_them_passes_and_kept_copyright_is_no_problem(profile):
    kept = MetadataFact(FactKind.OWNER_NAME, "Copyright", "City of Concord", "EXIF Copyright")
    assert remaining_problems(rescan_with(), RedactOptions(), profile) == ()
    options = RedactOptions(keep_metadata=frozenset({KeepMetadata.COPYRIGHT}))
    assert remaining_problems(rescan_with(kept), options, profile) == ()
