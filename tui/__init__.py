"""The terminal faces of tocompress: the Textual dashboard (`tui.app`) and the command line (`tui.cli`)."""
