"""Errors that actions raise. Views show `message` on the form; the API answers
`{"detail": message, "code": code}` with `status`."""


class ActionError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class NotAllowed(ActionError):
    status = 403
    code = "permission_denied"


class Conflict(ActionError):
    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ConcurrentChange(Conflict):
    code = "concurrent_change"
