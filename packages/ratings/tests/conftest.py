from __future__ import annotations

import pytest

from movierec_ratings.spec import spec


@pytest.fixture(scope="session")
def service_spec():
    return spec
