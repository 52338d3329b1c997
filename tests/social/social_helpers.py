"""Helpers of the social tests that read what a connector sent."""

import email.parser
from urllib.parse import parse_qs


def form(request) -> dict:
    """Fields of a urlencoded or multipart body: {name: value or (filename, bytes)}."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/x-www-form-urlencoded"):
        return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
    assert ctype.startswith("multipart/form-data"), ctype
    message = email.parser.BytesParser().parsebytes(
        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + request.content)
    fields = {}
    for part in message.get_payload():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_param("filename", header="content-disposition")
        payload = part.get_payload(decode=True)
        fields[name] = (filename, payload) if filename else payload.decode()
    return fields
