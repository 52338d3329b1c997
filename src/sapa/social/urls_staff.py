"""Staff URLs of social media, under /staff/<library>/social/ (and the flyer button under promotion/)."""

from django.urls import path

from sapa.social import views_staff as v

urlpatterns = [
    path("social/", v.calendar, name="social-calendar"),
    path("social/posts/new/", v.post_create, name="social-post-create"),
    path("social/posts/<int:post_id>/", v.post_detail, name="social-post"),
    path("social/posts/<int:post_id>/<str:action>/", v.post_action, name="social-post-action"),
    path("social/variants/<int:variant_id>/move/", v.variant_move, name="social-variant-move"),
    path("social/variants/<int:variant_id>/edit/", v.variant_edit, name="social-variant-edit"),
    path("social/variants/<int:variant_id>/schedule/", v.variant_schedule, name="social-variant-schedule"),
    path("social/variants/<int:variant_id>/unschedule/", v.variant_unschedule, name="social-variant-unschedule"),
    path("social/variants/<int:variant_id>/retry/", v.variant_retry, name="social-variant-retry"),
    path("social/variants/<int:variant_id>/published/", v.variant_published, name="social-variant-published"),
    path("social/variants/<int:variant_id>/next-slot/", v.variant_next_slot, name="social-variant-next-slot"),
    path("social/variants/<int:variant_id>/fit/", v.variant_fit, name="social-variant-fit"),
    path("social/channels/", v.channel_list, name="social-channels"),
    path("social/channels/new/", v.channel_create, name="social-channel-create"),
    path("social/channels/<int:channel_id>/", v.channel_edit, name="social-channel-edit"),
    path("social/channels/<int:channel_id>/test/", v.channel_test, name="social-channel-test"),
    path("social/media/", v.media_library, name="social-media"),
    path("social/media/<int:media_id>/file/", v.media_file, name="social-media-file"),
    path("social/todo/", v.todos, name="social-todos"),
    # The button on promotion's event page (under its address): social makes the post.
    path("promotion/events/<int:event_id>/flyer/<str:layout>/<str:size>/post", v.flyer_post,
         name="promotion-flyer-post"),
    path("social/hashtags/", v.hashtag_list, name="social-hashtags"),
    path("social/hashtags/new/", v.hashtag_create, name="social-hashtag-create"),
    path("social/hashtags/<int:object_id>/", v.hashtag_edit, name="social-hashtag-edit"),
    path("social/hashtags/<int:object_id>/delete/", v.hashtag_delete, name="social-hashtag-delete"),
    path("social/templates/", v.template_list, name="social-templates"),
    path("social/templates/new/", v.template_create, name="social-template-create"),
    path("social/templates/<int:object_id>/", v.template_edit, name="social-template-edit"),
    path("social/templates/<int:object_id>/delete/", v.template_delete, name="social-template-delete"),
]
