from rest_framework import serializers

from ..models import RollupSnapshot


class RollupSnapshotSerializer(serializers.ModelSerializer):
    date = serializers.DateField(source="day")
    province = serializers.CharField(source="province.code")
    prefecture = serializers.CharField(source="prefecture.code", allow_null=True, default=None)
    county = serializers.CharField(source="county.code", allow_null=True, default=None)
    document = serializers.CharField(source="document.number")
    measure = serializers.CharField(source="measure.code", allow_null=True, default=None)

    class Meta:
        model = RollupSnapshot
        fields = [
            "date",
            "province",
            "prefecture",
            "county",
            "document",
            "measure",
            "ownership",
            "industry",
            "applicable",
            "records",
            "not_started",
            "in_progress",
            "done",
            "ongoing",
            "completion_rate",
            "mean_percent",
            "attainment_rate",
            "lagging",
            "submission_rate",
            "computed_at",
        ]
