"""The one error type use cases raise: a code, an HTTP status, and message parameters."""
from __future__ import annotations


class UseCaseError(Exception):
    """A refused request; the API turns `code` into a message in the caller's language."""

    def __init__(self, code: str, status: int = 400, /, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.params = params
