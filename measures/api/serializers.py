from rest_framework import serializers

from ..models import Indicator, Measure, PolicyDocument, Section


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["code", "name", "unit", "comparison", "target", "source_text"]


class SectionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

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
            "applies_to",
            "applies_to_text",
            "sections",
        ]


class MeasureSerializer(serializers.ModelSerializer):
    document = serializers.CharField(source="document.number", read_only=True)
    section = SectionSerializer(read_only=True)
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = Measure
        fields = ["id", "code", "number", "title", "text", "document", "section", "addressee", "indicators"]
