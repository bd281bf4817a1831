from django.core.exceptions import ValidationError

from .errors import ActionError


def apply_error(form, exc: Exception) -> None:
    """Put an action's ValidationError / ActionError on the form, field by field where possible."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
    elif isinstance(exc, ActionError):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    else:
        raise exc
