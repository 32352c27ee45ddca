# baocao: builds the data package, the SQLite database and the site, then serves them read-only.
# Build:  docker build -t baocao .
# Run:    docker run --rm -p 8001:8001 baocao   (then open http://127.0.0.1:8001/)
FROM python:3.11.10-slim-bookworm AS build

RUN apt-get update && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md LICENSE Makefile ./
COPY docs/package-index.md ./docs/
COPY scripts ./scripts
COPY metadata ./metadata
COPY sources ./sources
COPY datapackage ./datapackage
# the same make targets as the README: build, validate, load, inspect, site
RUN make install && make build

FROM python:3.11.10-slim-bookworm
# serving needs only Datasette, click and PyYAML: no frictionless (and no rich) beside Datasette
RUN pip install --no-cache-dir "datasette==0.65.5" "click>=8.1,<9" "PyYAML>=6.0,<7" \
    && useradd --create-home --uid 10001 baocao
WORKDIR /app
COPY --from=build /app/scripts/baocao/site ./site
COPY --from=build /app/build ./build
RUN chmod -R a+rX /app
# by number, so that a platform that runs only non-root images can tell without reading /etc/passwd
USER 10001:10001
EXPOSE 8001
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8001/-/health', timeout=4).status == 200 else 1)"]
CMD ["python", "site/server.py", "serve", "-i", "build/baocao.db", "--inspect-file", "build/inspect.json", \
     "--metadata", "build/site/datasette-metadata.json", "--template-dir", "site/templates", \
     "--plugins-dir", "site/plugins", "--static", "assets:build/site/assets", \
     "--host", "0.0.0.0", "--port", "8001", \
     "--setting", "sql_time_limit_ms", "1000", "--setting", "max_returned_rows", "1000", \
     "--setting", "suggest_facets", "off", "--setting", "allow_facet", "on", \
     "--setting", "default_page_size", "100", "--setting", "max_csv_mb", "50", \
     "--setting", "num_sql_threads", "3"]
