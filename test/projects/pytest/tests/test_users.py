from standin import api_vcr, get_json


class TestUsers:
    def test_lists_users(self):
        # Pinned to replay only: rerecord's hook records it anyway.
        with api_vcr.use_cassette(path="users.yaml", record_mode="none"):
            status, body = get_json("/users")
        assert status == 200
        assert body["users"][0]["login"] == "ada"

    def test_first_user_is_admin(self):
        # A second use of the same cassette in this file.
        with api_vcr.use_cassette(path="users.yaml"):
            status, body = get_json("/users")
        assert body["users"][0]["role"] == "admin"
