"""Media on S3-compatible storage (imported only when SAPA_S3_BUCKET is set: boto3 is heavy)."""

import mimetypes
import tarfile
from pathlib import Path

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from sapa.core.uploads import content_disposition_inline
from sapa.core.views import PUBLIC_MEDIA_PREFIXES


class MediaStorage(S3Storage):
    """Media on S3 (SAPA_S3_BUCKET): public files at stable addresses, private ones signed.

    Posters, logos, news photos and social media images (PUBLIC_MEDIA_PREFIXES) are
    shown on public pages and shared as `og:image` links that must not expire: they
    are stored readable by anyone (ACL public-read, unless SAPA_S3_PUBLIC_ACL=0 where
    a bucket policy does it) and addressed without a signature, under
    SAPA_S3_PUBLIC_URL (a media origin or CDN) or the bucket's own address. Every
    other file (certificates, imports) keeps a signed address that expires after
    SAPA_S3_URL_SECONDS.
    """

    @staticmethod
    def is_public(name: str) -> bool:
        return name.startswith(PUBLIC_MEDIA_PREFIXES) and ".." not in name.split("/")

    def get_object_parameters(self, name):
        params = super().get_object_parameters(name)
        if settings.SAPA_S3_PUBLIC_ACL and self.is_public(name):
            params["ACL"] = "public-read"
        # As sapa.core.views.media: a public file that is not an image or video is a download.
        if self.is_public(name) and not content_disposition_inline(mimetypes.guess_type(name)[0] or ""):
            params["ContentType"] = "application/octet-stream"
            params["ContentDisposition"] = "attachment"
        return params

    def url(self, name, parameters=None, expire=None, http_method=None):
        if not self.is_public(self._normalize_name(clean_name(name))) or parameters:
            return super().url(name, parameters, expire or settings.SAPA_S3_URL_SECONDS, http_method)
        base = settings.SAPA_S3_PUBLIC_URL
        if base:
            return f"{base.rstrip('/')}/{filepath_to_uri(clean_name(name))}"
        # The bucket's own address, composed by an unsigned client (no signature to strip).
        return self.unsigned_connection.meta.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket.name, "Key": self._normalize_name(clean_name(name))})

    # --- sapa backup / sapa restore ------------------------------------------------------

    def _prefix(self) -> str:
        return f"{self.location.strip('/')}/" if self.location else ""

    def backup_into(self, tar) -> int:
        """Write every object of the bucket (under the storage's location) as media/<name>."""
        count = 0
        prefix = self._prefix()
        for summary in self.bucket.objects.filter(Prefix=prefix):
            name = summary.key[len(prefix):]
            if not name or name.endswith("/"):
                continue
            body = summary.get()["Body"]
            info = tarfile.TarInfo(f"media/{name}")
            info.size = summary.size
            info.mtime = int(summary.last_modified.timestamp())
            tar.addfile(info, body)
            count += 1
        return count

    def restore_from(self, folder) -> int:
        """Make the bucket hold exactly the files under `folder` (the backup's media/)."""
        prefix = self._prefix()
        folder = Path(folder)
        wanted = set()
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = path.relative_to(folder).as_posix()
            wanted.add(prefix + name)
            extra = dict(self.get_object_parameters(name))
            content_type = mimetypes.guess_type(name)[0]
            if content_type:
                extra.setdefault("ContentType", content_type)
            self.bucket.upload_file(str(path), prefix + name, ExtraArgs=extra)
        for summary in list(self.bucket.objects.filter(Prefix=prefix)):
            if summary.key not in wanted:
                summary.delete()
        return len(wanted)
