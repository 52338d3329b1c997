"""The review link: an approver without an account approves a post or asks for changes.

The link (sapa.social.workflow.review_url) is signed and expires; it works for
one post and one review round only.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from sapa.core.inputs import text_problem
from sapa.social import workflow
from sapa.social.validation import validate_variant

INVALID_MESSAGES = {
    "expired": lambda: _("The link has expired. Ask the library for a new one."),
    "invalid": lambda: _("The link is not valid. Check that it was copied whole."),
    "superseded": lambda: _("The post was changed and sent for review again; use the newest link."),
    "not_in_review": lambda: _("This post is no longer waiting for a review."),
}


def _invalid(request, reason: str) -> HttpResponse:
    response = render(request, "social/review_invalid.html", {"message": INVALID_MESSAGES[reason]()}, status=410
                      if reason in ("expired", "superseded") else 404)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
def review(request, token):
    try:
        post = workflow.post_for_review_token(token)
    except workflow.ReviewLinkInvalid as exc:
        return _invalid(request, exc.reason)
    context = {"post": post, "error": "", "done": "", "name": "", "comment": ""}
    try:
        # A logged-in member of the library acts as themselves: their role counts (workflow.link_reviewer).
        workflow.link_reviewer(post, request.user)
        refused = ""
    except PermissionDenied as exc:
        refused = str(exc)
    if request.method == "POST" and refused:
        context["error"] = refused
    elif request.method == "POST":
        name = request.POST.get("name", "").strip()
        comment = request.POST.get("comment", "").strip()
        decision = request.POST.get("decision")
        context.update(name=name, comment=comment)
        try:
            if not name:
                context["error"] = _("Write your name, so the team knows who reviewed it.")
            elif problem := text_problem(name) or text_problem(comment):
                context["error"] = problem
            elif decision == "approve":
                workflow.approve_via_link(token, reviewer_name=name, comment=comment, request=request,
                                          user=request.user)
                context["done"] = _("Thank you: the post is approved.")
            elif decision == "changes":
                if not comment:
                    context["error"] = _("Say what should change.")
                else:
                    workflow.request_changes_via_link(token, reviewer_name=name, comment=comment,
                                                      request=request, user=request.user)
                    context["done"] = _("Thank you: the team will make the changes.")
        except workflow.ReviewLinkInvalid as exc:
            return _invalid(request, exc.reason)
        post.refresh_from_db()
    variants = list(post.variants.select_related("channel").order_by("channel__network", "id"))
    for variant in variants:
        variant.problems = validate_variant(variant, for_schedule=False)
    context["variants"] = variants
    context["can_act"] = post.status == workflow.S.IN_REVIEW and not context["done"] and not refused
    context["refused"] = refused
    status = 403 if refused and request.method == "POST" else 400 if context["error"] else 200
    response = render(request, "social/review.html", context, status=status)
    # The token is in the URL: "same-origin" (the site's policy) keeps it from the sites of
    # images or links on the page, and, unlike "no-referrer", lets the browser send this
    # page's Origin with the form, which the CSRF check needs ("no-referrer" sends Origin: null).
    response.headers["Referrer-Policy"] = "same-origin"
    return response
