"""Progress and indicator values keep their history the way every audited model does: see reform_portal/history.py.

Services here say who and from where with `change_context(by=…, source=…)`."""

from reform_portal.history import change_context

__all__ = ["change_context"]
