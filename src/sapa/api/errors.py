from ninja.errors import HttpError

from sapa.core.errors import error_response

__all__ = ["ApiError", "error_response"]


class ApiError(HttpError):
    """An HttpError with a machine-readable code for the error body."""

    def __init__(self, status_code: int, code: str, message: str):
        super().__init__(status_code, message)
        self.code = code
