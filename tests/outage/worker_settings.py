"""The portal's settings for the Celery worker started by tests/outage: mail is written to files in
OUTAGE_MAIL_DIR, so the test can count what the worker sent."""

import os

from reform_portal.settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["OUTAGE_MAIL_DIR"]
