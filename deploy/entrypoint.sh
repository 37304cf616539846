#!/bin/sh
# Before gunicorn serves anything, `flask check-deploy` must pass: an unsafe configuration stops
# the container with one line per problem. Other commands (flask db upgrade, db-grants, backup,
# restore) run as given: they are run by hand or by the migrate service, not serving anyone.
set -e
if [ "$1" = "gunicorn" ]; then
    flask check-deploy --workers "${WEB_CONCURRENCY:-1}"
fi
exec "$@"
