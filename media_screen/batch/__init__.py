"""Batch scans: many files screened in worker processes (scan.py), and what one worker does (worker.py)."""
