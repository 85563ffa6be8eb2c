# Code location image of ds-pipeline: the Dagster definitions (`ds_pipeline.definitions`) served over gRPC on
# port 4000. The same image runs the launched runs and, with the Kubernetes executor, each step.
# Build: docker build -t ghcr.io/ds-pipeline/ds-pipeline:<tag> .   (see deploy/README.md)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# What the PDF products need at run time: Pango/HarfBuzz for WeasyPrint, DejaVu and Noto fonts (Noto Naskh Arabic
# for the Arabic area updates), fontconfig to find them, poppler-utils (pdftotext) for the brief's text check.
# No compilers, no browser (only the tests use one).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
        fonts-dejavu-core fonts-noto-core fontconfig poppler-utils \
    && rm -rf /var/lib/apt/lists/* \
    && fc-cache -f

WORKDIR /opt/ds-pipeline

# Pinned dependencies first (their layer is reused while requirements.lock does not change).
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

# The project. It is installed in editable mode so that the package keeps finding its siblings in this folder
# (reports/templates for the products, deploy/dagster.local.yaml for throwaway instances).
COPY pyproject.toml README.md babel.cfg workspace.yaml ./
COPY ds_pipeline/ ds_pipeline/
COPY reports/templates/ reports/templates/
COPY deploy/ deploy/
RUN pip install --no-cache-dir --no-deps -e . \
    && python -c "import ds_pipeline.definitions"

# A non-root user owning the data folder (sources, published editions, pickled editions). In Kubernetes a
# PersistentVolumeClaim is mounted over it (deploy/helm/values.yaml sets fsGroup 10001 so it stays writable).
RUN groupadd --gid 10001 dspipeline \
    && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/dspipeline --shell /usr/sbin/nologin dspipeline \
    && mkdir -p /opt/ds-pipeline/data/sources /opt/ds-pipeline/data/published /opt/ds-pipeline/data/assets \
    && chown -R 10001:10001 /opt/ds-pipeline/data

ENV DS_ENV=production \
    DS_EXECUTOR=k8s \
    DS_SOURCES_DIR=/opt/ds-pipeline/data/sources \
    DS_PUBLISH_DIR=/opt/ds-pipeline/data/published \
    DS_ASSETS_DIR=/opt/ds-pipeline/data/assets \
    HOME=/home/dspipeline \
    MPLCONFIGDIR=/home/dspipeline/.config/matplotlib

USER 10001:10001

EXPOSE 4000

CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "ds_pipeline.definitions"]
