# Registers (or updates) the platform's Trino as a Superset database. Run by the init job after
# `superset init`; every setting comes from the environment the superset addon gives the job:
#   TRINO_HOST, TRINO_PORT, TRINO_HTTP_SCHEME, TRINO_CATALOG   where Trino is
#   TRINO_USER, TRINO_PASSWORD                                from the copy of Trino's Secret
#   TRINO_CA_BUNDLE                                           the copied CA's file (HTTPS only)
#   SUPERSET_TRINO_DATABASE                                   the database's name in Superset
# The password is stored the way Superset stores any database password: encrypted with the
# SECRET_KEY, outside the URI. Re-running updates the same database, so a rotated password or a
# moved coordinator is followed at the next init.
import json
import os
import sys
from urllib.parse import quote

from superset.app import create_app

env = os.environ
name = env["SUPERSET_TRINO_DATABASE"]
scheme = env["TRINO_HTTP_SCHEME"]
uri = "trino://%s:%s@%s:%s/%s" % (
    quote(env["TRINO_USER"], safe=""),
    quote(env["TRINO_PASSWORD"], safe=""),
    env["TRINO_HOST"],
    env["TRINO_PORT"],
    env["TRINO_CATALOG"],
)
connect_args = {"http_scheme": scheme}
if scheme == "https":
    ca = env["TRINO_CA_BUNDLE"]
    if not os.path.isfile(ca):
        sys.exit("Trino's CA %s is not mounted" % ca)
    connect_args["verify"] = ca
extra = {
    "engine_params": {"connect_args": connect_args},
    "metadata_params": {},
    "schemas_allowed_for_file_upload": [],
    "allows_virtual_table_explore": True,
}

app = create_app()
with app.app_context():
    from superset import db
    from superset.models.core import Database

    database = db.session.query(Database).filter_by(database_name=name).one_or_none()
    created = database is None
    if created:
        database = Database(database_name=name)
        db.session.add(database)
    database.set_sqlalchemy_uri(uri)
    database.extra = json.dumps(extra)
    database.expose_in_sqllab = True
    database.allow_ctas = True
    database.allow_cvas = True
    database.allow_dml = False
    db.session.commit()
    print(
        "%s Superset database %r: %s (%s)"
        % ("created" if created else "updated", name, database.sqlalchemy_uri, scheme)
    )
