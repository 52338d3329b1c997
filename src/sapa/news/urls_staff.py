"""News staff URLs."""

urlpatterns = []
