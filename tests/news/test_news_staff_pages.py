"""Staff pages of news: writing with the form (Markdown, cover upload checked, tags, author as
account or name), the workflow buttons by role, the gallery, categories, and 404 for another
library's articles."""

import pytest
from django.urls import reverse
from news_helpers import client_for, jpeg_upload, t

from sapa.news.models import Article, ArticleState, Category, GalleryPhoto

pytestmark = pytest.mark.django_db


def staff_url(name, library, **kwargs):
    return reverse(name, kwargs={"slug": library.slug, **kwargs})


def form_data(**extra):
    data = {"title": "Sharing Session Media Sosial", "slug": "", "summary": "Perpustakaan menggelar acara.",
            "body": "## Pembukaan\n\nTeks <script>alert(1)</script>", "tags": "media sosial, Literasi",
            "cover_alt": "", "cover_credit": "", "author": "", "author_name": "Hariyah", "editor": "",
            "editor_name": "Dewindah"}
    data.update(extra)
    return data


def test_staff_writes_a_draft_with_a_cover(staff_client, library, staff_user):
    data = form_data(cover_upload=jpeg_upload(size=(2000, 1000)), cover_alt="Peserta", cover_credit="Hariyah",
                     category=Category.objects.filter(library=library).first().pk if
                     Category.objects.filter(library=library).exists() else "")
    staff_client.get(staff_url("staff-news-create", library))  # creates the default categories
    data["category"] = Category.objects.get(library=library, slug="terkini").pk
    response = staff_client.post(staff_url("staff-news-create", library), data)
    article = Article.objects.get()
    assert response.status_code == 302
    assert article.state == ArticleState.DRAFT and article.slug == "sharing-session-media-sosial"
    assert article.author_label == "Hariyah" and article.editor_label == "Dewindah"
    assert sorted(t.name for t in article.tags.all()) == ["Literasi", "media sosial"]
    assert "<h2>Pembukaan</h2>" in article.body_html and "<script" not in article.body_html
    assert article.cover.name.startswith(f"news/{library.pk}/covers/") and article.cover.width == 1600
    assert [c.slug for c in Category.objects.filter(library=library)] == ["terkini", "opini", "pengumuman"]


def test_a_fake_image_is_refused_with_a_message_and_nothing_saved(staff_client, library):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("sampul.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    response = staff_client.post(staff_url("staff-news-create", library),
                                 form_data(cover_upload=fake, cover_alt="x"))
    assert response.status_code == 400  # refused: the form again, with why
    assert 'class="error"' in response.content.decode()
    assert not Article.objects.exists()


def test_author_is_required_as_account_or_name(staff_client, library, staff_user):
    response = staff_client.post(staff_url("staff-news-create", library), form_data(author_name=""))
    assert t("Choose the author's account or write the author's name.") in response.content.decode()
    staff_client.post(staff_url("staff-news-create", library), form_data(author_name="", author=staff_user.pk))
    assert Article.objects.get().author == staff_user


def test_staff_sees_no_approve_button_and_cannot_approve_by_post(staff_client, make_article, library):
    article = make_article(state="in_review")
    page = staff_client.get(staff_url("staff-news-article", library, article_id=article.pk)).content.decode()
    approve = staff_url("staff-news-action", library, article_id=article.pk, action="approve")
    assert approve not in page
    response = staff_client.post(approve, follow=True)
    assert t("An editor must do this.") in response.content.decode()
    publish = staff_url("staff-news-action", library, article_id=article.pk, action="publish")
    staff_client.post(publish)
    assert Article.objects.get(pk=article.pk).state == ArticleState.IN_REVIEW


def test_editor_approves_then_staff_schedules(editor_client, staff_client, make_article, library):
    article = make_article(state="in_review")
    editor_client.post(staff_url("staff-news-action", library, article_id=article.pk, action="changes"),
                       {"comment": ""})
    assert Article.objects.get(pk=article.pk).state == ArticleState.IN_REVIEW  # a comment is needed
    editor_client.post(staff_url("staff-news-action", library, article_id=article.pk, action="approve"))
    assert Article.objects.get(pk=article.pk).state == ArticleState.APPROVED
    schedule = staff_url("staff-news-action", library, article_id=article.pk, action="schedule")
    response = staff_client.post(schedule, {"at": "2020-07-21T09:00"}, follow=True)
    assert t("Choose a time in the future, or publish now.") in response.content.decode()
    staff_client.post(schedule, {"at": "2099-07-21T09:00"})
    article.refresh_from_db()
    assert article.state == ArticleState.SCHEDULED
    assert article.scheduled_at.isoformat() == "2099-07-21T02:00:00+00:00"  # 09.00 WIB


def test_edit_form_shows_the_tags_as_text(staff_client, make_article, library):
    article = make_article(tags="media sosial, literasi")
    html = staff_client.get(staff_url("staff-news-edit", library, article_id=article.pk)).content.decode()
    assert 'value="literasi, media sosial"' in html


def test_saving_without_a_change_keeps_the_approval(staff_client, make_article, library):
    article = make_article(state="approved", tags="literasi")
    data = form_data(title=article.title, slug=article.slug, summary=article.summary, body=article.body,
                     tags="literasi", author=article.author.pk, author_name="", editor_name="",
                     category=article.category.pk)
    staff_client.post(staff_url("staff-news-edit", library, article_id=article.pk), data)
    assert Article.objects.get(pk=article.pk).state == ArticleState.APPROVED
    data["tags"] = "literasi, baru"
    staff_client.post(staff_url("staff-news-edit", library, article_id=article.pk), data)
    article.refresh_from_db()
    assert article.state == ArticleState.DRAFT
    assert article.revisions.first().changes["tags"] == ["literasi", "baru, literasi"]


def test_staff_cannot_edit_a_published_article_editor_can(staff_client, editor_client, make_article, library):
    article = make_article(state="published")
    edit = staff_url("staff-news-edit", library, article_id=article.pk)
    assert staff_client.get(edit).status_code == 404
    response = editor_client.post(edit, form_data(title="Judul diperbaiki", slug=article.slug))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Judul diperbaiki" and article.state == ArticleState.PUBLISHED


def test_staff_edit_of_an_approved_article_needs_approval_again(staff_client, make_article, library):
    article = make_article(state="approved")
    response = staff_client.post(staff_url("staff-news-edit", library, article_id=article.pk),
                                 form_data(slug=article.slug), follow=True)
    assert t("Saved. The change needs an editor's approval again.") in response.content.decode()
    assert Article.objects.get(pk=article.pk).state == ArticleState.DRAFT


def test_gallery_add_and_remove(staff_client, make_article, library):
    article = make_article()
    add = staff_url("staff-news-photo-add", library, article_id=article.pk)
    staff_client.post(add, {"image": jpeg_upload(fmt="PNG", name="zoom.png"), "caption": "Peserta di Zoom",
                            "credit": "Hariyah"})
    photo = GalleryPhoto.objects.get()
    assert (photo.caption, photo.credit, photo.image.name.endswith(".jpg")) == ("Peserta di Zoom", "Hariyah", True)
    page = staff_client.get(staff_url("staff-news-article", library, article_id=article.pk)).content.decode()
    assert photo.image.url in page
    staff_client.post(add, {"image": jpeg_upload(size=(20, 20)), "caption": "Kecil"})
    assert GalleryPhoto.objects.count() == 1
    staff_client.post(staff_url("staff-news-photo-remove", library, article_id=article.pk, photo_id=photo.pk))
    assert not GalleryPhoto.objects.exists()


def test_gallery_shows_on_the_public_page_with_credits(client, editor_client, make_article, library):
    article = make_article(state="published")
    # An editor's correction (staff below editor cannot: tests/security/test_news_gallery.py).
    editor_client.post(staff_url("staff-news-photo-add", library, article_id=article.pk),
                      {"image": jpeg_upload(), "caption": "Sesi tanya jawab", "credit": "Humas"})
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'alt="Sesi tanya jawab"' in html and "Foto: Humas" in html


def test_another_library_s_article_is_404_everywhere(make_article, other_library):
    article = make_article(state="in_review")
    outsider = client_for(other_library.memberships.get().user)  # an admin of library B
    for name, kwargs in [("staff-news-article", {}), ("staff-news-edit", {}),
                         ("staff-news-action", {"action": "approve"}), ("staff-news-photo-add", {})]:
        url = staff_url(name, other_library, article_id=article.pk, **kwargs)
        response = outsider.post(url) if name != "staff-news-article" else outsider.get(url)
        assert response.status_code == 404, name
    assert Article.objects.get(pk=article.pk).state == ArticleState.IN_REVIEW


def test_list_filters_by_state(staff_client, make_article, library):
    make_article(title="Satu Draf")
    make_article(title="Satu Terbit", state="published")
    html = staff_client.get(staff_url("staff-news", library) + "?state=published").content.decode()
    assert "Satu Terbit" in html and "Satu Draf" not in html


def test_categories_editable_by_editors_only(editor_client, staff_client, make_article, library):
    url = staff_url("staff-news-categories", library)
    assert staff_client.get(url).status_code == 404
    editor_client.get(url)
    editor_client.post(url, {"new-name": "Liputan Khusus", "new-position": 5})
    assert Category.objects.filter(library=library, slug="liputan-khusus").exists()
    response = editor_client.post(url, {"new-name": "liputan khusus", "new-position": 6}, follow=True)
    assert t("There is already a category with this name.") in response.content.decode()
    opini = Category.objects.get(library=library, slug="opini")
    editor_client.post(url, {"rename": opini.pk, "name": "Opini Pustakawan"})
    assert Category.objects.get(pk=opini.pk).name == "Opini Pustakawan"
    make_article(category="terkini")
    terkini = Category.objects.get(library=library, slug="terkini")
    editor_client.post(url, {"delete": terkini.pk})
    assert Category.objects.filter(pk=terkini.pk).exists()  # still has an article
    editor_client.post(url, {"delete": opini.pk})
    assert not Category.objects.filter(pk=opini.pk).exists()


def test_news_is_in_the_staff_menu(staff_client, library):
    html = staff_client.get(staff_url("library-dashboard", library)).content.decode()
    assert f'href="{staff_url("staff-news", library)}"' in html
