"""Certificates staff URLs."""

urlpatterns = []
