"""Loopback Discord emulator, gateway payload builders and terminal rendering, for tests and ``bot.py --offline``."""
