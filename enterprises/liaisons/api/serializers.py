from rest_framework import serializers

from reform_portal.text_limits import ANSWER_MAX_CHARS, NOTE_MAX_CHARS
from reform_portal.versioning import VersionField

from ..choices import PEOPLE_MET_MAX_CHARS, VISITORS_MAX_CHARS, LiaisonRole
from ..models import LiaisonAssignment, Visit

ID = {"min_value": 1, "max_value": 2**31 - 1}


class AssignmentSerializer(serializers.ModelSerializer):
    """An assignment of an officer to an enterprise as 联络员 (`liaison`) or 指导员 (`instructor`). Written (create
    only): `enterprise_id`, `user_id`, `role`."""

    enterprise = serializers.PrimaryKeyRelatedField(read_only=True)
    enterprise_id = serializers.IntegerField(write_only=True, help_text="企业 id", **ID)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    user_id = serializers.IntegerField(write_only=True, help_text="被指派人员的用户 id", **ID)
    role = serializers.ChoiceField(choices=LiaisonRole.choices)
    assigned_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    ended_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = LiaisonAssignment
        fields = [
            "id",
            "enterprise",
            "enterprise_id",
            "enterprise_name",
            "user",
            "user_id",
            "role",
            "assigned_at",
            "assigned_by",
            "ended_at",
            "ended_by",
            "active",
        ]
        read_only_fields = ["id", "assigned_at", "ended_at"]


class VisitSerializer(serializers.ModelSerializer):
    """A 直通车 visit. Written: `enterprise_id` (only on create), `visited_on` (not after today), `other_visitors`,
    `people_met`, `questions_answered`, `follow_ups`, `follow_up_due`; an update sends the `version` it read (or
    If-Match)."""

    enterprise = serializers.PrimaryKeyRelatedField(read_only=True)
    enterprise_id = serializers.IntegerField(write_only=True, required=False, help_text="企业 id（仅新建时）", **ID)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    prefecture = serializers.CharField(source="enterprise.region.code", read_only=True)
    county = serializers.CharField(source="enterprise.county.code", read_only=True, default=None)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    other_visitors = serializers.CharField(max_length=VISITORS_MAX_CHARS, required=False, allow_blank=True)
    people_met = serializers.CharField(max_length=PEOPLE_MET_MAX_CHARS)
    questions_answered = serializers.CharField(max_length=ANSWER_MAX_CHARS)
    follow_ups = serializers.CharField(max_length=NOTE_MAX_CHARS, required=False, allow_blank=True)
    follow_up_due = serializers.DateField(required=False, allow_null=True)
    version = VersionField(required=False)

    class Meta:
        model = Visit
        fields = [
            "id",
            "enterprise",
            "enterprise_id",
            "enterprise_name",
            "prefecture",
            "county",
            "visited_on",
            "recorded_by",
            "other_visitors",
            "people_met",
            "questions_answered",
            "follow_ups",
            "follow_up_due",
            "created_at",
            "version",
        ]
        read_only_fields = ["id", "created_at"]
