"""The saved Zoom chat: each format and encoding, multi-line messages, direct
messages, a session past midnight, questions and thanks, the staff page's search
and counts; a re-import replaces the chat whole or not at all."""

from datetime import datetime

import pytest
from attendance_helpers import JAKARTA, read, t
from django.core.files.uploadedfile import SimpleUploadedFile

from sapa.attendance import services
from sapa.attendance.chat import is_question, is_thanks, parse_chat
from sapa.attendance.files import FileProblem
from sapa.attendance.models import ChatImport, ChatMessage

pytestmark = pytest.mark.django_db
START = datetime(2020, 7, 21, 9, 0, tzinfo=JAKARTA)


def parse(name, starts_at=START):
    return parse_chat(read(name), tz_name="Asia/Jakarta", starts_at=starts_at)


def local(message):
    return message.sent_at.astimezone(JAKARTA).strftime("%Y-%m-%d %H:%M:%S")


def test_older_one_line_format():
    chat = parse("chat_old.txt")
    assert chat.format == "zoom-old" and len(chat.messages) == 7
    first = chat.messages[1]
    assert (local(first), first.sender, first.text) == ("2020-07-21 09:01:40", "Siti Rahmawati",
                                                        "Selamat pagi, salam dari Sleman 🙏")
    private = chat.messages[4]
    assert (private.sender, private.recipient, private.private, private.text) == (
        "Budi Santoso", "Perpustakaan Balitbangdiklat", True, "Mohon dikirim link presensi")
    assert chat.messages[3].sender == "Ni Luh Putu Wéndi"


def test_newer_format_multi_line_direct_messages_past_midnight_in_cp1252():
    # A session from 23.30: the chat starts the evening before the 21st's early hours.
    chat = parse("chat_new_cp1252.txt", starts_at=datetime(2020, 7, 20, 23, 30, tzinfo=JAKARTA))
    assert chat.format == "zoom-new" and len(chat.messages) == 5
    assert [local(m) for m in chat.messages] == ["2020-07-20 23:58:02", "2020-07-20 23:59:40",
                                                 "2020-07-21 00:01:05", "2020-07-21 00:02:00",
                                                 "2020-07-21 00:03:30"]
    question = chat.messages[1]
    assert question.text == ("Pertanyaan saya:\n1. Bagaimana mengukur engagement?\n"
                             "2. Aplikasi apa untuk membuat flyer")
    assert question.recipient == "Everyone" and not question.private
    dm = chat.messages[2]
    assert (dm.sender, dm.recipient, dm.private) == ("Budi Santoso", "Siti Rahmawati", True)


def test_cloud_recording_format_with_bom_counts_from_the_start():
    chat = parse("chat_cloud_bom.txt")
    assert chat.format == "zoom-cloud" and len(chat.messages) == 4
    assert [(local(m), m.sender) for m in chat.messages[:2]] == [
        ("2020-07-21 09:02:11", "Perpustakaan Balitbangdiklat"), ("2020-07-21 09:05:40", "Siti Rahmawati")]
    assert chat.messages[1].text == "Apakah ada rekamannya?"


@pytest.mark.parametrize(("text", "question", "thanks"), [
    ("Izin bertanya, apakah materinya dibagikan", True, False),
    ("mau tanya pak", True, False),
    ("Pertanyaan saya: bagaimana caranya", True, False),
    ("Apakah ada rekamannya?", True, False),
    ("Terima kasih banyak", False, True),
    ("terimakasih narasumber", False, True),
    ("makasih", False, True),
    ("trims", False, True),
    ("tks infonya", False, True),
    ("Thank you!", False, True),
    ("Salam literasi dari Bantul", False, False),
    ("Selamat pagi", False, False),
])
def test_questions_and_thanks(text, question, thanks):
    assert is_question(text) is question and is_thanks(text) is thanks


def test_a_file_that_is_not_a_chat():
    with pytest.raises(FileProblem) as problem:
        parse_chat(b"Daftar hadir\nSiti\n", tz_name="Asia/Jakarta", starts_at=START)
    assert problem.value.line == 1


def url(library, event):
    return f"/staff/{library.slug}/events/{event.pk}/chat/"


def upload(client, library, event, name, data=None, *, save=True):
    """Upload a chat file; with `save`, confirm it on the preview as staff do."""
    file = SimpleUploadedFile(name, data if data is not None else read(name), content_type="text/plain")
    response = client.post(url(library, event), {"file": file})
    if save and response.status_code == 302:
        return client.post(response["Location"], {"action": "save"})
    return response


def test_a_new_chat_is_previewed_and_replaces_the_old_one_only_when_confirmed(staff, library, session):
    """Issue 13, item 11: the chat import replaced the old chat without a preview."""
    upload(staff, library, session, "chat_old.txt")
    response = upload(staff, library, session, "chat_cloud_bom.txt", save=False)
    assert response.status_code == 302
    preview = staff.get(response["Location"]).content.decode()
    assert 'id="replaces"' in preview and "chat_old.txt" in preview  # what it replaces, and how much
    assert ChatMessage.objects.filter(event=session).count() == 7  # nothing replaced yet
    discarded = staff.post(response["Location"], {"action": "discard"})
    assert discarded.status_code == 302
    assert ChatMessage.objects.filter(event=session).count() == 7
    assert "chat_old.txt" in staff.get(url(library, session)).content.decode()
    again = upload(staff, library, session, "chat_cloud_bom.txt", save=False)
    staff.post(again["Location"], {"action": "save"})
    assert ChatMessage.objects.filter(event=session).count() == 4
    assert ChatImport.objects.get(pk=again["Location"].rstrip("/").rsplit("/", 1)[1]).data == {}
    # A saved preview cannot be saved twice.
    assert staff.post(again["Location"], {"action": "save"}).status_code == 302
    assert ChatMessage.objects.filter(event=session).count() == 4


def test_import_search_and_counts(staff, library, session):
    assert upload(staff, library, session, "chat_old.txt").status_code == 302
    response = staff.get(url(library, session))
    stats = response.context["stats"]
    assert (stats["messages"], stats["questions"], stats["thanks"], stats["private"], stats["senders"]) == (
        7, 2, 2, 1, 5)
    assert [(s["sender"], s["n"]) for s in stats["top_senders"][:2]] == [("Budi Santoso", 2),
                                                                          ("Siti Rahmawati", 2)]
    page = response.content.decode()
    assert "Mohon dikirim link presensi" in page and t("Direct message") in page
    found = staff.get(url(library, session) + "?q=sleman")
    assert [m.sender for m in found.context["page"]] == ["Siti Rahmawati"]
    found = staff.get(url(library, session) + "?q=budi")  # by sender
    assert [m.text for m in found.context["page"]] == ["Izin bertanya, apakah materinya akan dibagikan?",
                                                       "Mohon dikirim link presensi"]
    questions = staff.get(url(library, session) + "?kind=questions")
    assert len(questions.context["page"]) == 2
    private = staff.get(url(library, session) + "?kind=private")
    assert [m.recipient for m in private.context["page"]] == ["Perpustakaan Balitbangdiklat"]


def test_a_reimport_replaces_the_chat_and_a_broken_one_keeps_it(staff, library, session):
    upload(staff, library, session, "chat_old.txt")
    upload(staff, library, session, "chat_cloud_bom.txt")
    assert ChatMessage.objects.filter(event=session).count() == 4
    assert ChatImport.objects.filter(event=session, state=ChatImport.State.SAVED).count() == 2
    broken = upload(staff, library, session, "chat.txt", b"\xff\xd8\xff\xe0 a jpeg")
    assert broken.status_code == 400
    assert t("Nothing was imported.") in broken.content.decode()
    assert ChatMessage.objects.filter(event=session).count() == 4  # the earlier chat is still there


def test_import_is_whole_or_nothing(session, monkeypatch):
    services.import_chat(session, read("chat_old.txt"), "a.txt")

    from sapa.attendance.models import ChatMessage as Model

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Model.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        services.import_chat(session, read("chat_new_cp1252.txt"), "b.txt")
    assert ChatMessage.objects.filter(event=session).count() == 7
    assert ChatImport.objects.filter(event=session).count() == 1


def test_other_libraries_see_no_chat(outsider, library, session):
    services.import_chat(session, read("chat_old.txt"), "a.txt")
    assert outsider.get(url(library, session)).status_code == 404
    assert upload(outsider, library, session, "chat_cloud_bom.txt").status_code == 404
    assert ChatMessage.objects.filter(event=session).count() == 7


def test_newer_zoom_versions_write_to_with_a_capital_and_replies():
    data = (b"10:02:11 From Siti Rahmawati To Everyone:\n"
            b"\tReplying to \"Selamat pagi\":\n"
            b"\tPagi juga!\n"
            b"10:03:00 From Budi Santoso To Siti Rahmawati (Direct Message):\n"
            b"\tOke\n")
    chat = parse_chat(data, tz_name="Asia/Jakarta", starts_at=START)
    assert [(m.sender, m.recipient, m.private) for m in chat.messages] == [
        ("Siti Rahmawati", "Everyone", False), ("Budi Santoso", "Siti Rahmawati", True)]
    assert chat.messages[0].text == "Replying to \"Selamat pagi\":\nPagi juga!"
