"""The demo event's door prizes, as in the article: books, t-shirts S/M/L/XL, umbrellas, mugs."""

from sapa.events.demo import DEMO_SLUG
from sapa.events.models import Event
from sapa.prizes.models import Prize, PrizeVariant

PRIZES = [
    ("Buku", "Buku pilihan perpustakaan", [("Perpustakaan di Era Digital", 2),
                                           ("Strategi Konten Media Sosial", 2),
                                           ("Literasi Informasi untuk Semua", 1)]),
    ("Kaos Sapa", "Kaos katun dengan logo perpustakaan", [("S", 1), ("M", 2), ("L", 2), ("XL", 1)]),
    ("Payung", "Payung lipat", []),
    ("Mug", "Mug keramik", []),
]
QUANTITY = {"Payung": 3, "Mug": 4}


def load_demo(library, admin) -> None:
    """The prize list of the demo event, once."""
    event = Event.objects.filter(slug=DEMO_SLUG, library=library).first()
    if event is None or event.prizes.exists():
        return
    for position, (name, description, variants) in enumerate(PRIZES):
        total = sum(stock for _name, stock in variants) or QUANTITY[name]
        prize = Prize.objects.create(event=event, name=name, description=description, quantity=total,
                                     position=position)
        for i, (variant, stock) in enumerate(variants):
            PrizeVariant.objects.create(prize=prize, name=variant, stock=stock, position=i)
