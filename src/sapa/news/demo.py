"""Demo data: the article Sapa is modelled on, as the published report of the demo event,
a draft announcement, and the default categories. Safe to run twice (found by slug)."""

import io

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageDraw

from sapa.events.demo import DEMO_SLUG
from sapa.events.models import Event
from sapa.news import services, workflow
from sapa.news.models import Article

REPORT_SLUG = "sharing-session-pengelolaan-media-sosial-perpustakaan"
DRAFT_SLUG = "pengumuman-pemenang-door-prize"

REPORT_TITLE = "Sharing Session Pengelolaan Media Sosial Perpustakaan di Masa Pandemi Covid-19"
REPORT_LEAD = ("Perpustakaan menggelar Sharing Session Pengelolaan Media Sosial Perpustakaan pada Masa "
               "Pandemi Covid-19 secara daring via Zoom meeting.")
REPORT_BODY = """\
**Jakarta.** Perpustakaan menggelar Sharing Session Pengelolaan Media Sosial Perpustakaan pada Masa \
Pandemi Covid-19 secara daring via Zoom meeting.

Berkembangnya teknologi informasi dan telekomunikasi berdampak baik bagi perkembangan pelayanan \
perpustakaan, terutama di masa pandemi seperti sekarang ini. Melalui media sosial, perpustakaan dapat \
dengan mudah menyampaikan informasi kepada pemustaka dengan jaringan yang lebih luas secara tepat, cepat, \
dan mudah. Begitu pula dengan Perpustakaan Balitbangdiklat Kemenag yang memanfaatkan media sosial sebagai \
sarana promosi dan pelayanan kepada pemustaka.

Dalam rangka promosi dan memaksimalkan layanan perpustakaan khususnya pada masa pandemi Covid-19 ini, \
salah satu yang bisa dilakukan adalah memanfaatkan secara maksimal penggunaan media sosial untuk \
perpustakaan. Media sosial menjadi media untuk menyapa pemustaka dan mendekatkan perpustakaan dengan \
pemustaka.

Kepala Bagian Umum dan Perpustakaan, Diar Sunyono memberikan motivasi dan semangat kepada peserta agar \
menggunakan media sosial sebagai *channel* penghubung antara perpustakaan dengan pemustakanya.

> ”Semoga kegiatan ini dapat memotivasi peserta untuk secara kreatif dan inovatif memanfaatkan media sosial \
sebagai media penghubung guna menyapa pemustaka dan mendekatkan perpustakaan kepada pemustakanya,” ujar Diar.

Acara yang diikuti oleh pustakawan, para pengelola perpustakaan, widyaiswara, guru, dan masyarakat umum \
semakin seru dan lengkap dengan berbagai tanggapan dan apresiasi dari para peserta Zoom meeting (kuota 100 \
orang) melalui kolom chat ataupun *raise hand*.

Bahkan flyer informasi kegiatan yang memuat link pendaftaran terisi penuh hanya dalam waktu beberapa jam \
saja, meski hanya disebar melalui media sosial.

Sebagai bentuk apresiasi panitia kepada peserta, Perpustakaan Balitbangdiklat pun memberikan *door prize* \
bagi peserta terpilih berupa buku dan suvenir menarik seperti kaos, payung, dan mug.

Harapannya, acara ini dapat meningkatkan pengetahuan para pengelola perpustakaan dan masyarakat secara \
umum dalam memanfaatkan media sosial untuk mempromosikan koleksi dan layanan perpustakaan.
"""

DRAFT_TITLE = "Pengumuman Pemenang Door Prize Sharing Session Media Sosial"
DRAFT_BODY = """\
Terima kasih kepada seluruh peserta. Berikut para pemenang *door prize* (buku, kaos, payung dan mug):

- (nama depan pemenang)

Hadiah dikirim ke alamat yang diisi pemenang melalui tautan pribadinya.
"""


def _cover() -> ContentFile:
    """A plain cover picture (brand colour, a title band), drawn here so the demo needs no files."""
    img = Image.new("RGB", (1200, 630), (11, 93, 75))
    draw = ImageDraw.Draw(img)
    draw.rectangle((60, 420, 1140, 570), fill=(255, 255, 255))
    draw.text((90, 470), "Sharing Session Pengelolaan Media Sosial Perpustakaan", fill=(11, 93, 75))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    out.seek(0)
    return ContentFile(out.getvalue(), name="sharing-session.jpg")


def load_demo(library, admin) -> None:
    categories = {c.slug: c for c in services.ensure_default_categories(library)}
    event = Event.objects.filter(slug=DEMO_SLUG, library=library).first()
    with transaction.atomic():
        if not Article.objects.filter(library=library, slug=REPORT_SLUG).exists():
            article = Article(library=library, slug=REPORT_SLUG, title=REPORT_TITLE, summary=REPORT_LEAD,
                              body=REPORT_BODY, category=categories.get("terkini"), event=event,
                              author_name="Hariyah", editor=admin, cover_credit="Hariyah",
                              cover_alt="Sampul laporan Sharing Session Pengelolaan Media Sosial Perpustakaan")
            services.save_article(article, by=admin, tags="media sosial, literasi, sharing session",
                                  cover=_cover())
            # The demo shows a finished report: approved and published by the editor.
            workflow.approve(article, by=admin)
            workflow.publish(article, by=admin)
        if not Article.objects.filter(library=library, slug=DRAFT_SLUG).exists():
            article = Article(library=library, slug=DRAFT_SLUG, title=DRAFT_TITLE, body=DRAFT_BODY,
                              summary="Daftar pemenang door prize sharing session media sosial perpustakaan.",
                              category=categories.get("pengumuman"), event=event, author=admin)
            services.save_article(article, by=admin, tags="door prize")
