"""Live public URLs."""

urlpatterns = []
