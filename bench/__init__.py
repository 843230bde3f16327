"""The performance benchmark: every command against its dispatch and storage floors, as the database grows.

Run ``python -m bench`` (``--quick`` for a three-minute version); see README.md, "Benchmark".
"""
