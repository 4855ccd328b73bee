# One image per service: docker build --build-arg SERVICE=movies -t movierec-movies:0.1.0 .
#
# Dependencies are installed offline from wheels built on the host (tools/build-wheels),
# so a build needs no index: air-gapped hosts and hosts whose containers cannot reach PyPI
# build the same way. SERVICE=all gives the operator image (every workspace wheel built:
# every service and `movierec`, used by the migrate and seed one-shot services; the wheels
# never include the dev-only test kit). Works with the classic builder.
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS build
ARG SERVICE
COPY dist/wheels /wheels
RUN test -n "${SERVICE}" || { echo "--build-arg SERVICE=<a service's name>|all"; exit 1; } \
 && python3 -m venv /opt/movierec \
 && if [ "${SERVICE}" = "all" ]; then \
      packages=$(cd /wheels && ls movierec_*.whl | sed 's/-.*//'); \
    else packages="movierec-${SERVICE}"; fi \
 && /opt/movierec/bin/pip install --no-cache-dir --no-index --find-links /wheels ${packages} \
 && /opt/movierec/bin/pip uninstall --yes pip

FROM ${BASE_IMAGE}
ARG SERVICE
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="movierec-${SERVICE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.description="movierec ${SERVICE} service" \
      org.opencontainers.image.licenses="MIT"
RUN (getent group movierec || groupadd --system --gid 10001 movierec) \
 && (getent passwd movierec || useradd --system --uid 10001 --gid movierec --home-dir /app --shell /usr/sbin/nologin movierec) \
 && mkdir -p /app && chown movierec:movierec /app
COPY --from=build /opt/movierec /opt/movierec
ENV PATH=/opt/movierec/bin:${PATH} \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MOVIEREC_SERVICE=${SERVICE} \
    MOVIEREC_LOG_JSON=true
USER movierec
WORKDIR /app
EXPOSE 8000
# The API by default; stack files run the relay, consumer, worker and beat with `command`.
CMD ["sh", "-c", "exec movierec-${MOVIEREC_SERVICE} serve --host 0.0.0.0 --port 8000"]
