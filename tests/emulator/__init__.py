"""Tests of the Discord emulator, its renderer/parser and offline mode."""
