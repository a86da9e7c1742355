"""`redact --what protected`: hides the enrolled face, keeps the others, and the re-scan finds no match."""

from __future__ import annotations

import cv2
import numpy as np
from typer.testing import CliRunner

from media_screen.cli.main import app
from media_screen.config import load_profile
from media_screen.detectors.faces import FaceDetector
from media_screen.model import Frame

runner = CliRunner()


def test_only_the_recognised_face_is_masked(tmp_path, passphrase, astronaut_path, astronaut, hopper):
    from media_screen.config import default_profile_text

    profile = tmp_path / "profile.toml"
    profile.write_text(default_profile_text().replace('\nwatchlist = ""\n', '\nwatchlist = "team.watchlist"\n'))
    assert runner.invoke(app, ["protect", "enroll", "Officer A", str(astronaut_path), "--profile", str(profile)]).exit_code == 0
    # given a picture of the enrolled astronaut (mirrored) beside Grace Hopper
    picture = tmp_path / "in" / "post.png"
    picture.parent.mkdir()
    canvas = np.full((620, 1100, 3), 90, np.uint8)
    canvas[50:562, 20:532] = astronaut[:, ::-1]
    canvas[10:610, 560:1072] = hopper
    cv2.imwrite(str(picture), canvas)
    before = picture.read_bytes()
    # when only protected faces are redacted
    out = tmp_path / "out"
    result = runner.invoke(app, ["redact", str(picture), "--out", str(out), "--what", "protected",
                                 "--profile", str(profile), "--format", "json"])
    # then the copy is written, the input untouched, the astronaut's face gone and Hopper's kept
    assert result.exit_code == 0, result.output
    assert picture.read_bytes() == before
    copies = list(out.rglob("*.png"))
    assert len(copies) == 1
    copy = cv2.imread(str(copies[0]), cv2.IMREAD_COLOR)
    faces = [d for d in FaceDetector.from_profile(load_profile()).detect(Frame(copy)) if d.score >= 0.5]
    assert len(faces) == 1 and faces[0].box.x1 > 560  # only Hopper's face is still a face
    assert "protected person recognised" not in result.stdout
