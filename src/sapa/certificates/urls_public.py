"""Certificates public URLs."""

urlpatterns = []
