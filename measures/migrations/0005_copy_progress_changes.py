"""Copy every ProgressChange into ProgressEvent: same progress, who, when, source, comment, old → new.

A change with no old status was the record's creation (an insert event); the others are updates. Events are
numbered in the order of the changes, so the timelines read as before. Backwards, the events go back into
ProgressChange (the table 0006 drops is recreated empty first) and leave ProgressEvent, so nothing is lost
or doubled either way.
"""

from django.db import migrations

FORWARD = """
INSERT INTO measures_progressevent (
    pgh_obj_id, pgh_created_at, pgh_label, pgh_context, changed_by_id, source, comment,
    status, percent, note, old_status, old_percent, old_note
)
SELECT c.progress_id, c.changed_at,
       CASE WHEN c.old_status = '' THEN 'insert' ELSE 'update' END,
       jsonb_build_object('user', c.changed_by_id, 'source', c.source, 'comment', c.comment,
                          'copied_from', 'measures_progresschange'),
       c.changed_by_id, c.source, c.comment,
       c.new_status, c.new_percent, c.new_note,
       NULLIF(c.old_status, ''),
       CASE WHEN c.old_status = '' THEN NULL ELSE c.old_percent END,
       CASE WHEN c.old_status = '' THEN NULL ELSE c.old_note END
FROM measures_progresschange c
ORDER BY c.changed_at, c.id
"""

BACKWARD = """
INSERT INTO measures_progresschange (
    progress_id, changed_at, changed_by_id, source, comment,
    old_status, new_status, old_percent, new_percent, old_note, new_note
)
SELECT e.pgh_obj_id, e.pgh_created_at, u.id, e.source, e.comment,
       COALESCE(e.old_status, ''), e.status, e.old_percent, e.percent, COALESCE(e.old_note, ''), e.note
FROM measures_progressevent e
JOIN measures_progress p ON p.id = e.pgh_obj_id
LEFT JOIN auth_user u ON u.id = e.changed_by_id  -- the user may be gone
ORDER BY e.pgh_id;
ALTER TABLE measures_progressevent DISABLE TRIGGER USER;  -- the events are append-only
DELETE FROM measures_progressevent;
ALTER TABLE measures_progressevent ENABLE TRIGGER USER;
"""


class Migration(migrations.Migration):
    dependencies = [("measures", "0004_progress_events")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
