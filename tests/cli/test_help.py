"""Every command's help shows its text whole: rich markup must not eat a bracketed word such as [publish]."""

import re

import pytest
import typer.main
from typer.testing import CliRunner

from media_screen.cli.main import app

runner = CliRunner()


def _commands(command, path: tuple[str, ...] = ()):
    """(words after media-screen, command) for the app and every command under it (Typer's own click)."""
    yield path, command
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def _bracketed(text: str) -> list[str]:
    """Bracketed words of a help text as the reader should see them ('\\[publish]' is shown as '[publish]')."""
    return [match.replace("\\[", "[") for match in re.findall(r"\\?\[[A-Za-z_.\[]+\]+", text or "")]


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) or "media-screen" for p, _ in COMMANDS])
def test_bracketed_words_survive_in_the_rendered_help(path, command):
    # given: the bracketed words of this command's own help and its options' help
    texts = [command.help or ""] + [getattr(param, "help", "") or "" for param in command.params]
    wanted = [word for text in texts for word in _bracketed(text)]
    # when: the help is rendered, wide enough that no line is folded
    shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "400"}, terminal_width=400).stdout
    # then: every bracketed word is shown as written
    flat = " ".join(shown.split())
    assert [word for word in wanted if word not in flat] == []


def test_the_walk_reaches_the_options_that_name_profile_tables():
    helps = [getattr(param, "help", "") or "" for _, command in COMMANDS for param in command.params]
    assert sum("[" in text for text in helps) >= 3  # --publish, --cpus-per-worker, protect's --profile
