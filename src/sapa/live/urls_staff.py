"""Live staff URLs."""

urlpatterns = []
