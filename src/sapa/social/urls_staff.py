"""Staff URLs of social media, under /staff/<library>/social/ (and the flyer button under promotion/)."""

from django.urls import path

from sapa.social import views_calendar as calendar
from sapa.social import views_channels as channels
from sapa.social import views_library as library
from sapa.social import views_posts as posts

urlpatterns = [
    path("social/", calendar.calendar, name="social-calendar"),
    path("social/posts/new/", posts.post_create, name="social-post-create"),
    path("social/posts/<int:post_id>/", posts.post_detail, name="social-post"),
    path("social/posts/<int:post_id>/<str:action>/", posts.post_action, name="social-post-action"),
    path("social/variants/<int:variant_id>/move/", calendar.variant_move, name="social-variant-move"),
    path("social/variants/<int:variant_id>/edit/", posts.variant_edit, name="social-variant-edit"),
    path("social/variants/<int:variant_id>/schedule/", posts.variant_schedule, name="social-variant-schedule"),
    path("social/variants/<int:variant_id>/unschedule/", posts.variant_unschedule, name="social-variant-unschedule"),
    path("social/variants/<int:variant_id>/retry/", posts.variant_retry, name="social-variant-retry"),
    path("social/variants/<int:variant_id>/published/", posts.variant_published, name="social-variant-published"),
    path("social/variants/<int:variant_id>/next-slot/", posts.variant_next_slot, name="social-variant-next-slot"),
    path("social/variants/<int:variant_id>/fit/", posts.variant_fit, name="social-variant-fit"),
    path("social/channels/", channels.channel_list, name="social-channels"),
    path("social/channels/new/", channels.channel_create, name="social-channel-create"),
    path("social/channels/<int:channel_id>/", channels.channel_edit, name="social-channel-edit"),
    path("social/channels/<int:channel_id>/test/", channels.channel_test, name="social-channel-test"),
    path("social/media/", library.media_library, name="social-media"),
    path("social/media/<int:media_id>/file/", library.media_file, name="social-media-file"),
    path("social/todo/", library.todos, name="social-todos"),
    # The button on promotion's event page (under its address): social makes the post.
    path("promotion/events/<int:event_id>/flyer/<str:layout>/<str:size>/post", posts.flyer_post,
         name="promotion-flyer-post"),
    path("social/hashtags/", library.hashtag_list, name="social-hashtags"),
    path("social/hashtags/new/", library.hashtag_create, name="social-hashtag-create"),
    path("social/hashtags/<int:object_id>/", library.hashtag_edit, name="social-hashtag-edit"),
    path("social/hashtags/<int:object_id>/delete/", library.hashtag_delete, name="social-hashtag-delete"),
    path("social/templates/", library.template_list, name="social-templates"),
    path("social/templates/new/", library.template_create, name="social-template-create"),
    path("social/templates/<int:object_id>/", library.template_edit, name="social-template-edit"),
    path("social/templates/<int:object_id>/delete/", library.template_delete, name="social-template-delete"),
]
