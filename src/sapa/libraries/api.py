from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from sapa.libraries.models import Library, Membership

router = Router(tags=["libraries"])


class LibraryOut(Schema):
    slug: str
    name: str
    tagline: str
    city: str
    website: str
    time_zone: str
    role: str | None = None


class MeOut(Schema):
    email: str
    name: str
    language: str
    two_factor: bool
    libraries: list[LibraryOut]


def _library_out(membership: Membership) -> LibraryOut:
    lib = membership.library
    return LibraryOut(slug=lib.slug, name=lib.name, tagline=lib.tagline, city=lib.city,
                      website=lib.website, time_zone=lib.time_zone, role=membership.role)


@router.get("/me", response=MeOut, summary="The current user and their libraries")
def me(request):
    user = request.auth
    memberships = user.memberships.select_related("library")
    return MeOut(email=user.email, name=user.name, language=user.language or "id",
                 two_factor=user.totp_enabled, libraries=[_library_out(m) for m in memberships])


@router.get("/libraries", response=list[LibraryOut], summary="Libraries the current user works in")
def libraries(request):
    return [_library_out(m) for m in request.auth.memberships.select_related("library")]


@router.get("/libraries/{slug}", response=LibraryOut, summary="One of the current user's libraries")
def library(request, slug: str):
    membership = get_object_or_404(Membership.objects.select_related("library"), user=request.auth,
                                   library__slug=slug)
    return _library_out(membership)


__all__ = ["router", "Library"]
