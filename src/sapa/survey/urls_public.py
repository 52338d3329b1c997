"""Survey public URLs."""

urlpatterns = []
