"""Prizes public URLs."""

urlpatterns = []
