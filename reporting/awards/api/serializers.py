from rest_framework import serializers

from ..models import AwardRound


class AwardRoundSerializer(serializers.ModelSerializer):
    province = serializers.SlugRelatedField(slug_field="code", read_only=True)
    province_code = serializers.CharField(write_only=True, max_length=12)
    quota = serializers.DictField(child=serializers.IntegerField(min_value=0, max_value=1000), allow_empty=True)
    weights = serializers.JSONField(read_only=True)
    year = serializers.IntegerField(min_value=2000, max_value=2100)

    class Meta:
        model = AwardRound
        fields = ["id", "name", "year", "level", "province", "province_code", "quota", "weights", "created_at"]
        read_only_fields = ["id", "province", "weights", "created_at"]


class LineSerializer(serializers.Serializer):
    fact = serializers.CharField()
    value = serializers.CharField()
    points = serializers.DecimalField(max_digits=12, decimal_places=2)


class CandidateSerializer(serializers.Serializer):
    enterprise_id = serializers.IntegerField(source="enterprise.pk")
    enterprise_name = serializers.CharField(source="enterprise.name")
    prefecture = serializers.CharField(source="enterprise.region.code")
    rank = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    proposed = serializers.BooleanField()
    decision = serializers.CharField(allow_null=True)
    lines = LineSerializer(many=True)


class ExcludedSerializer(serializers.Serializer):
    enterprise_id = serializers.IntegerField(source="enterprise.pk")
    enterprise_name = serializers.CharField(source="enterprise.name")
    prefecture = serializers.CharField(source="enterprise.region.code")
    reasons = serializers.ListField(child=serializers.CharField())


class ShortlistSerializer(serializers.Serializer):
    prefecture = serializers.CharField(allow_null=True)
    prefectures = serializers.ListField(child=serializers.CharField())
    quota = serializers.IntegerField()
    as_of = serializers.DateTimeField()
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    ranked = CandidateSerializer(many=True)
    excluded = ExcludedSerializer(many=True)
