"""Django's admin for superusers (library staff work in the staff pages, not here)."""

from django.contrib import admin

from sapa.events.models import (
    Category,
    ConsentVersion,
    DataRequest,
    Event,
    Question,
    Registration,
    Speaker,
)


class SpeakerInline(admin.TabularInline):
    model = Speaker
    extra = 0


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "library", "starts_at", "status", "visibility", "capacity"]
    list_filter = ["status", "visibility", "library"]
    search_fields = ["title", "slug"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["created_by"]
    inlines = [SpeakerInline, CategoryInline, QuestionInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "event", "status", "source", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["name", "email_normalized", "institution", "whatsapp", "event__title"]
    raw_id_fields = ["event", "category", "consent"]
    readonly_fields = ["public_id", "created_at", "updated_at", "confirmed_at", "waitlisted_at",
                       "promoted_at", "cancelled_at", "anonymized_at", "consent_given_at"]
    list_select_related = ["event"]


@admin.register(ConsentVersion)
class ConsentVersionAdmin(admin.ModelAdmin):
    list_display = ["event", "version", "created_at"]
    raw_id_fields = ["event"]


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin):
    list_display = ["event", "kind", "created_at", "completed_at"]
    list_filter = ["kind"]
    raw_id_fields = ["event", "registration"]
