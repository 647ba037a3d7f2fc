"""How long a text a user may type into each kind of field: one place for the forms, the API serializers and the
models' validators, so that a 4.9 MB note is refused with a message at its field (a 400 naming the field in the
API) and never stored. The request body as a whole is bounded by DATA_UPLOAD_MAX_MEMORY_SIZE."""

NOTE_MAX_CHARS = 2000  # a progress note, an officer's comment or decision, a reminder's message
ANSWER_MAX_CHARS = 5000  # an enterprise's account of what it did for a measure (主要工作)
