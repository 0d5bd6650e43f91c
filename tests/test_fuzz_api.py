"""Schemathesis on the open-data API: every operation of /api/v1/openapi.json, called in-process
on the WSGI app with what the schema allows (positive) and what it does not (negative), never
answers with a 5xx. (Schemathesis' own pytest loader is not compatible with our pytest, so its
strategies are driven by Hypothesis' `given` directly.)"""
import pytest
import schemathesis
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.helpers.fuzz import examples


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_api_operation_gives_a_5xx(seeded, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", seeded)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 3
    for operation in operations:
        @hsettings(max_examples=examples(5))
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case):
            response = case.call()
            assert response.status_code < 500, (case.path, case.path_parameters, case.query)

        try:
            call()
        except Unsatisfiable:  # nothing invalid to send to an operation without parameters
            assert mode == GenerationMode.NEGATIVE
