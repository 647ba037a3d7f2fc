from django.contrib import admin

from .models import RollupRun, RollupSnapshot


@admin.register(RollupRun)
class RollupRunAdmin(admin.ModelAdmin):
    list_display = ["kind", "day", "province", "status", "started_at", "finished_at", "parts_done", "parts_total"]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in RollupRun._meta.fields]


@admin.register(RollupSnapshot)
class RollupSnapshotAdmin(admin.ModelAdmin):
    list_display = ["day", "document", "prefecture", "measure", "ownership", "industry", "applicable"]
    list_display += ["completion_rate", "lagging"]
    list_filter = ["day", "document", "province"]
    list_select_related = ["document", "prefecture", "measure"]
    readonly_fields = [f.name for f in RollupSnapshot._meta.fields]
