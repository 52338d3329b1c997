"""Attendance staff URLs."""

urlpatterns = []
