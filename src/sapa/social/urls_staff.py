"""Staff URLs of social media, under /staff/<library>/social/."""

from django.urls import path

from sapa.social import views_staff as v

urlpatterns = [
    path("social/", v.calendar, name="social-calendar"),
    path("social/posts/new/", v.post_create, name="social-post-create"),
    path("social/posts/<int:post_id>/", v.post_detail, name="social-post"),
    path("social/posts/<int:post_id>/<str:action>/", v.post_action, name="social-post-action"),
    path("social/variants/<int:variant_id>/move/", v.variant_move, name="social-variant-move"),
    path("social/variants/<int:variant_id>/<str:action>/", v.variant_action, name="social-variant-action"),
    path("social/channels/", v.channel_list, name="social-channels"),
    path("social/channels/new/", v.channel_create, name="social-channel-create"),
    path("social/channels/<int:channel_id>/", v.channel_edit, name="social-channel-edit"),
    path("social/channels/<int:channel_id>/test/", v.channel_test, name="social-channel-test"),
    path("social/media/", v.media_library, name="social-media"),
    path("social/media/<int:media_id>/file/", v.media_file, name="social-media-file"),
    path("social/todo/", v.todos, name="social-todos"),
    path("social/hashtags/", v.hashtag_list, name="social-hashtags"),
    path("social/hashtags/new/", v.hashtag_create, name="social-hashtag-create"),
    path("social/hashtags/<int:object_id>/", v.hashtag_edit, name="social-hashtag-edit"),
    path("social/hashtags/<int:object_id>/delete/", v.hashtag_delete, name="social-hashtag-delete"),
    path("social/templates/", v.template_list, name="social-templates"),
    path("social/templates/new/", v.template_create, name="social-template-create"),
    path("social/templates/<int:object_id>/", v.template_edit, name="social-template-edit"),
    path("social/templates/<int:object_id>/delete/", v.template_delete, name="social-template-delete"),
]
