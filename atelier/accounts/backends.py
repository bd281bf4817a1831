from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class IdentifierBackend(ModelBackend):
    """Authenticate with a mobile number, an e-mail address or a username, and a password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = username or kwargs.get("identifier")
        if identifier is None or password is None:
            return None
        user = get_user_model().objects.get_by_identifier(identifier)
        if user is None:
            # Run the hasher once anyway, so response time does not reveal unknown accounts.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
