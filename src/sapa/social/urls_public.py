"""Public social URLs: the review link /review/<token>/.

To be included at the site's root before the library catch-all, with
"review" added to libraries.models.RESERVED_SLUGS.
"""

from django.urls import path

from sapa.social import views_public

urlpatterns = [
    path("review/<str:token>/", views_public.review, name="social-review"),
]
