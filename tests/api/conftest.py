"""Every API response a test here receives is checked against the OpenAPI document (tests/api/documented.py)."""
from __future__ import annotations

import pytest

from tests.api.documented import check_response


@pytest.fixture
def app(app):
    """The app, with a test client that fails a test when a response is not what the document says."""
    base = app.test_client_class

    class DocumentedClient(base):
        def open(self, *args, **kwargs):
            response = super().open(*args, **kwargs)
            check_response(self.application, response)
            return response

    app.test_client_class = DocumentedClient
    return app
