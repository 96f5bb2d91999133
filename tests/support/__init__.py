"""Test doubles and decoders shared by the test folders (fake printer, ESC/POS decoder)."""
