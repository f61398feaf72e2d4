from django.urls import path

from sitroom.cases import api

urlpatterns = [
    path("cases", api.CaseList.as_view(), name="api-cases"),
    path("cases/<int:pk>", api.CaseDetail.as_view(), name="api-case"),
    path("register", api.RegisterList.as_view(), name="api-register"),
]
