"""Copy every IndicatorValueChange into IndicatorValueEvent: same value, who, when, source, comment, old → new.

A change with no old value was the value's creation (an insert event); the others are updates. Events are
numbered in the order of the changes. Backwards, the events go back into IndicatorValueChange (recreated empty
by reversing 0009 first) and leave IndicatorValueEvent, so nothing is lost or doubled either way.
"""

from django.db import migrations

FORWARD = """
INSERT INTO measures_indicatorvalueevent (
    pgh_obj_id, pgh_created_at, pgh_label, pgh_context, changed_by_id, source, comment, value, old_value
)
SELECT c.indicator_value_id, c.changed_at,
       CASE WHEN c.old_value IS NULL THEN 'insert' ELSE 'update' END,
       jsonb_build_object('user', c.changed_by_id, 'source', c.source, 'comment', c.comment,
                          'copied_from', 'measures_indicatorvaluechange'),
       c.changed_by_id, c.source, c.comment, c.new_value, c.old_value
FROM measures_indicatorvaluechange c
ORDER BY c.changed_at, c.id
"""

BACKWARD = """
INSERT INTO measures_indicatorvaluechange (
    indicator_value_id, changed_at, changed_by_id, source, comment, old_value, new_value
)
SELECT e.pgh_obj_id, e.pgh_created_at, u.id, e.source, e.comment, e.old_value, e.value
FROM measures_indicatorvalueevent e
JOIN measures_indicatorvalue v ON v.id = e.pgh_obj_id
LEFT JOIN auth_user u ON u.id = e.changed_by_id  -- the user may be gone
ORDER BY e.pgh_id;
ALTER TABLE measures_indicatorvalueevent DISABLE TRIGGER USER;  -- the events are append-only
DELETE FROM measures_indicatorvalueevent;
ALTER TABLE measures_indicatorvalueevent ENABLE TRIGGER USER;
"""


class Migration(migrations.Migration):
    dependencies = [("measures", "0007_indicator_value_events")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
