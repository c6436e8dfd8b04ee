from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.utils.urls import remove_query_param


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


Position = tuple[dt.datetime, uuid.UUID]


class NewestFirstKeysetPagination(pagination.CursorPagination):
    """Pages of a long time series (five years of doses), newest first by (time, id).

    The cursor holds the (time, id) of the page's edge row, so there is no COUNT(*) and
    no OFFSET: page 140 is as fast as page 1 and stays stable while new rows arrive.
    The rows come from a function, so the list can fetch them with one written-out query.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-taken_at", "-id")  # what the fetch functions sort by; the schema says it

    def paginate_rows(
        self,
        request,
        fetch: Callable[[Position | None, bool, int], list],
        position_of: Callable[[object], Position],
    ) -> list:
        """`fetch(position, older, limit)` returns up to `limit` rows next to `position`:
        the older ones newest first, or (older=False) the newer ones oldest first."""
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        cursor = self.decode_cursor(request)
        position = self._decode_position(cursor.position) if cursor else None
        older = not (cursor and cursor.reverse)
        rows = fetch(position, older, self.page_size + 1)
        more, rows = len(rows) > self.page_size, rows[: self.page_size]
        if not older:
            rows.reverse()
        # Without rows, the page's edge is the cursor: an empty page of newer rows is
        # continued by the newest page, an empty page of older rows by the rows newer
        # than the cursor.
        self.first = position_of(rows[0]) if rows else position
        self.last = position_of(rows[-1]) if rows else None
        self.has_next = more if older else True
        self.has_previous = position is not None if older else more
        return rows

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        if self.last is None:
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self.encode_cursor(pagination.Cursor(0, False, self._encode_position(self.last)))

    def get_previous_link(self) -> str | None:
        if not self.has_previous or self.first is None:
            return None
        return self.encode_cursor(pagination.Cursor(0, True, self._encode_position(self.first)))

    @staticmethod
    def _encode_position(position: Position) -> str:
        moment, row_id = position
        return f"{moment.isoformat()}|{row_id}"

    def _decode_position(self, text: str | None) -> Position:
        try:
            moment, row_id = (text or "").split("|")
            position = dt.datetime.fromisoformat(moment), uuid.UUID(row_id)
        except ValueError:
            raise NotFound(self.invalid_cursor_message) from None
        if position[0].tzinfo is None:
            raise NotFound(self.invalid_cursor_message)
        return position
