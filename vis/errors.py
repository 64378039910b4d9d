"""The one error type of VIS's services and command line."""

from __future__ import annotations


class VisError(RuntimeError):
    """Work that cannot be done, for a reason the operator can act on.

    The message is the one line shown (``vis: ...`` on standard error, or on a page); ``status`` is
    the command's exit status: 1 when the work failed, 2 when the input or configuration is wrong.
    """

    def __init__(self, message: str, *, status: int = 1) -> None:
        super().__init__(message)
        self.status = status
