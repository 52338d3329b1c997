from ninja.security import HttpBearer

from sapa.libraries.services import user_for_api_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer sapa_...`: a personal API token."""

    def authenticate(self, request, token):
        user = user_for_api_token(token)
        if user is None:
            return None
        request.user = user
        return user
