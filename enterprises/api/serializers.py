from rest_framework import serializers

from reform_portal.versioning import VersionField

from ..choices import RegionLevel
from ..models import Enterprise, Region
from ..services import REGISTER_FIELDS


class RegionSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent_code"]


class EnterpriseSerializer(serializers.ModelSerializer):
    """Read: the register entry with its region and progress summary. Write: the register fields, the region
    by its prefecture code (`region_code`). The model's checks (credit code, headcounts) run in the service."""

    region = RegionSerializer(read_only=True)
    region_code = serializers.SlugRelatedField(
        source="region",
        slug_field="code",
        queryset=Region.objects.filter(level=RegionLevel.PREFECTURE),
        write_only=True,
        help_text="州（市）的 6 位行政区划代码",
    )
    province_code = serializers.CharField(source="region.parent.code", read_only=True)
    applicable_count = serializers.IntegerField(read_only=True, default=None, help_text="适用措施数")
    done_count = serializers.IntegerField(read_only=True, default=None, help_text="已完成（含常态化推进）措施数")
    last_update = serializers.DateTimeField(read_only=True, default=None, help_text="措施最近更新时间")
    version = VersionField(required=False)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            *REGISTER_FIELDS,
            "region_code",
            "province_code",
            "applicable_count",
            "done_count",
            "last_update",
            "version",
            "updated_at",
        ]
        # Uniqueness of the credit code is checked by the service (full_clean), with the model's message.
        extra_kwargs = {"credit_code": {"validators": []}}
