"""Certificates staff URLs, under /staff/<library>/events/<event>/certificates/."""

from django.urls import path

from sapa.certificates import views_staff as views

P = "events/<int:event_id>/certificates/"

urlpatterns = [
    path(P, views.event_certificates, name="certificates-event"),
    path(P + "recipients/", views.recipients, name="certificates-recipients"),
    path(P + "recipients/<int:recipient_id>/delete/", views.recipient_delete, name="certificates-recipient-delete"),
    path(P + "designs/<int:design_id>/", views.design_edit, name="certificates-design"),
    path(P + "designs/<int:design_id>/background/", views.design_background, name="certificates-design-background"),
    path(P + "designs/<int:design_id>/page.jpg", views.design_page, name="certificates-design-page"),
    path(P + "designs/<int:design_id>/preview.pdf", views.design_preview, name="certificates-design-preview"),
    path(P + "designs/<int:design_id>/generate/", views.generate, name="certificates-generate"),
    path(P + "generations/<int:generation_id>/", views.generation_progress, name="certificates-generation"),
    path(P + "all.zip", views.certificates_zip, name="certificates-zip"),
    path(P + "<int:certificate_id>/", views.certificate_detail, name="certificates-certificate"),
    path(P + "<int:certificate_id>/pdf/", views.certificate_pdf, name="certificates-pdf"),
]
