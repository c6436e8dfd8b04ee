from django.urls import path

from . import views

urlpatterns = [
    path("sync/pull", views.pull_view, name="sync-pull"),
    path("sync/push", views.push_view, name="sync-push"),
]
