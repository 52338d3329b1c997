"""Django's admin app with Sapa's admin site (sapa.libraries.admin_site) as its default site.

Its own module: INSTALLED_APPS loads it before the models exist.
"""

from django.contrib.admin.apps import AdminConfig


class SapaAdminConfig(AdminConfig):
    default_site = "sapa.libraries.admin_site.SapaAdminSite"
