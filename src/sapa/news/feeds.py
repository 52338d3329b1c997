"""RSS 2.0 and Atom feeds of a library's published articles (django.contrib.syndication).

/<library>/berita/rss.xml and /<library>/berita/atom.xml: article addresses are
slugs, which cannot contain a dot, so these two never clash with an article.
"""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from sapa.libraries.models import Library
from sapa.news import services

FEED_SIZE = 20


class ArticlesRss(Feed):
    def get_object(self, request, library_slug):
        return get_object_or_404(Library, slug=library_slug)

    def title(self, library):
        return _("News from %(library)s") % {"library": library.name}

    def link(self, library):
        return reverse("news-list", kwargs={"library_slug": library.slug})

    def feed_url(self, library):
        return reverse("news-rss", kwargs={"library_slug": library.slug})

    def description(self, library):
        return library.tagline or self.title(library)

    def items(self, library):
        return services.published_articles(library).prefetch_related("tags")[:FEED_SIZE]

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        return article.summary or article.body_html

    def item_link(self, article):
        return article.get_absolute_url()

    def item_guid(self, article):
        return article.get_absolute_url()

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return article.updated_at

    def item_author_name(self, article):
        return article.author_label or None

    def item_categories(self, article):
        names = [article.category.name] if article.category else []
        return names + [t.name for t in article.tags.all()]


class ArticlesAtom(ArticlesRss):
    feed_type = Atom1Feed

    def feed_url(self, library):
        return reverse("news-atom", kwargs={"library_slug": library.slug})

    def subtitle(self, library):
        return self.description(library)
