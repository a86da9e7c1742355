"""The command line: `media-screen` (main.py) and its `protect` subcommands (protect.py). Only this package prints or exits."""
