# LIS Workbench — everything is installed by these targets (Debian 12). Run as root or with sudo.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
OUT := out
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := qgis python3-qgis qgis-providers xvfb spatialite-bin libsqlite3-mod-spatialite gdal-bin \
	python3-gdal python3-venv poppler-utils python3-numpy python3-pandas python3-scipy \
	fonts-dejavu-core xauth pyqt5-dev-tools postgresql-15 postgresql-15-postgis-3 python3-psycopg2 \
	nodejs chromium
QGIS_ENV := QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=/tmp/runtime-$$(id -u)

.PHONY: setup demo test test-unit test-qgis344 package bench lint i18n screenshot clean

setup: .stamp-apt .stamp-venv .stamp-npm

.stamp-apt: Makefile
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages: $$missing"; \
		$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@touch $@

.stamp-venv: pyproject.toml .stamp-apt
	@[ -x $(PY) ] || /usr/bin/python3 -m venv --system-site-packages $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $@

# axe-core and playwright-core for the website's accessibility check (tools/axe/check.mjs, tests/web), as locked.
.stamp-npm: tools/axe/package.json tools/axe/package-lock.json .stamp-apt
	@command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends npm
	cd tools/axe && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

demo: setup
	$(VENV)/bin/lis sample build --out $(OUT)
	$(QGIS_ENV) $(VENV)/bin/lis map $(OUT)/wigan_store.gpkg imd2019_imd_decile --method decile \
		--out $(OUT)/imd2019_decile_map.png --gpkg $(OUT)/imd2019_decile_map.gpkg
	$(QGIS_ENV) $(VENV)/bin/lis atlas $(OUT)/wigan_store.gpkg imd2019_imd_decile --method decile --out $(OUT)/wigan_ward_atlas.pdf
	$(QGIS_ENV) $(VENV)/bin/lis profile $(OUT)/wigan_store.gpkg --out $(OUT)/wigan_ward_profiles.pdf
	$(QGIS_ENV) $(VENV)/bin/lis hotspot $(OUT)/wigan_store.gpkg imd2025_imd_score --out $(OUT)/imd2025_hotspots.png \
		--gpkg $(OUT)/imd2025_hotspots.gpkg
	$(QGIS_ENV) $(VENV)/bin/lis site $(OUT)/wigan_store.gpkg --demand pop2016_age_0_4 --need "imd2019_imd_decile<=3" \
		--candidates schools --candidates-filter "education_phase = 'Primary'" \
		--p 3 --radius 1500 \
		--out $(OUT)/childrens_centres_map.png --curve $(OUT)/childrens_centres_curve.png \
		--gpkg $(OUT)/childrens_centres.gpkg --csv $(OUT)/childrens_centres_sites.csv
	$(QGIS_ENV) $(VENV)/bin/lis index sample_data/wigan_vulnerability_index.toml --store $(OUT)/wigan_store.gpkg \
		--save --out $(OUT)/wigan_vulnerability_index.png --csv $(OUT)/wigan_vulnerability_index.csv --sensitivity
	$(QGIS_ENV) $(VENV)/bin/lis trend $(OUT)/wigan_store.gpkg claimant_rate --start 2015-01 --end 2017-10 \
		--chart $(OUT)/claimant_trend.png --map $(OUT)/claimant_change.png --csv $(OUT)/claimant_trend.csv
	$(QGIS_ENV) $(VENV)/bin/lis compare $(OUT)/wigan_store.gpkg iod2019_income_numerator --denominator pop2015_total \
		--benchmark england --csv $(OUT)/income_deprivation_vs_england.csv --funnel $(OUT)/income_deprivation_funnel.png
	$(QGIS_ENV) $(VENV)/bin/lis inequality $(OUT)/wigan_store.gpkg iod2019_income_numerator --denominator pop2015_total \
		--chart $(OUT)/income_deprivation_inequality.png --csv $(OUT)/income_deprivation_inequality.csv
	$(QGIS_ENV) $(VENV)/bin/lis emerging $(OUT)/wigan_store.gpkg claimant_rate --correction none \
		--out $(OUT)/claimant_emerging_hotspots.png --csv $(OUT)/claimant_emerging_hotspots.csv
	$(VENV)/bin/lis areas add $(OUT)/wigan_store.gpkg neighbourhoods --codes sample_data/wigan_neighbourhoods_lsoa11.csv
	$(QGIS_ENV) $(VENV)/bin/lis profile $(OUT)/wigan_store.gpkg --geography neighbourhoods --lookup lsoa11_neighbourhoods \
		--out $(OUT)/neighbourhood_profiles.pdf
	$(QGIS_ENV) $(VENV)/bin/lis publish $(OUT)/wigan_store.gpkg --out $(OUT)/site --hotspots imd2025_imd_score \
		--siting $(OUT)/childrens_centres.gpkg
	@echo "Demo outputs in $(OUT)/: wigan_store.gpkg, imd2019_decile_map.png, wigan_ward_atlas.pdf,"
	@echo "  wigan_ward_profiles.pdf, imd2025_hotspots.png (IMD 2025 score: red = clusters of need),"
	@echo "  childrens_centres_map.png, childrens_centres_curve.png,"
	@echo "  wigan_vulnerability_index.png, claimant_trend.png, claimant_change.png, income_deprivation_vs_england.csv,"
	@echo "  income_deprivation_funnel.png, income_deprivation_inequality.png (SII across IMD deciles),"
	@echo "  site/index.html (the accessible website: ward profiles, indicator pages, hot spots, siting, methods),"
	@echo "  claimant_emerging_hotspots.png (emerging hot spots of the claimant rate, 34 months),"
	@echo "  neighbourhood_profiles.pdf (profiles of three custom neighbourhoods made of LSOAs)"

# LIS_REQUIRE_BROWSER=1: the website's accessibility test fails, rather than skips, without Chromium or tools/axe.
test: setup
	LIS_REQUIRE_BROWSER=1 $(QGIS_ENV) $(PY) -m pytest tests -p no:cacheprovider

# The whole suite again on QGIS 3.44 LTR (Python 3.14, numpy 2, pandas 2.3): a Debian testing root built once by
# debootstrap outside the work tree (~/.cache/lis-workbench/qgis344, LIS_QGIS344_ROOT), the same packaged zip.
test-qgis344: package
	.ci/qgis344/build-root
	.ci/qgis344/run-suite

test-unit: setup
	$(PY) -m pytest -p no:qgis tests/unit

# qgis-plugin-ci packages a git tree: give it a throw-away copy of the working tree so your checkout is never touched.
package: setup
	@rm -rf build/package dist && mkdir -p build/package dist
	@git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t build/package
	@cd build/package && git init -q && git add -A && git -c user.email=build@localhost -c user.name=build commit -qm package
	cd build/package && ../../$(VENV)/bin/qgis-plugin-ci package $$(sed -n 's/^version=//p' lis_workbench/metadata.txt) 2>&1 | grep -v WARNING
	mv build/package/lis_workbench.*.zip dist/lis_workbench.zip
	@echo "Built dist/lis_workbench.zip"

bench: setup
	$(PY) bench/store.py
	$(PY) bench/store_backends.py
	$(PY) bench/store_load.py
	$(QGIS_ENV) $(PY) bench/atlas.py
	$(PY) bench/hotspot.py
	$(PY) bench/siting.py --skip-slow-reference
	$(PY) bench/composite.py
	$(PY) bench/lookup.py
	$(PY) bench/emerging.py

lint: setup
	$(VENV)/bin/ruff check lis_workbench tests bench tools
	$(VENV)/bin/mypy lis_workbench/core
	$(PY) tools/qt6_check.py lis_workbench tests bench tools
	$(VENV)/bin/bandit -q -r lis_workbench
	$(PY) tools/secrets_check.py lis_workbench

# The translation source (every string marked for translation in the plugin's Python and the dock's .ui file).
i18n: setup
	pylupdate5 -noobsolete $$(find lis_workbench -name '*.py' -o -name '*.ui' | grep -v __pycache__ | sort) \
		-ts lis_workbench/i18n/lis_workbench.ts

screenshot: setup package demo
	$(PY) tests/e2e/screenshot.py --zip dist/lis_workbench.zip --store $(OUT)/wigan_store.gpkg --png $(OUT)/qgis_dock.png

clean:
	rm -rf build dist $(OUT) .stamp-* $(VENV)
