// Hexlight web map: MapLibre with an offline basemap (Natural Earth via world-atlas, served by maps/),
// coverage as vector tiles from /v1/map/tiles (resolution follows zoom), hotspots as GeoJSON.
import * as maplibregl from '/vendor/maplibre/maplibre-gl.mjs';

const $ = (s) => document.querySelector(s);
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const cfg = await (await fetch('/v1/map/config')).json();
const api = cfg.network_api || location.origin;
let status = await (await fetch('/v1/map/status')).json();
let serverNow = status.now_ms;
let days = String(cfg.default_window_days);
let version = 0;
let open = null; // { kind: 'hex' | 'hotspot', id }
if ([...$('#window').options].some((o) => o.value === days)) $('#window').value = days;

const windowParams = () => {
  const to = new Date(serverNow + 60_000);
  const from = days === 'all' ? new Date(0) : new Date(serverNow - Number(days) * 86_400_000);
  return `from=${from.toISOString()}&to=${to.toISOString()}`;
};
const tileUrl = () => `${location.origin}/v1/map/tiles/{z}/{x}/{y}.mvt?${windowParams()}&v=${version}`;

const map = new maplibregl.Map({
  container: 'map',
  center: [cfg.center[1], cfg.center[0]],
  zoom: cfg.zoom,
  maxZoom: 17,
  canvasContextAttributes: { preserveDrawingBuffer: true },
  attributionControl: { compact: true, customAttribution: 'Natural Earth · Hexlight mappers' },
  style: {
    version: 8,
    sources: {
      land: { type: 'geojson', data: `${location.origin}/basemap/land.geojson` },
      borders: { type: 'geojson', data: `${location.origin}/basemap/borders.geojson` },
      coverage: { type: 'vector', tiles: [tileUrl()], minzoom: 0, maxzoom: 16, promoteId: 'h3' },
      hotspots: { type: 'geojson', data: `${location.origin}/v1/map/hotspots` },
    },
    layers: [
      { id: 'bg', type: 'background', paint: { 'background-color': '#0b1f33' } },
      { id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': '#1d2b36' } },
      { id: 'borders', type: 'line', source: 'borders', paint: { 'line-color': '#3b4b58', 'line-width': 0.6 } },
      {
        id: 'hexes', type: 'fill', source: 'coverage', 'source-layer': 'coverage',
        paint: {
          'fill-color': ['step', ['get', 'rssi_best'], '#2b4cc8', -120, '#1bb7d0', -115, '#2bc46b', -110, '#e8e23a', -105, '#f29a2e', -100, '#e5412d'],
          'fill-opacity': ['case', ['==', ['get', 'source'], 'estimated'], 0.3, 0.72],
        },
      },
      {
        id: 'hex-outline', type: 'line', source: 'coverage', 'source-layer': 'coverage',
        paint: {
          'line-color': '#ffffff',
          'line-opacity': ['case', ['boolean', ['feature-state', 'selected'], false], 1, 0.18],
          'line-width': ['case', ['boolean', ['feature-state', 'selected'], false], 2.5, 0.5],
        },
      },
      {
        id: 'hotspots', type: 'circle', source: 'hotspots',
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 6, 3, 13, 7],
          'circle-color': ['case', ['get', 'online'], '#27ee76', '#8a8f98'],
          'circle-stroke-color': '#000', 'circle-stroke-width': 1.5,
        },
      },
    ],
  },
});
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'bottom-right');
window.hexlightMap = map;
window.hexlightReady = new Promise((resolve) => map.once('idle', resolve));

let selected = null;
function select(h3) {
  if (selected) map.setFeatureState({ source: 'coverage', sourceLayer: 'coverage', id: selected }, { selected: false });
  selected = h3;
  if (h3) map.setFeatureState({ source: 'coverage', sourceLayer: 'coverage', id: h3 }, { selected: true });
}

const ago = (iso) => {
  if (!iso) return '—';
  const s = Math.max(0, (serverNow - Date.parse(iso)) / 1000);
  if (s < 90) return `${Math.round(s)} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
};
const short = (a) => `${a.slice(0, 6)}…${a.slice(-4)}`;
const dl = (rows) => `<dl>${rows.map(([k, label, v]) => `<dt>${label}</dt><dd data-k="${k}">${esc(v)}</dd>`).join('')}</dl>`;

async function showHex(h3) {
  open = { kind: 'hex', id: h3 };
  select(h3);
  const d = await (await fetch(`/v1/map/hexes/${h3}?${windowParams()}`)).json();
  if (open?.id !== h3) return;
  const r = d.record;
  const body = r
    ? dl([
      ['rssi_best', 'Best RSSI', `${r.rssi_best} dBm`], ['snr_best', 'SNR', `${r.snr_best} dB`], ['gateways', 'Redundancy', `${r.gateways} hotspot${r.gateways === 1 ? '' : 's'}`],
      ['samples', 'Samples', r.samples], ['level', 'Level', r.level], ['source', 'Source', r.source], ['confidence', 'Confidence', r.confidence], ['last_seen', 'Updated', ago(r.last_seen)],
    ])
    : '<p>No coverage measured in this window.</p>';
  const table = d.hotspots.length
    ? `<table data-k="hotspots"><tr><th>Hotspot</th><th>RSSI</th><th>SNR</th><th>n</th></tr>${d.hotspots.map((h) => `<tr data-address="${esc(h.address)}"><td><a href="#" data-hotspot="${esc(h.address)}">${esc(short(h.address))}</a></td><td>${h.rssi_best}</td><td>${h.snr_best}</td><td>${h.samples}</td></tr>`).join('')}</table>`
    : '';
  $('#pane-body').innerHTML = `<h2 data-k="h3">Hex ${esc(h3)}</h2>${body}${table}`;
  $('#pane').hidden = false;
}

async function showHotspot(address) {
  open = { kind: 'hotspot', id: address };
  select(null);
  const res = await fetch(`/v1/map/hotspots/${address}`);
  const h = res.ok ? await res.json() : null;
  if (open?.id !== address) return;
  let html = `<h2 data-k="address">Hotspot ${esc(address)}</h2>`;
  html += h
    ? dl([['status', 'Status', h.online ? 'online' : 'offline'], ['last_seen_at', 'Last seen', ago(h.last_seen_at)], ['region', 'Region', h.region ?? '—'],
      ['mapped_hexes', 'Mapped hexes (res 9)', h.mapped.hexes_res9], ['mapped_samples', 'Mapper samples', h.mapped.samples], ['mapped_best', 'Best mapper RSSI', h.mapped.rssi_best === null ? '—' : `${h.mapped.rssi_best} dBm`]])
    : '<p>Unknown hotspot.</p>';
  html += '<h3>Recent verdicts</h3><div id="verdicts">loading…</div><h3>Rewards</h3><div id="rewards">loading…</div>';
  $('#pane-body').innerHTML = html;
  $('#pane').hidden = false;
  fetch(`${api}/v1/hotspots/${address}/poc?limit=10`).then((r) => (r.ok ? r.json() : Promise.reject(r.status))).then((p) => {
    const items = [...p.beacons.map((b) => ({ ...b, kind: 'beacon' })), ...p.witnesses.map((w) => ({ ...w, kind: 'witness' }))]
      .sort((a, b) => Date.parse(b.received_at) - Date.parse(a.received_at)).slice(0, 10);
    $('#verdicts').innerHTML = items.length
      ? `<table data-k="verdicts"><tr><th>When</th><th>Kind</th><th>Verdict</th></tr>${items.map((v) => `<tr><td>${esc(ago(v.received_at))}</td><td>${v.kind}</td><td class="${v.valid ? 'good' : 'bad'}">${v.valid ? 'valid' : esc(v.reason)}</td></tr>`).join('')}</table>`
      : 'none yet';
  }).catch(() => { $('#verdicts').textContent = 'unavailable'; });
  fetch(`${api}/v1/hotspots/${address}/rewards?limit=5`).then((r) => (r.ok ? r.json() : Promise.reject(r.status))).then((p) => {
    const unit = 10 ** p.decimals;
    const fmt = (x) => (Number(x) / unit).toLocaleString(undefined, { maximumFractionDigits: 6 });
    $('#rewards').innerHTML = `<div data-k="lifetime">lifetime ${fmt(p.lifetime)}</div>${p.rewards.length ? `<table><tr><th>Epoch</th><th>Beacon</th><th>Witness</th><th>Data</th></tr>${p.rewards.map((r) => `<tr><td>${r.epoch}</td><td>${fmt(r.beacon)}</td><td>${fmt(r.witness)}</td><td>${fmt(r.data)}</td></tr>`).join('')}</table>` : ''}`;
  }).catch(() => { $('#rewards').textContent = 'unavailable'; });
}

function closePane() { open = null; select(null); $('#pane').hidden = true; }
$('#close').addEventListener('click', closePane);
$('#pane').addEventListener('click', (e) => {
  const a = e.target.closest('[data-hotspot]');
  if (a) { e.preventDefault(); showHotspot(a.dataset.hotspot); }
});

map.on('click', (e) => {
  const hs = map.queryRenderedFeatures(e.point, { layers: ['hotspots'] });
  if (hs.length) return showHotspot(hs[0].properties.address);
  const hx = map.queryRenderedFeatures(e.point, { layers: ['hexes'] });
  if (hx.length) return showHex(hx[0].properties.h3);
  closePane();
});
for (const l of ['hexes', 'hotspots']) {
  map.on('mouseenter', l, () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', l, () => { map.getCanvas().style.cursor = ''; });
}

function reloadCoverage() {
  version++;
  map.getSource('coverage')?.setTiles([tileUrl()]);
  if (open?.kind === 'hex') showHex(open.id);
}
$('#window').addEventListener('change', (e) => { days = e.target.value; reloadCoverage(); });

// Live updates: poll the status; new measurements or estimates reload the tiles and hotspots.
let seen = status.last_update_ms;
setInterval(async () => {
  try {
    status = await (await fetch('/v1/map/status')).json();
    serverNow = status.now_ms;
    $('#live').className = 'on';
    if (status.last_update_ms !== seen) { seen = status.last_update_ms; reloadCoverage(); }
    map.getSource('hotspots')?.setData(`${location.origin}/v1/map/hotspots?v=${Date.now()}`);
  } catch {
    $('#live').className = '';
  }
}, cfg.poll_s * 1000);
