# kubectl-dataplat, jupyterhub addon: the first admin of NativeAuthenticator.
#
# NativeAuthenticator has no setting for an initial password: an admin would have to sign up
# through /hub/signup, and whoever signs up first under the admin's name becomes admin. So the
# hub creates the admin itself when the authenticator starts (before it serves a request): user
# DATAPLAT_ADMIN_USER, authorized, with the bcrypt hash of DATAPLAT_ADMIN_PASSWORD (from the
# Secret kubectl-dataplat generates). An existing user is left as it is, so a password changed
# in the hub (/hub/change-password) is kept.
import os

import bcrypt
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.orm import UserInfo


class DataplatNativeAuthenticator(NativeAuthenticator):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name = self.normalize_username(os.environ.get("DATAPLAT_ADMIN_USER", ""))
        password = os.environ.get("DATAPLAT_ADMIN_PASSWORD", "")
        if not name or not password:
            self.log.warning("dataplat: DATAPLAT_ADMIN_USER or DATAPLAT_ADMIN_PASSWORD unset, no admin created")
            return
        if self.get_user(name) is None:
            hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt())
            self.db.add(UserInfo(username=name, password=hashed, is_authorized=True))
            self.db.commit()
            self.log.info("dataplat: created the admin user %s", name)


if c.JupyterHub.get("authenticator_class") in ("native", "nativeauthenticator.NativeAuthenticator"):  # noqa: F821
    c.JupyterHub.authenticator_class = DataplatNativeAuthenticator  # noqa: F821
