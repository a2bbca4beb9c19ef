import json
import logging

from rebook.runtime.logs import JsonFormatter


def _format(**extra: object) -> dict:
    record = logging.LogRecord("rebook.test", logging.INFO, __file__, 1, "offer %s", ("made",), None)
    for key, value in extra.items():
        setattr(record, key, value)
    return json.loads(JsonFormatter("optimizer").format(record))


def test_log_line_is_one_json_object_with_context() -> None:
    entry = _format(record_count=3, topic="rebook.offers.v1")
    assert entry["message"] == "offer made"
    assert entry["service"] == "optimizer"
    assert entry["record_count"] == 3
    assert entry["topic"] == "rebook.offers.v1"


def test_personal_data_never_reaches_the_log() -> None:
    entry = _format(
        passenger_id="PAX-123",
        latitude=50.03,
        longitude=8.57,
        token="secret-token",
        passenger_name="Ada",
        offer_id="QX7K2M/CANCELLATION:RB1",
        record_locator="QX7K2M",
        key="QX7K2M",
    )
    text = json.dumps(entry)
    for leaked in ("PAX-123", "50.03", "8.57", "secret-token", "Ada", "QX7K2M"):
        assert leaked not in text
