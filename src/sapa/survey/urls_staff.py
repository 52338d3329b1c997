"""Survey staff URLs."""

urlpatterns = []
