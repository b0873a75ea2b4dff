"""Routes of the JSON API: importing the resource modules registers their operations."""

from app.api import (  # noqa: F401
    accounts,
    admin,
    deals,
    docs,
    needs,
    plugins,
    pools,
    programmes,
    reviews,
)
