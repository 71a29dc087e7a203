<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1">
<context>
    <name>LisDock</name>
    <message>
        <location filename="../ui/dock.py" line="118"/>
        <source>&lt;b&gt;{store}&lt;/b&gt;: {indicators} indicators on {geographies}; {points} facility layers.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="173"/>
        <source>{shown} of {total} indicators shown.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="229"/>
        <source>Added {layer}: {count} areas.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="258"/>
        <source>Mapped {layer}: {classes}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="326"/>
        <source>{task}... (progress and Cancel in the task bar)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="414"/>
        <source>{summary}. Chart: {chart}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="477"/>
        <source>Wrote {file}: {summary}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="176"/>
        <source>No indicator matches. Clear the search or filters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="41"/>
        <source>PostGIS store…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="42"/>
        <source>Open a store in a PostgreSQL/PostGIS database (a saved QGIS connection and the store&apos;s schema, or its address)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="64"/>
        <source>Publish website…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="65"/>
        <source>An accessible website of the borough in a folder: ward profiles, indicator maps with tables and CSVs, methods and an accessibility statement</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="471"/>
        <source>Folder for the website</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/local_actions.py" line="32"/>
        <source>Emerging hot spots</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/local_actions.py" line="32"/>
        <source>Where hot and cold spots of this indicator are new, intensifying, persistent, fading... over its periods (Gi* per period, Mann-Kendall trend, ArcGIS Pro&apos;s categories), added to the map styled; the CSV is written beside the results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/local_actions.py" line="32"/>
        <source>Import events…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/local_actions.py" line="32"/>
        <source>Your own events (incidents, referrals, addresses as points or postcodes, with dates) counted per area and period, as rates of a store population if asked (opens &quot;Events to rates&quot;)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/local_actions.py" line="32"/>
        <source>Custom area from selection…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/local_actions.py" line="32"/>
        <source>The areas selected on the map (small areas of the store, or any polygons: small areas by population-weighted centroid) stored as a custom area every indicator aggregates to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/local_actions.py" line="129"/>
        <source>Choose a polygon layer in the Layers panel and select the areas on the map first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/local_actions.py" line="133"/>
        <source>Select the areas of {layer} on the map first (the Select Features tool).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/local_actions.py" line="138"/>
        <source>Custom area from selection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/local_actions.py" line="138"/>
        <source>Name of the custom area (e.g. Wigan North):</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LisDockBase</name>
    <message>
        <location filename="../ui/dock.ui" line="6"/>
        <source>LIS Workbench</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="11"/>
        <source>&lt;b&gt;Indicator store&lt;/b&gt; (the shared .gpkg or .sqlite file)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="16"/>
        <source>The team&apos;s indicator store. Build the Wigan sample with `lis sample build --out out`.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="17"/>
        <source>Indicator stores (*.gpkg *.sqlite)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="22"/>
        <source>No store open: choose a store file above.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="28"/>
        <source>Search indicators (e.g. income, claimant, children)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="35"/>
        <source>Only indicators of this theme</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="40"/>
        <source>Only indicators on this geography</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="50"/>
        <source>Indicator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="51"/>
        <source>Geography</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="52"/>
        <source>Periods</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="65"/>
        <source>Period</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="76"/>
        <source>Add to map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="77"/>
        <source>Add the chosen indicator and period to the map as a layer (runs the Processing algorithm &quot;Load indicator&quot;)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="84"/>
        <source>Map it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="88"/>
        <source>How areas are grouped into colour classes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="93"/>
        <source>Number of classes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="101"/>
        <source>Colours: &quot;auto&quot; makes darker mean worse, by the indicator&apos;s polarity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="107"/>
        <source>Thematic map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="108"/>
        <source>Add the indicator as a styled choropleth that reads the store (it lasts in a saved project and shows the store&apos;s latest values)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="114"/>
        <source>Atlas…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="115"/>
        <source>One PDF page per ward of the store (opens &quot;Export atlas&quot; with the map and the wards filled in)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="123"/>
        <source>Analyse and publish (runs in the background: progress and Cancel in the task bar)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="128"/>
        <source>Find hotspots</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="129"/>
        <source>Getis-Ord Gi* hot and cold spots of this indicator (queen contiguity, 999 permutations, FDR), added to the map styled; the Processing toolbox has every option</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="135"/>
        <source>Compare</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="136"/>
        <source>Each area against the borough, Fingertips-style (95% intervals; better, similar or worse), added to the map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="142"/>
        <source>Trend</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="143"/>
        <source>Each area&apos;s change from the first to the last period and its trend, added to the map; the small-multiple chart is written beside the results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="149"/>
        <source>Import a file…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="150"/>
        <source>A partner&apos;s CSV into the store, checked in full and written all at once (opens &quot;Import indicators&quot;)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="156"/>
        <source>Profiles…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="157"/>
        <source>One area-profile page per ward of the borough, as a PDF</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="163"/>
        <source>Index…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="164"/>
        <source>A composite (need) index from a recipe, added to the map by decile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="170"/>
        <source>Site services…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.ui" line="171"/>
        <source>Where new sites reach most of this demand: a wizard asks who needs the service, where it could go, how far and how many</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LisWorkbench</name>
    <message>
        <location filename="../plugin.py" line="56"/>
        <source>LIS Workbench help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/aggregate.py" line="37"/>
        <source>Aggregate to larger areas</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/trend.py" line="25"/>
        <source>Indices, trends and comparisons</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/area_profiles.py" line="23"/>
        <source>Area profiles</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/thematic_map.py" line="81"/>
        <source>Maps and publications</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/base.py" line="44"/>
        <source>Indicator store</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/compare.py" line="35"/>
        <source>Compare with a benchmark</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/composite_index.py" line="74"/>
        <source>Composite index</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/export_atlas.py" line="28"/>
        <source>Export atlas</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/gistar.py" line="13"/>
        <source>Hotspots (Gi*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/global_moran.py" line="13"/>
        <source>Global Moran&apos;s I</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/spatial_weights.py" line="23"/>
        <source>Hotspots and clusters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/import_indicators.py" line="38"/>
        <source>Import indicators</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/load_indicator.py" line="21"/>
        <source>Load indicator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/local_moran.py" line="13"/>
        <source>Local Moran (LISA)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/lscp.py" line="11"/>
        <source>Set covering (LSCP)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/mclp.py" line="11"/>
        <source>Maximal coverage (MCLP)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/pmedian.py" line="11"/>
        <source>p-median (shortest average distance)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/siting_base.py" line="36"/>
        <source>Siting services</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/spatial_weights.py" line="22"/>
        <source>Spatial weights</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/thematic_map.py" line="80"/>
        <source>Thematic map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/trend.py" line="24"/>
        <source>Trend</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/crude_rate.py" line="20"/>
        <source>Crude rate (Fingertips)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/stats_base.py" line="17"/>
        <source>Public-health statistics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/dsr.py" line="21"/>
        <source>Directly standardised rate (Fingertips)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/funnel.py" line="27"/>
        <source>Funnel plot limits (Fingertips)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/isr.py" line="22"/>
        <source>Indirectly standardised ratio or rate (Fingertips)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/sii.py" line="26"/>
        <source>Slope index of inequality (Fingertips)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/publish_website.py" line="23"/>
        <source>Publish website</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/custom_areas.py" line="28"/>
        <source>Custom areas</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/emerging_hotspots.py" line="21"/>
        <source>Emerging hot spots</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing/event_rates.py" line="26"/>
        <source>Events to rates</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PostgisPicker</name>
    <message>
        <location filename="../ui/postgis_picker.py" line="54"/>
        <source>Open a PostGIS store</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/postgis_picker.py" line="58"/>
        <source>(type an address below)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/postgis_picker.py" line="62"/>
        <source>A store in a PostgreSQL database: one of QGIS&apos;s saved connections and the store&apos;s schema, or its address.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/postgis_picker.py" line="64"/>
        <source>Connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/postgis_picker.py" line="65"/>
        <source>Schema</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/postgis_picker.py" line="66"/>
        <source>Or address</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
