"""`python -m media_screen.train ...` is `media-screen train ...`."""

import sys

from media_screen.cli.main import app

app(["train", *sys.argv[1:]], prog_name="python -m media_screen.train")
