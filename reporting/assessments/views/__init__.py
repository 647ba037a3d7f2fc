"""Pages of the self-assessment cycle, one module per concern:

- `overview`: the entry point (the enterprise's start page or the officers' overview) and reminders sent from it
- `page`: the assessment page itself, the enterprise's form or the read/review view
- `form`: the enterprise starts, autosaves and submits its answers
- `evidence`: files attached to an answer
- `review`: the officer's corrections and decisions
- `periods`: opening, closing and moving reporting periods
- `exports`: the PDF and Excel copies of one assessment

Each page starts from the access-narrowed queryset (out of scope: 404), lets the services refuse what the
user may not do (403) or what the state forbids (a message), and renders; htmx posts get fragments that
update the page in place. Shared helpers are in `_common`.
"""
