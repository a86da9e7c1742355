"""Subtitles, chapter titles and sound (media_screen/metadata/streams.py, through read_metadata)."""

from __future__ import annotations

import pytest
from video_support import clip_with_audio, marker_clip, with_subtitles

from media_screen.errors import UnsupportedMediaError
from media_screen.inputs.source import Source
from media_screen.metadata import read_metadata, streams
from media_screen.model import FactKind


def test_every_cue_is_a_text_fact_naming_its_track_and_time(tmp_path, profile):
    # given a clip whose subtitles name an undercover officer and say CONFIDENTIAL
    path = with_subtitles(tmp_path, [("00:00:00,500", "00:00:01,500", "Undercover officer Mike Diaz"),
                                     ("00:00:01,600", "00:00:02,000", "CONFIDENTIAL")])
    # when its metadata is read
    with Source.open(path) as source:
        facts = read_metadata(source, profile).of_kind(FactKind.TEXT)
    # then each cue is a text fact, in order, saying which track and when it is shown
    cues = [(f.value, f.source) for f in facts if f.key == "subtitle"]
    assert cues == [("Undercover officer Mike Diaz", "subtitle track 1 (language not stated) at 0.5 s"),
                    ("CONFIDENTIAL", "subtitle track 1 (language not stated) at 1.6 s")]


def test_a_clip_without_subtitles_gives_none(tmp_path, profile):
    path = marker_clip(tmp_path / "plain.mkv", seconds=1.0, container_format="matroska")
    with Source.open(path) as source:
        assert [f for f in read_metadata(source, profile).facts if f.key == "subtitle"] == []


def test_more_cues_than_can_be_screened_fail_closed(tmp_path, profile, monkeypatch):
    # given a clip with two cues, where the bound is one
    monkeypatch.setattr(streams, "MAX_CUES", 1)
    path = with_subtitles(tmp_path, [("00:00:00,100", "00:00:00,400", "one"), ("00:00:00,500", "00:00:00,900", "two")])
    # when its metadata is read / then it refuses, rather than screen part of the text
    with Source.open(path) as source, pytest.raises(UnsupportedMediaError, match="more than 1 subtitle cues"):
        read_metadata(source, profile)


def test_a_sound_track_is_a_fact_that_says_it_is_not_screened(tmp_path, profile):
    from media_screen.model import Audience, Severity
    from media_screen.policy import evaluate

    # given a clip with sound
    path = clip_with_audio(tmp_path / "talk.mp4")
    # when its metadata is read and judged
    with Source.open(path) as source:
        metadata = read_metadata(source, profile)
    # then the sound track is a fact, and for a covert officer a finding to review (a voice can identify)
    [sound] = metadata.of_kind(FactKind.AUDIO)
    assert sound.value == "audio track 1 (mp4a)"  # the box walk names the sample entry
    [finding] = [f for f in evaluate(metadata, (), Audience.COVERT, profile) if f.rule == "audio_not_screened"]
    assert finding.severity == Severity.REVIEW


def test_a_drones_telemetry_subtitles_are_its_location_not_text(tmp_path, profile):
    # given a drone clip whose subtitle track is its telemetry, a cue a frame, without a fix at first (DJI's newer format)
    cues = [(f"00:00:00,{ms:03d}", f"00:00:00,{ms + 99:03d}",
             f"FrameCnt: {n} [iso: 100] [latitude: {lat}] [longitude: {lon}] [rel_alt: 1.2 abs_alt: 20.0]")
            for n, (ms, lat, lon) in enumerate([(0, "0.000000", "0.000000"), (100, "37.978000", "-122.031300"),
                                                (200, "37.978100", "-122.031200")], 1)]
    path = with_subtitles(tmp_path, cues)
    # when its metadata is read
    with Source.open(path) as source:
        metadata = read_metadata(source, profile)
    # then the first fix away from 0/0 is the video's location, the track a location track, and no cue is text
    assert (metadata.location.lat, metadata.location.lon) == (37.978, -122.0313)
    assert metadata.location.source == "subtitle track 1 telemetry (first fix at 0.1 s)"
    assert len(metadata.of_kind(FactKind.LOCATION_TRACK)) == 1
    assert [f for f in metadata.facts if f.key == "subtitle"] == []


def test_the_older_drone_telemetry_format_gives_longitude_first():
    from media_screen.metadata.streams import telemetry_fix

    assert telemetry_fix("HOME(-122.0300,37.9700) 2017.08.05 14:11:51\nGPS(-122.0313,37.9780,20) ISO:100") == (
        37.978, -122.0313)
    assert telemetry_fix("Undercover officer Mike Diaz") is None

