"""The product app (wsgi.py) with bare_app's `/bare-auth` view mounted at `/bench/floor`: one token check and
one Redis GET behind the product's own request hooks. Served by the standings benchmark only; not part of
the product."""
from bare_app import add_authenticated_route
from wsgi import app

add_authenticated_route(app, "/bench/floor")
