from rebook.runtime.topics import ALL_TOPICS, BOOKINGS, DISRUPTIONS, FLIGHTS, OFFERS, PROXIMITY


def test_state_topics_are_compacted_and_event_topics_are_not() -> None:
    for spec in (FLIGHTS, PROXIMITY, BOOKINGS):
        assert spec.configs()["cleanup.policy"] == "compact"
    for spec in (DISRUPTIONS, OFFERS):
        assert spec.configs()["cleanup.policy"] == "delete"
        assert int(spec.configs()["retention.ms"]) > 0


def test_topic_names_are_unique_and_versioned() -> None:
    names = [spec.name for spec in ALL_TOPICS]
    assert len(names) == len(set(names))
    assert all(name.startswith("rebook.") and name.endswith(".v1") for name in names)
