"""Prizes staff URLs."""

urlpatterns = []
