"""Attendance public URLs."""

urlpatterns = []
