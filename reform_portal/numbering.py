"""Numbers of a province's documents by year (云督〔2026〕3号, 云工产改通报〔2026〕1号): one row per province and year
holds the last number given, raised by one statement, so two writers never share a number."""

from django.db import connection, models


class YearlySequence(models.Model):
    """The last sequence number given to a kind of document of a province in a year; a concrete subclass per kind
    (its Meta names the unique constraint on province and year that `reserve` relies on)."""

    province = models.ForeignKey("enterprises.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.province_id} · {self.year} · {self.last}"


def reserve(sequence: type[YearlySequence], *, province_id: int, year: int, count: int = 1) -> range:
    """Reserve `count` consecutive numbers of the province's year in one statement; the row stays locked until the
    caller's transaction ends, so a concurrent writer waits and takes the numbers after these."""
    table = sequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (province_id, year, last) VALUES (%s, %s, %s)"
            f" ON CONFLICT (province_id, year) DO UPDATE SET last = {table}.last + EXCLUDED.last RETURNING last",
            [province_id, year, count],
        )
        last = cursor.fetchone()[0]
    return range(last - count + 1, last + 1)
