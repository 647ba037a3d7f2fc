from rest_framework import serializers

from ..models import Enterprise, Region


class RegionSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent_code"]


class EnterpriseSerializer(serializers.ModelSerializer):
    region = RegionSerializer(read_only=True)
    province_code = serializers.CharField(source="region.parent.code", read_only=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "credit_code",
            "region",
            "province_code",
            "ownership",
            "supervision_level",
            "supervising_body",
            "industry",
            "size_class",
            "employees",
            "frontline_workers",
            "union_members",
            "party_members",
            "skilled_workers",
            "highly_skilled_workers",
            "union_founded",
            "union_founded_on",
            "is_pilot",
            "updated_at",
        ]
