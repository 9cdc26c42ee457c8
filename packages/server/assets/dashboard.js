// The dashboard of `ttv serve`: the token's films, their segments and figures, live over the API's event stream
// (GET /v1/events, server-sent events read with fetch so that the token travels in the Authorization header, never in
// a URL the server could log). The token comes from the URL fragment (#token=…), which browsers never send, and is
// kept in this tab's sessionStorage only. Every value is put in the page as text, never as HTML.
const TOKEN_KEY = 'ttv-dashboard-token';
const SEAM_FILMS = 3;
const state = { token: '', snapshot: null, frames: new Map() };

function takeToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

const usd = (n) => `$${(n ?? 0).toFixed(2)}`;
const pct = (n) => `${(n * 100).toFixed(1)} %`;
const secs = (n) => (n === undefined || n === null ? '–' : `${n.toFixed(1)} s`);
const num = (v) => el('td', { class: 'num' }, String(v));

function setLive(on, text) {
  const live = document.getElementById('live');
  live.className = `live ${on ? 'on' : 'off'}`;
  live.setAttribute('data-state', on ? 'live' : 'off');
  live.textContent = text;
}

function showLogin(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  document.getElementById('board').hidden = true;
  document.getElementById('login').hidden = false;
  setLive(false, message);
}

/** Reads server-sent events from a response body: `on(event, data)` per message. */
async function readEvents(body, on) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, '\n');
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length) on(event, JSON.parse(data.join('\n')));
    }
  }
}

/** Follows the event stream, reconnecting with a growing delay; a refused token shows the login form. */
async function follow() {
  let delay = 500;
  for (;;) {
    try {
      const res = await fetch('/v1/events', { headers: { authorization: `Bearer ${state.token}`, accept: 'text/event-stream' }, cache: 'no-store' });
      if (res.status === 401) return showLogin('token refused');
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      setLive(true, 'live');
      delay = 500;
      await readEvents(res.body, handle);
    } catch {
      // the stream broke: reconnect below
    }
    setLive(false, 'reconnecting…');
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 10_000);
  }
}

function handle(event, data) {
  if (event === 'snapshot') state.snapshot = data;
  else if (!state.snapshot) return;
  else if (event === 'segment') applySegment(data);
  else if (event === 'film') filmOf(data.film).status = data.status;
  render();
}

/** The film of an event; one the last snapshot did not have yet is shown at once (the next snapshot names it). */
function filmOf(id) {
  let film = state.snapshot.films.find((f) => f.id === id);
  if (!film) {
    film = { id, name: '…', status: 'running', totalCostUsd: 0, segments: [], seams: [] };
    state.snapshot.films.unshift(film);
  }
  return film;
}

/** A segment's live change, shown at once (the snapshot that follows brings the figures). */
function applySegment(e) {
  const film = filmOf(e.film);
  film.segments[e.segment] ??= { index: e.segment, costUsd: 0, attempts: 0 };
  const seg = film.segments[e.segment];
  seg.state = e.state;
  if (e.backend) seg.backend = e.backend;
  if (e.fraction !== undefined) seg.fraction = e.fraction;
  if (e.costUsd !== undefined) seg.costUsd = e.costUsd;
  if (film.status === 'queued') film.status = 'running';
}

function render() {
  const s = state.snapshot;
  document.getElementById('updated').textContent = `updated ${new Date(s.at).toLocaleTimeString()}`;
  fill('films', s.films.map(filmRow));
  fill(
    'spend-day',
    s.spendByDay.map((r) => el('tr', {}, el('td', {}, r.day), el('td', {}, r.backend), num(usd(r.usd)))),
  );
  fill('backends', s.backends.map(backendRow));
  fill(
    'queues',
    s.queues.map((q) =>
      el('tr', { 'data-queue': q.name }, el('td', {}, q.name), num(q.waiting), num(q.active), num(q.delayed), num(q.failed), num(q.completed), workersCell(q)),
    ),
  );
  renderSeams(s.films.filter((f) => f.seams.length > 0).slice(0, SEAM_FILMS));
}

function fill(table, rows) {
  document.querySelector(`#${table} tbody`).replaceChildren(...rows);
}

function filmRow(f) {
  const segments = Array.from(f.segments, (seg, i) => seg ?? { index: i, state: 'pending' });
  const spent = Math.max(
    f.totalCostUsd,
    segments.reduce((sum, seg) => sum + (seg.costUsd ?? 0), 0),
  );
  return el(
    'tr',
    { 'data-film': f.id },
    el('td', {}, f.name, el('br'), el('span', { class: 'id' }, `${f.id}${f.mode ? ` · ${f.mode}` : ''}`)),
    el('td', {}, el('span', { class: `status ${f.status}`, 'data-status': f.status }, f.status), f.error ? el('div', { class: 'id' }, f.error.code) : null),
    el('td', {}, el('div', { class: 'segs' }, ...segments.map((seg) => segmentCell(f.id, seg)))),
    spendCell(spent, f.budgetUsd),
  );
}

function segmentCell(film, seg) {
  const bar = el('span', { class: 'bar' });
  bar.style.width = `${Math.round((seg.fraction ?? 0) * 100)}%`;
  return el(
    'span',
    {
      class: 'seg',
      'data-film': film,
      'data-segment': String(seg.index),
      'data-state': seg.state,
      title: seg.error ? `${seg.error.code}: ${seg.error.message}` : '',
    },
    `${seg.index} ${seg.state}`,
    el('br'),
    seg.backend ?? '',
    bar,
  );
}

function spendCell(spent, budget) {
  const td = el('td', { class: 'num' }, budget === undefined ? usd(spent) : `${usd(spent)} / ${usd(budget)}`);
  if (budget !== undefined && budget > 0) {
    const fill = el('span');
    fill.style.width = `${Math.min(100, (spent / budget) * 100)}%`;
    td.append(el('span', { class: `budget${spent > budget ? ' over' : ''}` }, fill));
  }
  return td;
}

function backendRow(b) {
  const rate = (n, r) => el('td', { class: `num rate${r > 0.1 ? ' bad' : ''}` }, `${n} (${pct(r)})`);
  return el(
    'tr',
    { 'data-backend': b.backend },
    el('td', {}, b.backend),
    num(b.attempts),
    rate(b.refused, b.refusalRate),
    rate(b.failed, b.failureRate),
    num(secs(b.latency.p50)),
    num(secs(b.latency.p90)),
    num(secs(b.latency.p99)),
  );
}

function workersCell(q) {
  const health = q.workers === 0 ? 'none' : q.idleSec !== undefined && q.idleSec > 60 ? `${q.workers}, idle ${q.idleSec} s` : `${q.workers}, alive`;
  return el('td', { class: `num${q.workers === 0 ? ' rate bad' : ''}`, 'data-workers': String(q.workers) }, health);
}

/** A frame of a made segment as a blob URL (fetched once, with the token in the header). */
function frameUrl(film, segment, which) {
  const key = `${film}/${segment}/${which}`;
  if (!state.frames.has(key)) {
    const url = fetch(`/v1/films/${film}/frames/${segment}/${which}`, { headers: { authorization: `Bearer ${state.token}` } })
      .then((res) => (res.ok ? res.blob() : Promise.reject(new Error(`HTTP ${res.status}`))))
      .then((blob) => URL.createObjectURL(blob));
    url.catch(() => state.frames.delete(key));
    state.frames.set(key, url);
  }
  return state.frames.get(key);
}

function frameImg(film, segment, which) {
  const img = el('img', { alt: `segment ${segment}, ${which} frame`, 'data-which': which });
  frameUrl(film, segment, which).then(
    (url) => {
      img.src = url;
    },
    () => {},
  );
  return img;
}

function renderSeams(films) {
  const seams = (f) =>
    f.seams.map((m) =>
      el(
        'div',
        { class: `seam${m.flagged ? ' flagged' : ''}`, 'data-from': String(m.from) },
        frameImg(f.id, m.from, 'last'),
        frameImg(f.id, m.from + 1, 'first'),
        el('p', {}, `${m.from} → ${m.from + 1}: luminance jump ${pct(m.lumaJump)}, ΔE2000 ${m.deltaE2000.toFixed(2)}, SSIM ${m.ssim.toFixed(3)}`),
      ),
    );
  document
    .getElementById('seams')
    .replaceChildren(...films.map((f) => el('div', { class: 'film-seams', 'data-film': f.id }, el('h3', {}, f.name), ...seams(f))));
}

function start() {
  state.token = takeToken();
  if (!state.token) return showLogin('no token');
  document.getElementById('login').hidden = true;
  document.getElementById('board').hidden = false;
  void follow();
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('login').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById('token').value.trim());
    start();
  });
  start();
});
