from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class NewestFirstCursorPagination(pagination.CursorPagination):
    """For long time series (five years of doses): no COUNT(*) per page, stable while new
    rows arrive, and as fast on page 140 as on page 1."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-taken_at", "-id")
