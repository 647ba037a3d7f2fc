from rest_framework import serializers

from ..models import Indicator, Measure, PolicyDocument, Section


class IndicatorSerializer(serializers.ModelSerializer):
    """An indicator as the catalogue states it: its kind (boolean 是/否, count, share 0–100, date, text), whether it
    is derived from the register instead of typed in (`derived_from`, empty for a typed one), and the conditions on
    the enterprise under which it is asked (with the sentence they come from)."""

    target_display = serializers.CharField(read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "kind",
            "derived_from",
            "unit",
            "comparison",
            "target",
            "target_display",
            "conditions",
            "conditions_source",
            "source_text",
        ]


class SectionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Section
        fields = ["code", "number", "title", "kind", "parent", "text"]


class DocumentSerializer(serializers.ModelSerializer):
    province = serializers.CharField(source="province.code", read_only=True)
    sections = SectionSerializer(many=True, read_only=True)

    class Meta:
        model = PolicyDocument
        fields = [
            "id",
            "code",
            "number",
            "title",
            "issuing_bodies",
            "issued_on",
            "province",
            "applies_to_text",
            "conditions",
            "conditions_source",
            "sections",
        ]


class MeasureSerializer(serializers.ModelSerializer):
    document = serializers.CharField(source="document.number", read_only=True)
    section = SectionSerializer(read_only=True)
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = Measure
        fields = ["id", "code", "number", "title", "text", "document", "section", "addressee", "indicators"]
