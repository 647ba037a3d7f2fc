"""A service's ValidationError shown where the user typed the value: beside the page form's field, or under the API's
name of the field (the model says `enterprise`, the API takes `enterprise_id`). Errors of no field go to the form's
top, or to the API's `non_field_errors`."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError


def _by_field(exc: DjangoValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}


def errors_to_form(form, exc: DjangoValidationError, renamed: dict[str, str] | None = None) -> None:
    """Each problem beside its field (`renamed`: the service's name → the form's), the rest at the form's top."""
    for field, problems in _by_field(exc).items():
        field = (renamed or {}).get(field, field)
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


def errors_to_api(exc: DjangoValidationError, renamed: dict[str, str] | None = None) -> ValidationError:
    """DRF's 400 with each problem under the API's field name (`renamed`: the service's name → the API's)."""
    detail = {}
    for field, problems in _by_field(exc).items():
        field = "non_field_errors" if field == NON_FIELD_ERRORS else (renamed or {}).get(field, field)
        detail.setdefault(field, []).extend(problems)
    return ValidationError(detail)
