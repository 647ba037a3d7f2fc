from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reform_portal.access import EnterprisePolicy
from reform_portal.versioning import VersionField

from ..choices import RegionLevel
from ..credit_code import normalise_credit_code
from ..credit_code_uniqueness import credit_code_taken
from ..models import Enterprise, Region
from ..selectors import enterprises_visible, resolve_location
from ..services import REGISTER_FIELDS


class RegionSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent_code"]


@extend_schema_field(OpenApiTypes.STR)
class ParentCreditCodeField(serializers.RelatedField):
    """The parent company by its credit code (normalised: spaces, full-width characters and case do not matter),
    among the enterprises the requesting user may see; null for none."""

    default_error_messages = {
        "does_not_exist": _("没有找到统一社会信用代码为 %(code)s 的企业（或它不在您可查看的范围内）。请先登记母公司。"),
        "incorrect_type": _("请填写母公司的统一社会信用代码（字符串）。"),
    }

    def get_queryset(self):
        return enterprises_visible(user=self.context["request"].user)

    def use_pk_only_optimization(self):
        return False

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("incorrect_type")
        code = normalise_credit_code(data)
        parent = self.get_queryset().filter(credit_code=code).first() if code else None
        if parent is None:
            raise serializers.ValidationError(str(self.error_messages["does_not_exist"]) % {"code": code})
        return parent

    def to_representation(self, value):
        return value.credit_code


class EnterpriseSerializer(serializers.ModelSerializer):
    """Read: the register entry with its prefecture (`region`) and county (`county`), the parent company's credit
    code (`parent`) and the progress summary. Write: the register fields; the location by the county's code
    (`county_code`), from which the prefecture follows, or by the prefecture's code (`region_code`) where the
    prefecture has no county-level division; the parent by its credit code. The model's checks (credit code,
    headcounts, supervision, group) run in the service."""

    # Normalised before the model's checks, which report a wrong length in words (spaces pasted in do not count).
    credit_code = serializers.CharField(max_length=60, help_text="18 位统一社会信用代码，按 GB 32100-2015 校验")
    region = RegionSerializer(read_only=True)
    region_code = serializers.SlugRelatedField(
        source="region",
        slug_field="code",
        queryset=Region.objects.filter(level=RegionLevel.PREFECTURE),
        write_only=True,
        required=False,
        help_text="州（市）的 6 位行政区划代码；填写 county_code 时可省略（须与县（市、区）一致）",
        error_messages={"does_not_exist": _("没有代码为“{value}”的州（市）。")},
    )
    county = RegionSerializer(read_only=True, allow_null=True)
    county_code = serializers.SlugRelatedField(
        source="county",
        slug_field="code",
        queryset=Region.objects.filter(level=RegionLevel.COUNTY).select_related("parent"),
        required=False,
        allow_null=True,
        help_text="县（市、区）的 6 位行政区划代码；州（市）由它确定",
        error_messages={"does_not_exist": _("没有代码为“{value}”的县（市、区）。")},
    )
    parent = ParentCreditCodeField(
        required=False, allow_null=True, help_text="上级集团（母公司）的统一社会信用代码；不属于集团为 null"
    )
    parent_name = serializers.CharField(source="parent.name", read_only=True, default=None, allow_null=True)
    province_code = serializers.CharField(source="region.parent.code", read_only=True)
    applicable_count = serializers.IntegerField(read_only=True, default=None, allow_null=True, help_text="适用措施数")
    done_count = serializers.IntegerField(
        read_only=True, default=None, allow_null=True, help_text="已完成（含常态化推进）措施数"
    )
    last_update = serializers.DateTimeField(read_only=True, default=None, allow_null=True, help_text="措施最近更新时间")
    version = VersionField(required=False)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            *REGISTER_FIELDS,
            "region_code",
            "county_code",
            "parent_name",
            "province_code",
            "applicable_count",
            "done_count",
            "last_update",
            "version",
            "updated_at",
        ]
        # Uniqueness of the credit code is checked by the service (full_clean), with the model's message (the field is
        # declared above, so no unique validator is generated).

    def validate_credit_code(self, value):
        code = normalise_credit_code(value)
        # A code already registered: named only when the user may see its enterprise.
        taken = credit_code_taken(
            user=self.context["request"].user, code=code, exclude_pk=self.instance.pk if self.instance else None
        )
        if taken is not None:
            message, seen = taken
            raise serializers.ValidationError(f"{message}（ID {seen.pk}）" if seen is not None else message)
        return code

    def validate(self, attrs):
        attrs = self._validate_location(attrs)
        # What decides the enterprise's scope changes only within the user's charge (reform_portal.access): a 400
        # naming the field sent.
        proposed = {f: attrs[f] for f in EnterprisePolicy.SCOPE_FIELDS if f in attrs}
        problems = EnterprisePolicy.scope_change_problems(self.context["request"].user, self.instance, proposed)
        if problems:
            sent = self.initial_data if hasattr(self, "initial_data") else {}
            raise serializers.ValidationError({_api_field(name, sent): errors for name, errors in problems.items()})
        return attrs

    def _validate_location(self, attrs):
        """The location: the county decides the prefecture (a `region_code` sent as well must be its prefecture);
        without a county, the prefecture alone does only where it has no county-level division, or for an
        enterprise registered before counties were kept that stays where it is. An update that sends neither
        leaves the location alone."""
        current = self.instance
        if current is not None and "county" not in attrs and "region" not in attrs:
            return attrs
        region = attrs.get("region")
        if "county" in attrs:
            county = attrs["county"]
        else:  # only the prefecture sent: the county stays if it is in that prefecture
            county = current.county if current is not None and region == current.region else None
        if county is None and region is None and current is not None:
            region = current.region
        try:
            attrs["region"] = resolve_location(county=county, region=region, current=current)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"county_code": exc.messages}) from None
        attrs["county"] = county
        return attrs


def _api_field(name: str, sent) -> str:
    """The API's name of a model field: the location as it was sent (`county_code`, else `region_code`)."""
    if name == "county":
        return "county_code" if "county_code" in sent or "region_code" not in sent else "region_code"
    if name == "region":
        return "region_code" if "region_code" in sent or "county_code" not in sent else "county_code"
    return name
