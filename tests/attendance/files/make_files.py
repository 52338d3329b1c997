"""Writes the report and chat fixtures of tests/attendance (run it again after a change):

    .venv/bin/python tests/attendance/files/make_files.py

They are shaped like real exports (see ../shared/reference/formats.md and
docs/attendance.md): the Zoom meeting participants report with and without its
meeting block, an older export re-saved by an Indonesian Excel (`;`, Windows-1252,
day-first dates, dots in times), a UTF-8-with-BOM "unique users" export, XLSX, the
webinar attendee report, both Google Meet variants, and the three chat formats.
"""

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
CRLF = "\r\n"

MEETING_BLOCK = [
    "Topic,Meeting ID,User Name,User Email,Department,Group,Has Zoom Rooms,Creation Time,Start Time,End Time,"
    "Duration (Minutes),Participants",
    '"Sharing Session Pengelolaan Media Sosial Perpustakaan di Masa Pandemi Covid-19",812 3456 7890,'
    "Perpustakaan Balitbangdiklat,perpustakaan@kemenag.example,,,No,07/20/2020 02:02:11 PM,"
    "07/21/2020 08:45:03 AM,07/21/2020 11:40:12 AM,176,9",
    "",
]
# name, email, join, leave, duration, guest
PARTICIPANTS = [
    ("Perpustakaan Balitbangdiklat", "perpustakaan@kemenag.example", "08:45:03", "11:40:12", 176, "No"),
    ("Siti Rahmawati", "siti.rahmawati@example.org", "08:58:12", "10:02:40", 65, "Yes"),
    ("NI LUH PUTU WENDI", "", "09:02:00", "11:29:30", 148, "Yes"),
    ("Budi Santoso", "budi.santoso@example.org", "09:00:00", "11:00:00", 120, "Yes"),
    ("Dewi - Perpusda Sleman (Dewi Lestari)", "", "09:10:00", "10:40:00", 90, "Yes"),
    ("Siti Rahmawati", "siti.rahmawati@example.org", "10:05:01", "11:31:00", 86, "Yes"),
    ("Budi HP (Budi Santoso)", "", "09:30:00", "11:30:00", 120, "Yes"),
    ("Hendra Wijaya", "HENDRA.Wijaya@Example.org", "09:00:00", "11:30:00", 150, "Yes"),
    ("Agus_SMAN 1 Bantul", "", "09:00:00", "09:45:00", 45, "Yes"),
    ("iPhone Pak Joko", "", "09:15:00", "10:15:00", 60, "Yes"),
]


def us(clock: str) -> str:
    """07/21/2020 08:58:12 AM, as Zoom writes it."""
    return datetime.strptime(f"2020-07-21 {clock}", "%Y-%m-%d %H:%M:%S").strftime("%m/%d/%Y %I:%M:%S %p")


def q(text: str) -> str:
    return f'"{text}"' if "," in text else text


def zoom_meeting_full():
    lines = [*MEETING_BLOCK, "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,"
             "Recording Consent,In Waiting Room"]
    for name, email, join, leave, minutes, guest in PARTICIPANTS:
        lines.append(f"{q(name)},{email},{us(join)},{us(leave)},{minutes},{guest},Y,No")
    (HERE / "zoom_meeting_full.csv").write_bytes((CRLF.join(lines) + CRLF).encode("utf-8"))


def zoom_meeting_excel_cp1252():
    """No meeting block, stops at Guest; re-saved by Excel in Indonesian: `;`, Windows-1252,
    21/07/2020 08.58 (no seconds), and an accented registration-style name."""
    lines = ["Name (Original Name);User Email;Join Time;Leave Time;Duration (Minutes);Guest"]
    for name, email, join, leave, minutes, guest in PARTICIPANTS:
        if name == "NI LUH PUTU WENDI":
            name = "Ni Luh Putu Wéndi"
        lines.append(f"{name};{email};21/07/2020 {join[:5].replace(':', '.')};"
                     f"21/07/2020 {leave[:5].replace(':', '.')};{minutes};{guest}")
    (HERE / "zoom_meeting_excel_cp1252.csv").write_bytes((CRLF.join(lines) + CRLF).encode("cp1252"))


def zoom_meeting_unique_bom():
    """The "unique users" export: one total per person, no times; UTF-8 with BOM."""
    lines = ["Name (Original Name),User Email,Total Duration (Minutes),Guest",
             "Siti Rahmawati,siti.rahmawati@example.org,151,Yes",
             "Ni Luh Putu Wéndi,,148,Yes",
             "Budi Santoso,budi.santoso@example.org,120,Yes",
             "Budi HP (Budi Santoso),,120,Yes",
             "Hendra Wijaya,hendra.wijaya@example.org,150,Yes",
             "Agus_SMAN 1 Bantul,,45,Yes"]
    (HERE / "zoom_meeting_unique_bom.csv").write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))


def zoom_meeting_xlsx():
    book = Workbook()
    sheet = book.active
    for line in MEETING_BLOCK[:2]:
        import csv
        sheet.append(next(csv.reader([line])))
    sheet.append([])
    sheet.append(["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)", "Guest",
                  "Recording Consent", "In Waiting Room"])
    for name, email, join, leave, minutes, guest in PARTICIPANTS:
        sheet.append([name, email or None, datetime.strptime(f"2020-07-21 {join}", "%Y-%m-%d %H:%M:%S"),
                      datetime.strptime(f"2020-07-21 {leave}", "%Y-%m-%d %H:%M:%S"), minutes, guest, "Y", "No"])
    book.save(HERE / "zoom_meeting.xlsx")


def zoom_webinar():
    header = ("Attended,User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes),Is Guest,"
              "Country/Region Name")
    lines = [
        "Attendee Report,",
        'Report Generated:,"07/21/2020 12:10 PM"',
        "Topic,Webinar ID,Actual Start Time,Actual Duration (minutes),# Registered,# Cancelled,Unique Viewers,"
        "Total Users,Max Concurrent Views",
        '"Sharing Session Pengelolaan Media Sosial Perpustakaan",812 3456 7890,"07/21/2020 08:55:10 AM",155,7,0,'
        "5,8,5",
        "Host Details,",
        header,
        f"Yes,Perpustakaan Balitbangdiklat,perpustakaan@kemenag.example,{us('08:55:10')},{us('11:30:05')},155,No,"
        "Indonesia",
        "Panelist Details,",
        header,
        f"Yes,Rina Kartikasari,rina.kartikasari@example.org,{us('08:56:00')},{us('11:30:00')},154,No,Indonesia",
        "Attendee Details,",
        "Attended,User Name (Original Name),First Name,Last Name,Email,Phone,Registration Time,Approval Status,"
        "Join Time,Leave Time,Time in Session (minutes),Is Guest,Instansi,Country/Region Name",
        f"Yes,Siti Rahmawati,Siti,Rahmawati,siti.rahmawati@example.org,,{us('10:00:00')},approved,"
        f"{us('08:58:12')},{us('10:02:40')},65,Yes,Perpustakaan Daerah Sleman,Indonesia",
        f"Yes,Siti Rahmawati,Siti,Rahmawati,siti.rahmawati@example.org,,{us('10:00:00')},approved,"
        f"{us('10:05:01')},{us('11:31:00')},86,Yes,Perpustakaan Daerah Sleman,Indonesia",
        f"Yes,Ni Luh Putu Wéndi,Ni Luh Putu,Wéndi,,,{us('10:00:00')},approved,"
        f"{us('09:02:00')},{us('11:29:30')},148,Yes,SMAN 1 Denpasar,Indonesia",
        f"No,Agus Kurniawan,Agus,Kurniawan,agus.kurniawan@example.org,,{us('10:00:00')},approved,--,--,--,--,"
        "SMAN 1 Bantul,--",
        f"Yes,Hendra Wijaya,Hendra,Wijaya,Hendra.Wijaya@example.org,,{us('10:00:00')},approved,"
        f"{us('09:00:00')},{us('10:00:00')},60,Yes,,Indonesia",
        f"Yes,Pak Joko (Joko Susilo),Joko,Susilo,joko.s@example.net,,{us('10:00:00')},approved,"
        f"{us('09:15:00')},{us('10:15:00')},60,Yes,,Indonesia",
        f"No,Dewi Lestari,Dewi,Lestari,dewi.lestari@example.org,,{us('10:00:00')},approved,--,--,--,--,,--",
    ]
    (HERE / "zoom_webinar.csv").write_bytes((CRLF.join(lines) + CRLF).encode("utf-8"))


def google_meet_names():
    lines = ["First name,Last name,Email,Duration,Time joined,Time exited",
             "Siti,Rahmawati,siti.rahmawati@example.org,2 hr 33 min,8:58 AM,11:31 AM",
             "Budi,Santoso,budi.santoso@example.org,2 hr,9:00 AM,11:00 AM",
             "Dewi,Lestari,,1 hr 30 min,9:10 AM,10:40 AM",
             "Tamu,Tanpa Nama,,45 min,,"]
    (HERE / "google_meet_names.csv").write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


def google_meet_preamble_xlsx():
    book = Workbook()
    sheet = book.active
    sheet.append(["Meeting title", "Sharing Session Pengelolaan Media Sosial Perpustakaan"])
    sheet.append(["Date", "Jul 21, 2020"])
    sheet.append(["Start time", "08:55"])
    sheet.append(["End time", "11:35"])
    sheet.append([])
    sheet.append(["Name", "Email", "Duration", "Time joined", "Time exited"])
    sheet.append(["Siti Rahmawati", "siti.rahmawati@example.org", "2 hr 33 min", "08:58", "11:31"])
    sheet.append(["Ni Luh Putu Wéndi", None, "2 hr 27 min", "09:02", "11:29"])
    sheet.append(["Hendra Wijaya", "hendra.wijaya@example.org", "1 hr 5 min", None, None])
    sheet.append(["Galaxy A12", None, "20 min", "09:40", "10:00"])
    book.save(HERE / "google_meet_preamble.xlsx")


def broken():
    lines = ["Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest",
             f"Siti Rahmawati,siti.rahmawati@example.org,{us('08:58:12')},{us('10:02:40')},65,Yes",
             f"Budi Santoso,budi.santoso@example.org,{us('09:00:00')},{us('11:00:00')},120,Yes",
             f"Hendra Wijaya,hendra.wijaya@example.org,kemarin pagi,{us('11:30:00')},150,Yes"]
    (HERE / "zoom_meeting_bad_time.csv").write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    (HERE / "zoom_meeting_no_duration.csv").write_bytes(
        b"Name (Original Name),User Email,Join Time,Guest\nSiti Rahmawati,siti@example.org,07/21/2020 08:58:12 AM,"
        b"Yes\n")
    (HERE / "not_a_report.csv").write_bytes(b"Judul,Penulis,Tahun\nLaskar Pelangi,Andrea Hirata,2005\n")


CHAT_OLD = """\
09:01:12\t From  Perpustakaan Balitbangdiklat : Selamat pagi Bapak/Ibu, selamat datang di sharing session.
09:01:40\t From  Siti Rahmawati : Selamat pagi, salam dari Sleman 🙏
09:15:03\t From  Budi Santoso : Izin bertanya, apakah materinya akan dibagikan?
09:15:30\t From  Ni Luh Putu Wéndi : Mau tanya, berapa kali sebaiknya posting dalam seminggu
09:20:00\t From  Budi Santoso to  Perpustakaan Balitbangdiklat(Privately) : Mohon dikirim link presensi
11:29:00\t From  Hendra Wijaya : Terima kasih banyak, sangat bermanfaat
11:29:10\t From  Siti Rahmawati : makasih narasumber
"""

CHAT_NEW = """\
23:58:02 From Perpustakaan Balitbangdiklat to Everyone:
\tSelamat malam, sesi dimulai sebentar lagi.
23:59:40 From Siti Rahmawati to Everyone:
\tPertanyaan saya:
\t1. Bagaimana mengukur engagement?
\t2. Aplikasi apa untuk membuat flyer
00:01:05 From Budi Santoso to Siti Rahmawati(Direct Message):
\tSiti, nanti kirim catatannya ya
00:02:00 From Dewi Lestari to Everyone:
\tTrims atas materinya
00:03:30 From Hendra Wijaya to Everyone:
\tReacted to "Selamat malam, sesi d..." with 👍
"""

CHAT_CLOUD = """\
00:02:11\tPerpustakaan Balitbangdiklat:\tSelamat pagi semua
00:05:40\tSiti Rahmawati:\tApakah ada rekamannya?
00:06:00\tBudi Santoso:\ttks infonya
00:07:30\tAgus Kurniawan:\tSalam literasi dari Bantul
"""


def chats():
    (HERE / "chat_old.txt").write_bytes(CHAT_OLD.replace("\n", "\r\n").encode("utf-8"))
    (HERE / "chat_new_cp1252.txt").write_bytes(CHAT_NEW.replace("👍", ":+1:").encode("cp1252"))
    (HERE / "chat_cloud_bom.txt").write_bytes(("\ufeff" + CHAT_CLOUD).encode("utf-8"))


if __name__ == "__main__":
    zoom_meeting_full()
    zoom_meeting_excel_cp1252()
    zoom_meeting_unique_bom()
    zoom_meeting_xlsx()
    zoom_webinar()
    google_meet_names()
    google_meet_preamble_xlsx()
    broken()
    chats()
    print("written:", ", ".join(sorted(p.name for p in HERE.iterdir() if p.suffix != ".py")))
