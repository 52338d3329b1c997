"""News public URLs."""

urlpatterns = []
