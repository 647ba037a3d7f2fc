"""The periodic tasks, declared in one place.

`manage.py setup_schedule` writes them into django-celery-beat's tables, where an administrator
can change times or switch them off in the admin; it creates missing entries and leaves edited
ones alone.
"""

PERIODIC_TASKS = [
    {
        "name": "补齐适用措施的推进记录",
        "task": "measures.tasks.progress_ensure_all",
        "crontab": {"minute": "30", "hour": "1"},
        "description": "为每家企业补建适用措施的推进记录（如目录更新或企业所有制变化后）。",
    },
]
