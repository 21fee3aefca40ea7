// Sluice dashboard: plain JavaScript, no library, nothing inline (the page's Content-Security-Policy forbids it).
// It reads the management API beside it (the page is served at <mapping>/, the API at <mapping>/policies, ...),
// every REFRESH_MS, and writes through the same API with the operator's token, which stays in this tab's
// sessionStorage and is only ever sent as "Authorization: Bearer".
'use strict';

(function () {
  const REFRESH_MS = 1500;
  const TOP_RETRY_MS = 15000;
  const TOKEN_KEY = 'sluice.management.token';
  const base = new URL('.', document.baseURI);

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY) || '',
    previous: null,          // {time, counters: {policy: {...}}}
    cards: new Map(),        // policy name -> card
    top: new Map(),          // policy name -> {at, answer}
    auditText: null,
    degraded: false,
    openDetails: new Set(),  // backends whose "All details" the operator opened
    nextId: 0,
  };

  const $ = (id) => document.getElementById(id);

  function api(path) {
    return new URL(path, base).toString();
  }

  function headers(extra) {
    const h = Object.assign({ 'Accept': 'application/json, application/problem+json, text/plain' }, extra || {});
    if (state.token) {
      h['Authorization'] = 'Bearer ' + state.token;
    }
    return h;
  }

  async function call(path, options) {
    const opts = Object.assign({ cache: 'no-store', credentials: 'same-origin' }, options || {});
    opts.headers = headers(opts.headers);
    try {
      const response = await fetch(api(path), opts);
      const type = response.headers.get('Content-Type') || '';
      const text = await response.text();
      let body = null;
      if (type.includes('json') && text) {
        try { body = JSON.parse(text); } catch (e) { body = null; }
      }
      return { status: response.status, ok: response.ok, body: body, text: text, headers: response.headers };
    } catch (failure) {
      return { status: 0, ok: false, body: null, text: String(failure), headers: new Headers() };
    }
  }

  function problemText(answer) {
    if (answer.status === 0) {
      return 'The server did not answer (' + answer.text + ').';
    }
    const p = answer.body;
    if (p && (p.title || p.detail)) {
      return (p.title ? p.title + '. ' : '') + (p.detail || '');
    }
    return 'HTTP ' + answer.status + '.';
  }

  // ------------------------------------------------------------------ formatting

  function setText(element, text) {
    const value = text === undefined || text === null ? '' : String(text);
    if (element.textContent !== value) {
      element.textContent = value;
    }
  }

  function perSecond(value) {
    if (value === null || value === undefined || !isFinite(value)) {
      return '–';
    }
    return value < 10 ? value.toFixed(1) : Math.round(value).toString();
  }

  function seconds(value) {
    if (value === null || value === undefined || !isFinite(value)) {
      return 'not available';
    }
    return value < 1 ? Math.round(value * 1000) + ' ms' : value.toFixed(2) + ' s';
  }

  function durationSeconds(text) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(String(text || '').trim());
    if (!m) {
      return null;
    }
    const unit = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[m[2]];
    return Number(m[1]) * unit;
  }

  function time(iso) {
    const d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso || '') : d.toLocaleString();
  }

  // ------------------------------------------------------------------ Prometheus text

  function parseMetrics(text) {
    const samples = [];
    for (const line of text.split('\n')) {
      if (!line || line.charAt(0) === '#') {
        continue;
      }
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
      if (!m) {
        continue;
      }
      const labels = {};
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
      let l;
      while ((l = re.exec(m[2] || '')) !== null) {
        labels[l[1]] = l[2].replace(/\\"/g, '"').replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      }
      samples.push({ name: m[1], labels: labels, value: Number(m[3]) });
    }
    return samples;
  }

  function metricsOf(samples, policy) {
    const out = { shadow: {}, backendFailures: null, waitP99: null, waitMax: null, buckets: [] };
    for (const s of samples) {
      if (s.labels.policy !== policy) {
        continue;
      }
      if (s.name === 'sluice_requests_total' && s.labels.outcome === 'shadow-refused') {
        out.shadow[s.labels.reason || 'unknown'] = s.value;
      } else if (s.name === 'sluice_backend_failures_total') {
        out.backendFailures = s.value;
      } else if (s.name === 'sluice_queue_wait_seconds' && s.labels.quantile === '0.99') {
        out.waitP99 = s.value;
      } else if (s.name === 'sluice_queue_wait_seconds_bucket') {
        out.buckets.push({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), count: s.value });
      } else if (s.name === 'sluice_queue_wait_seconds_max') {
        out.waitMax = s.value;
      }
    }
    out.waitSource = out.waitP99 !== null ? 'quantile' : null;
    if (out.waitP99 === null && out.buckets.length > 0) {
      // cumulative buckets: the upper bound of the bucket holding the 99th percentile, since the start
      out.buckets.sort((a, b) => a.le - b.le);
      const total = out.buckets[out.buckets.length - 1].count;
      if (total > 0) {
        const bucket = out.buckets.find((b) => b.count >= 0.99 * total);
        out.waitP99 = bucket && isFinite(bucket.le) ? bucket.le : out.waitMax;
        out.waitSource = 'buckets';
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ token

  function renderToken() {
    const has = Boolean(state.token);
    $('token-forget').hidden = !has;
    setText($('token-state'), has
      ? 'Token set for this tab: editing is enabled (sent as Authorization: Bearer, never in a URL).'
      : 'No token: read-only. Enter a management token to edit limits.');
    for (const card of state.cards.values()) {
      renderEditable(card);
    }
  }

  function setupToken() {
    $('token-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = $('token-input');
      const value = input.value.trim();
      input.value = '';
      if (value) {
        state.token = value;
        sessionStorage.setItem(TOKEN_KEY, value);
      }
      renderToken();
    });
    $('token-forget').addEventListener('click', () => {
      state.token = '';
      sessionStorage.removeItem(TOKEN_KEY);
      renderToken();
      $('token-input').focus();
    });
    renderToken();
  }

  // ------------------------------------------------------------------ policy cards

  const EDITABLE = [
    { path: ['rate', 'limit'], label: (d) => 'Rate limit (per ' + ((d.rate && d.rate.period) || 'period') + ')' },
    { path: ['concurrency', 'permits'], label: () => 'Permits' },
    { path: ['queue', 'depth'], label: () => 'Queue depth' },
  ];

  function dig(object, path) {
    let v = object;
    for (const p of path) {
      if (v === null || v === undefined) {
        return undefined;
      }
      v = v[p];
    }
    return v;
  }

  function createCard(name) {
    const fragment = $('policy-template').content.cloneNode(true);
    const el = fragment.querySelector('.policy');
    const id = 'p' + (state.nextId++);
    el.id = 'policy-' + id;
    el.dataset.policy = name;
    el.setAttribute('aria-labelledby', id + '-name');
    const q = (selector) => el.querySelector(selector);
    const card = {
      name: name, id: id, el: el, version: null, dirty: false, busy: false, fields: [], definition: null,
      form: q('.edit'), fieldset: q('fieldset'), reason: q('.edit-reason'), formError: q('.form-error'),
      formOk: q('.form-ok'), save: q('.save'), revert: q('.revert'), fieldsBox: q('.fields'),
      meter: q('.usage'), badges: q('.badges'),
      v: {},
    };
    const title = q('.policy-name');
    title.id = id + '-name';
    setText(title, name);
    setText(q('.legend-name'), name);
    for (const key of ['limit', 'admitted', 'refused', 'reasons', 'shadow', 'permits', 'queue', 'wait', 'keys',
      'totals', 'degraded', 'top']) {
      card.v[key] = q('.v-' + key);
    }
    card.waitTitle = q('.t-wait');
    card.reason.id = id + '-reason';
    card.fieldset.setAttribute('aria-describedby', card.reason.id);
    card.form.addEventListener('submit', (event) => {
      event.preventDefault();
      save(card);
    });
    card.revert.addEventListener('click', () => reload(card, null));
    state.cards.set(name, card);
    return card;
  }

  function buildFields(card, definition) {
    const wanted = EDITABLE.filter((f) => typeof dig(definition, f.path) === 'number');
    const signature = wanted.map((f) => f.path.join('.')).join(',');
    if (card.fieldSignature === signature) {
      for (const field of card.fields) {
        const spec = EDITABLE.find((f) => f.path.join('.') === field.path);
        setText(field.labelEl, spec.label(definition));
      }
      return;
    }
    card.fieldSignature = signature;
    card.fieldsBox.textContent = '';
    card.fields = [];
    for (const spec of wanted) {
      const path = spec.path.join('.');
      const inputId = card.id + '-' + spec.path.join('-');
      const box = document.createElement('div');
      box.className = 'field';
      const label = document.createElement('label');
      label.htmlFor = inputId;
      label.textContent = spec.label(definition);
      const input = document.createElement('input');
      input.id = inputId;
      input.name = path;
      input.type = 'text';
      input.inputMode = 'numeric';
      input.autocomplete = 'off';
      input.dataset.field = path;
      const error = document.createElement('p');
      error.className = 'field-error';
      error.id = inputId + '-error';
      error.hidden = true;
      input.setAttribute('aria-describedby', error.id);
      input.addEventListener('input', () => {
        card.dirty = true;
        setText(card.formOk, '');
        card.formOk.hidden = true;
      });
      box.append(label, input, error);
      card.fieldsBox.append(box);
      card.fields.push({ path: path, parts: spec.path, input: input, error: error, labelEl: label });
    }
  }

  function fill(card, definition, version) {
    card.definition = definition;
    card.version = version;
    buildFields(card, definition);
    for (const field of card.fields) {
      field.input.value = String(dig(definition, field.parts));
    }
    setText(card.el.querySelector('.edit-version'), version === null ? '' : '(version ' + version + ')');
    card.dirty = false;
  }

  function clearErrors(card) {
    for (const field of card.fields) {
      field.error.hidden = true;
      setText(field.error, '');
      field.input.removeAttribute('aria-invalid');
    }
    card.formError.hidden = true;
    setText(card.formError, '');
  }

  function showFormError(card, text) {
    setText(card.formError, text);
    card.formError.hidden = false;
  }

  function renderEditable(card) {
    const editable = card.fields.length > 0;
    card.save.hidden = !editable;
    card.revert.hidden = !editable;
    let reason = '';
    if (!editable) {
      reason = 'Nothing to edit here: this policy has no rate limit, permits or queue.';
    } else if (!state.token) {
      reason = 'Read-only: editing needs a management token. Enter one at the top of the page.';
    }
    setText(card.reason, reason);
    card.reason.hidden = reason === '';
    card.fieldset.disabled = !state.token || card.busy || !editable;
  }

  async function save(card) {
    if (!state.token || card.busy) {
      return;
    }
    clearErrors(card);
    card.formOk.hidden = true;
    const patch = {};
    for (const field of card.fields) {
      const raw = field.input.value.trim();
      const value = /^-?\d+$/.test(raw) && Math.abs(Number(raw)) <= Number.MAX_SAFE_INTEGER ? Number(raw) : raw;
      let target = patch;
      field.parts.slice(0, -1).forEach((p) => { target = target[p] = target[p] || {}; });
      target[field.parts[field.parts.length - 1]] = value;
    }
    const expected = card.version;
    card.busy = true;
    renderEditable(card);
    const answer = await call('policies/' + encodeURIComponent(card.name), {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json', 'If-Match': '"' + expected + '"' },
      body: JSON.stringify(patch),
    });
    card.busy = false;
    renderEditable(card);
    if (answer.status === 200 && answer.body) {
      fill(card, answer.body.definition, answer.body.version);
      setText(card.formOk, 'Saved: ' + card.name + ' is now at version ' + answer.body.version + '.');
      card.formOk.hidden = false;
      return;
    }
    if (answer.status === 412) {
      const now = answer.body && answer.body['current-version'];
      await reload(card, 'Conflict: ' + card.name + ' was changed by someone else since version ' + expected
        + ' was loaded' + (now !== undefined && now !== null ? ' (it is now at version ' + now + ')' : '')
        + '. Your edit was not applied. The form now shows the current version; check it and save again.');
      return;
    }
    if (answer.status === 400 && answer.body && Array.isArray(answer.body.errors)) {
      const unplaced = [];
      for (const error of answer.body.errors) {
        const field = card.fields.find((f) => String(error.field || '') === f.path
          || String(error.field || '').endsWith('.' + f.path));
        if (field) {
          const text = (field.error.textContent ? field.error.textContent + ' ' : '') + error.message;
          setText(field.error, text);
          field.error.hidden = false;
          field.input.setAttribute('aria-invalid', 'true');
        } else {
          unplaced.push((error.field ? error.field + ': ' : '') + error.message);
        }
      }
      showFormError(card, 'Not saved: ' + (unplaced.length ? unplaced.join('; ') : 'see the fields above.'));
      const firstBad = card.fields.find((f) => f.input.getAttribute('aria-invalid') === 'true');
      if (firstBad) {
        firstBad.input.focus();
      }
      return;
    }
    if (answer.status === 401) {
      showFormError(card, 'Not saved: the token was not accepted. ' + problemText(answer));
      return;
    }
    showFormError(card, 'Not saved: ' + problemText(answer));
  }

  async function reload(card, message) {
    clearErrors(card);
    card.formOk.hidden = true;
    const answer = await call('policies/' + encodeURIComponent(card.name));
    if (answer.status === 200 && answer.body) {
      fill(card, answer.body.definition, answer.body.version);
    }
    if (message) {
      showFormError(card, message);
    } else if (answer.status !== 200) {
      showFormError(card, 'Could not read the policy: ' + problemText(answer));
    }
  }

  function badge(text, className) {
    const b = document.createElement('span');
    b.className = 'badge' + (className ? ' ' + className : '');
    b.textContent = text;
    return b;
  }

  function renderPolicy(card, policy, rates, metrics, top) {
    const d = policy.definition || {};
    const live = policy.live || {};
    if (card.version === null || (!card.dirty && !card.busy && card.version !== policy.version)) {
      fill(card, d, policy.version);
    } else if (card.dirty && card.version !== policy.version) {
      // the operator's unsaved edit keeps its version; saving it will answer 412
      setText(card.el.querySelector('.edit-version'), '(editing version ' + card.version
        + '; the server now has version ' + policy.version + ')');
    }
    renderEditable(card);

    const scope = d.scope || 'node';
    const mode = d.mode || 'enforce';
    const cluster = scope === 'cluster';
    const degraded = cluster && state.degraded;
    const badges = [badge('scope: ' + scope), badge('mode: ' + mode, mode === 'shadow' ? 'shadow' : '')];
    if (degraded) {
      badges.push(badge('degraded', 'degraded'));
    }
    const signature = badges.map((b) => b.className + b.textContent).join('|');
    if (card.badgeSignature !== signature) {
      card.badgeSignature = signature;
      card.badges.replaceChildren(...badges);
    }

    const v = card.v;
    const show = (selector, visible) => {
      for (const fig of card.el.querySelectorAll(selector)) {
        fig.hidden = !visible;
      }
    };
    show('.fig-rate', Boolean(d.rate));
    show('.fig-permits', Boolean(d.concurrency));
    show('.fig-queue', Boolean(d.queue));
    show('.fig-shadow', mode === 'shadow' || (metrics !== null && Object.values(metrics.shadow).some((n) => n > 0)));
    let limitPerSecond = null;
    if (d.rate) {
      const period = durationSeconds(d.rate.period);
      limitPerSecond = period ? d.rate.limit / period : null;
      setText(v.limit, d.rate.limit + ' per ' + d.rate.period + (d.rate.burst && d.rate.burst !== d.rate.limit
        ? ', burst ' + d.rate.burst : '') + (limitPerSecond !== null ? ' (' + perSecond(limitPerSecond)
        + '/s per key)' : ''));
    } else {
      setText(v.limit, 'none');
    }
    setText(v.admitted, perSecond(rates.admitted));
    setText(v.refused, perSecond(rates.refused));
    const reasons = Object.keys(rates.byReason).filter((r) => (live['refused-by-reason'] || {})[r] > 0);
    setText(v.reasons, reasons.length === 0 ? 'none'
      : reasons.map((r) => r + ' ' + perSecond(rates.byReason[r])).join(' · '));
    if (metrics === null) {
      setText(v.shadow, 'not available (no /metrics)');
    } else {
      const shadowReasons = Object.keys(rates.shadow).filter((r) => (metrics.shadow[r] || 0) > 0);
      setText(v.shadow, mode !== 'shadow' && shadowReasons.length === 0 ? 'not in shadow mode'
        : shadowReasons.length === 0 ? 'none'
          : shadowReasons.map((r) => r + ' ' + perSecond(rates.shadow[r])).join(' · ')
          + ' (total ' + shadowReasons.reduce((t, r) => t + metrics.shadow[r], 0) + ')');
    }
    const permits = d.concurrency ? d.concurrency.permits : null;
    setText(v.permits, permits === null ? 'no concurrency limit'
      : (live['permits-in-use'] ?? '–') + ' of ' + permits);
    const depth = d.queue ? d.queue.depth : null;
    setText(v.queue, depth === null ? 'no queue' : (live.queued ?? '–') + ' of ' + depth
      + (live['oldest-waiter-seconds'] > 0 ? ', oldest ' + seconds(live['oldest-waiter-seconds']) : ''));
    if (metrics !== null && metrics.waitP99 === null && metrics.waitMax !== null) {
      setText(card.waitTitle, 'Queue wait max');
      setText(v.wait, depth === null ? 'no queue' : seconds(metrics.waitMax));
    } else {
      setText(card.waitTitle, metrics !== null && metrics.waitSource === 'buckets' ? 'Queue wait p99 (since start)'
        : 'Queue wait p99');
      setText(v.wait, depth === null ? 'no queue' : seconds(metrics === null ? null : metrics.waitP99));
    }
    setText(v.keys, live.keys === undefined || live.keys < 0 ? 'unknown' : live.keys);
    setText(v.totals, (live.admitted ?? 0) + ' admitted, ' + (live.refused ?? 0) + ' refused');
    const failures = metrics && metrics.backendFailures !== null ? ', ' + perSecond(rates.backendFailures)
      + '/s decided by on-backend-failure' : '';
    setText(v.degraded, !cluster ? 'node-local (this JVM)'
      : (degraded ? 'DEGRADED: following on-backend-failure: ' + (d['on-backend-failure'] || 'local')
        : 'cluster, healthy') + failures);
    card.el.classList.toggle('is-degraded', degraded);

    if (permits !== null) {
      card.meter.max = Math.max(permits, 1);
      card.meter.value = live['permits-in-use'] || 0;
      card.meter.setAttribute('aria-label', 'Permits in use: ' + (live['permits-in-use'] || 0) + ' of ' + permits);
      card.meter.hidden = false;
    } else if (limitPerSecond !== null && rates.admitted !== null) {
      card.meter.max = Math.max(limitPerSecond, 0.001);
      card.meter.high = limitPerSecond * 0.8;
      card.meter.value = Math.min(rates.admitted, limitPerSecond);
      card.meter.setAttribute('aria-label', 'Admitted ' + perSecond(rates.admitted) + ' per second against a limit of '
        + perSecond(limitPerSecond) + ' per second per key');
      card.meter.hidden = false;
    } else {
      card.meter.hidden = true;
    }
    renderTop(card, top);
  }

  function renderTop(card, top) {
    const box = card.v.top;
    let signature;
    let content;
    if (!top || top.status === 404) {
      signature = 'na';
      content = () => {
        const p = document.createElement('p');
        p.className = 'muted';
        p.textContent = 'not available (this server does not list top keys)';
        return [p];
      };
    } else if (top.status !== 200 || !top.body || !Array.isArray(top.body.keys)) {
      signature = 'err' + top.status;
      content = () => {
        const p = document.createElement('p');
        p.className = 'muted';
        p.textContent = 'not available: ' + problemText(top);
        return [p];
      };
    } else if (top.body.keys.length === 0) {
      signature = 'none';
      content = () => {
        const p = document.createElement('p');
        p.className = 'muted';
        p.textContent = 'none refused';
        return [p];
      };
    } else {
      signature = JSON.stringify(top.body.keys) + top.body.nodes;
      content = () => {
        const table = document.createElement('table');
        const caption = document.createElement('caption');
        caption.className = 'muted small';
        caption.textContent = 'Estimated refusals' + (top.body.nodes ? ' across ' + top.body.nodes + ' node(s)' : '');
        const head = document.createElement('tr');
        for (const h of ['Key', 'Estimate', 'Bounds']) {
          const th = document.createElement('th');
          th.scope = 'col';
          th.textContent = h;
          head.append(th);
        }
        const thead = document.createElement('thead');
        thead.append(head);
        const tbody = document.createElement('tbody');
        for (const k of top.body.keys.slice(0, 5)) {
          const tr = document.createElement('tr');
          const cells = [String(k.key), String(k.estimate), (k.lower ?? '?') + '–' + (k.upper ?? '?')];
          cells.forEach((c, i) => {
            const td = document.createElement('td');
            td.textContent = c;
            if (i > 0) {
              td.className = 'num';
            }
            tr.append(td);
          });
          tbody.append(tr);
        }
        table.append(caption, thead, tbody);
        return [table];
      };
    }
    if (card.topSignature !== signature) {
      card.topSignature = signature;
      box.replaceChildren(...content());
    }
  }

  // ------------------------------------------------------------------ backends, audit

  function renderBackends(answer) {
    const box = $('backends');
    if (!answer.body || !Array.isArray(answer.body.backends)) {
      box.replaceChildren(textParagraph('Health not available: ' + problemText(answer), 'error'));
      state.degraded = false;
      return 'unknown';
    }
    const health = answer.body;
    state.degraded = health.backends.some((b) => b.status === 'DEGRADED' || b.status === 'DOWN');
    const signature = JSON.stringify(health.backends);
    if (box.dataset.signature !== signature) {
      box.dataset.signature = signature;
      const items = health.backends.map((b) => {
        const div = document.createElement('div');
        div.className = 'backend panel';
        const h = document.createElement('h3');
        h.append(document.createTextNode(b.backend + ': '));
        const s = document.createElement('span');
        s.className = 'status-' + b.status;
        s.textContent = b.status;
        h.append(s);
        const details = b.details || {};
        const primary = ['members', 'majority', 'breaker', 'degraded-since', 'last-failure', 'policies', 'error'];
        const list = (keys) => {
          const dl = document.createElement('dl');
          for (const k of keys) {
            const dt = document.createElement('dt');
            dt.textContent = k === 'members' ? 'cluster members' : k;
            const dd = document.createElement('dd');
            const value = details[k];
            dd.textContent = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
            dl.append(dt, dd);
          }
          return dl;
        };
        div.append(h, list(primary.filter((k) => k in details)));
        const rest = Object.keys(details).filter((k) => !primary.includes(k)).sort();
        if (rest.length > 0) {
          const more = document.createElement('details');
          const summary = document.createElement('summary');
          summary.textContent = 'All details';
          more.open = state.openDetails.has(b.backend);
          more.addEventListener('toggle', () => {
            if (more.open) {
              state.openDetails.add(b.backend);
            } else {
              state.openDetails.delete(b.backend);
            }
          });
          more.append(summary, list(rest));
          div.append(more);
        }
        return div;
      });
      box.replaceChildren(...(items.length ? items : [textParagraph('No backends.', 'muted')]));
    }
    return health.status;
  }

  function textParagraph(text, className) {
    const p = document.createElement('p');
    p.className = className || '';
    p.textContent = text;
    return p;
  }

  function summarize(entry) {
    // before/after say exactly what moved; the request's own change (a merge patch) only when they are absent
    if (entry.before == null && entry.after == null) {
      if (entry.change !== undefined) {
        return typeof entry.change === 'string' ? entry.change : JSON.stringify(entry.change);
      }
      if (entry.key !== undefined) {
        return 'key ' + entry.key;
      }
    }
    const changes = [];
    const walk = (before, after, path) => {
      const isObj = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);
      if (isObj(before) || isObj(after)) {
        const keys = new Set(Object.keys(before || {}).concat(Object.keys(after || {})));
        for (const k of keys) {
          walk(isObj(before) ? before[k] : undefined, isObj(after) ? after[k] : undefined, path ? path + '.' + k : k);
        }
      } else if (JSON.stringify(before) !== JSON.stringify(after)) {
        changes.push(path + ': ' + (before === undefined ? '–' : JSON.stringify(before)) + ' → '
          + (after === undefined ? '–' : JSON.stringify(after)));
      }
    };
    walk(entry.before, entry.after, '');
    return changes.length ? changes.join('; ') : (entry.after ? 'no change' : 'removed');
  }

  function renderAudit(answer) {
    const box = $('audit');
    if (answer.status === 404) {
      if (state.auditText !== '404') {
        state.auditText = '404';
        box.replaceChildren(textParagraph('Audit not available on this server.', 'muted'));
      }
      return;
    }
    if (!answer.ok || !answer.body) {
      const text = 'Audit not available: ' + problemText(answer);
      if (state.auditText !== text) {
        state.auditText = text;
        box.replaceChildren(textParagraph(text, 'muted'));
      }
      return;
    }
    const entries = (Array.isArray(answer.body) ? answer.body
      : answer.body.entries || answer.body.items || []).slice(0, 20);
    const signature = JSON.stringify(entries);
    if (state.auditText === signature) {
      return;
    }
    state.auditText = signature;
    if (entries.length === 0) {
      box.replaceChildren(textParagraph('No changes yet.', 'muted'));
      return;
    }
    const table = document.createElement('table');
    table.className = 'audit-table';
    const columns = ['Time', 'Who', 'Policy', 'Action', 'Version', 'Change'];
    const thead = document.createElement('thead');
    const head = document.createElement('tr');
    for (const c of columns) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = c;
      head.append(th);
    }
    thead.append(head);
    const tbody = document.createElement('tbody');
    for (const e of entries) {
      const who = [e.who, e.token && e.token !== e.who ? 'token ' + e.token : null, e.address ? 'from ' + e.address
        : null].filter(Boolean).join(', ');
      const before = e['version-before'] ?? e['before-version'];
      const after = e['version-after'] ?? e['after-version'] ?? e.version;
      const version = (before !== undefined && before !== null ? before + ' → ' : '') + (after ?? '–');
      const values = [time(e.time), who, e.policy ?? '', e.action ?? '', version, summarize(e)];
      const tr = document.createElement('tr');
      values.forEach((value, i) => {
        const td = document.createElement('td');
        td.dataset.label = columns[i];
        td.textContent = String(value);
        if (i === 5) {
          td.className = 'audit-change';
        }
        tr.append(td);
      });
      tbody.append(tr);
    }
    table.append(thead, tbody);
    box.replaceChildren(table);
  }

  // ------------------------------------------------------------------ refresh loop

  function delta(now, before, seconds) {
    if (before === undefined || before === null || now === undefined || now === null || !(seconds > 0)
      || now < before) {
      return null;
    }
    return (now - before) / seconds;
  }

  async function topKeys(name) {
    const cached = state.top.get(name);
    const now = Date.now();
    if (cached && cached.answer.status === 404 && now - cached.at < TOP_RETRY_MS) {
      return cached.answer;
    }
    const answer = await call('policies/' + encodeURIComponent(name) + '/top?outcome=refused&window=1m&limit=5');
    state.top.set(name, { at: now, answer: answer });
    return answer;
  }

  async function refresh() {
    try {
      const [policies, health, metrics, audit] = await Promise.all([
        call('policies'), call('health'), call('metrics', { headers: { 'Accept': 'text/plain' } }),
        call('audit?limit=20')]);
      const now = performance.now();
      const loadError = $('load-error');
      if (!policies.ok || !policies.body || !Array.isArray(policies.body.policies)) {
        loadError.hidden = false;
        setText(loadError, (policies.status === 401 || policies.status === 403
          ? 'Reading needs a token on this server: enter a management token above. ' : 'Cannot read the policies: ')
          + problemText(policies));
        setText($('overall'), 'Not connected');
        return;
      }
      loadError.hidden = true;
      const healthStatus = renderBackends(health);
      const samples = metrics.ok && !(metrics.headers.get('Content-Type') || '').includes('json')
        ? parseMetrics(metrics.text) : null;
      const list = policies.body.policies;
      const tops = await Promise.all(list.map((p) => topKeys(p.name)));
      const counters = {};
      const previous = state.previous;
      const elapsed = previous ? (now - previous.time) / 1000 : 0;
      const container = $('policies');
      const seen = new Set();
      list.forEach((policy, index) => {
        seen.add(policy.name);
        const live = policy.live || {};
        const m = samples === null ? null : metricsOf(samples, policy.name);
        const c = {
          admitted: live.admitted, refused: live.refused, byReason: live['refused-by-reason'] || {},
          shadow: m ? m.shadow : {}, backendFailures: m ? m.backendFailures : null,
        };
        counters[policy.name] = c;
        const p = previous ? previous.counters[policy.name] : undefined;
        const rates = {
          admitted: delta(c.admitted, p && p.admitted, elapsed),
          refused: delta(c.refused, p && p.refused, elapsed),
          byReason: {}, shadow: {},
          backendFailures: delta(c.backendFailures, p && p.backendFailures, elapsed),
        };
        for (const r of Object.keys(c.byReason)) {
          rates.byReason[r] = delta(c.byReason[r], p && p.byReason[r], elapsed);
        }
        for (const r of Object.keys(c.shadow)) {
          rates.shadow[r] = delta(c.shadow[r], p && p.shadow[r], elapsed);
        }
        const card = state.cards.get(policy.name) || createCard(policy.name);
        if (container.children[index] !== card.el) {
          container.insertBefore(card.el, container.children[index] || null);
        }
        renderPolicy(card, policy, rates, m, tops[index]);
      });
      for (const [name, card] of state.cards) {
        if (!seen.has(name)) {
          card.el.remove();
          state.cards.delete(name);
        }
      }
      if (list.length === 0) {
        container.replaceChildren(textParagraph('No policies.', 'muted'));
      }
      state.previous = { time: now, counters: counters };
      renderAudit(audit);
      const overall = $('overall');
      setText(overall, 'Health: ' + healthStatus + ' · ' + list.length + ' polic' + (list.length === 1 ? 'y' : 'ies')
        + ' · updated ' + new Date().toLocaleTimeString());
      overall.className = 'status status-' + healthStatus;
      document.body.dataset.refreshed = String((Number(document.body.dataset.refreshed) || 0) + 1);
    } catch (bug) {
      const loadError = $('load-error');
      loadError.hidden = false;
      setText(loadError, 'The dashboard failed to draw: ' + bug);
    } finally {
      setTimeout(refresh, REFRESH_MS);
    }
  }

  setupToken();
  refresh();
}());
