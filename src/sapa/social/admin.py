"""Django's admin for superusers. Credentials are never shown: they are set through the
channel services (sapa.social.services.create_channel / reconnect_channel)."""

from django.contrib import admin

from sapa.social.models import (
    Campaign,
    Channel,
    HashtagSet,
    ManualTask,
    MediaItem,
    Post,
    PostMetrics,
    PostRevision,
    PostTemplate,
    PostVariant,
    VariantMedia,
)


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "network", "library", "handle", "status", "manual", "is_active"]
    list_filter = ["network", "status", "manual", "library"]
    search_fields = ["name", "handle", "account_id"]
    exclude = ["credentials_encrypted"]
    readonly_fields = ["server_limits", "server_limits_fetched_at", "needs_reconnect_since", "last_tested_at"]


@admin.register(MediaItem)
class MediaItemAdmin(admin.ModelAdmin):
    list_display = ["__str__", "library", "kind", "format", "width", "height", "size_bytes", "created_at"]
    list_filter = ["kind", "format", "library"]
    search_fields = ["original_name", "alt_text"]
    raw_id_fields = ["derived_from", "uploaded_by"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "library"]
    list_filter = ["library"]


class VariantMediaInline(admin.TabularInline):
    model = VariantMedia
    extra = 0
    raw_id_fields = ["media"]


@admin.register(PostVariant)
class PostVariantAdmin(admin.ModelAdmin):
    list_display = ["post", "channel", "state", "scheduled_at", "published_at", "attempts"]
    list_filter = ["state", "channel__network"]
    search_fields = ["text", "post__title", "external_id"]
    raw_id_fields = ["post", "channel", "published_by"]
    readonly_fields = ["idempotency_key", "attempt_started_at", "lease_expires_at", "publish_data"]
    inlines = [VariantMediaInline]


class PostVariantInline(admin.StackedInline):
    model = PostVariant
    extra = 0
    fields = ["channel", "text", "link", "first_comment", "scheduled_at", "state", "external_url",
              "error_message"]
    readonly_fields = ["state", "external_url", "error_message"]
    raw_id_fields = ["channel"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["title", "library", "status", "campaign", "created_by", "created_at"]
    list_filter = ["status", "library"]
    search_fields = ["title", "note"]
    raw_id_fields = ["created_by", "approved_by", "event", "campaign"]
    readonly_fields = ["review_nonce"]
    inlines = [PostVariantInline]


@admin.register(PostRevision)
class PostRevisionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "post", "action", "actor_label"]
    list_filter = ["action"]
    search_fields = ["post__title", "actor_label"]
    raw_id_fields = ["post", "variant", "actor"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(HashtagSet)
class HashtagSetAdmin(admin.ModelAdmin):
    list_display = ["name", "library"]
    list_filter = ["library"]


@admin.register(PostTemplate)
class PostTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "library", "network"]
    list_filter = ["library", "network"]


@admin.register(PostMetrics)
class PostMetricsAdmin(admin.ModelAdmin):
    list_display = ["variant", "fetched_at", "source", "reach", "likes", "comments", "shares", "clicks"]
    list_filter = ["source"]
    raw_id_fields = ["variant"]


@admin.register(ManualTask)
class ManualTaskAdmin(admin.ModelAdmin):
    list_display = ["variant", "library", "assigned_to", "due_at", "done_at"]
    list_filter = ["library"]
    raw_id_fields = ["variant", "assigned_to", "done_by"]
