"""End-to-end tests: the bot as a separate process against the Discord emulator."""
