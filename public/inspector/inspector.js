/*
 * The dashboard's live activity: renders sessions, carts, conversions and customers from the
 * collector's server-sent events (/inspector/events), and tells dashboard.js (event
 * `inspector:update` on the document) when new data arrived. Plain DOM, no framework. Every
 * value from beacons is untrusted: it is only ever written with textContent, never as HTML.
 */
(function () {
  'use strict';
  var MAX_ROWS = 200;
  var state = { sessions: new Map(), orders: new Map(), customers: new Map() };
  var fresh = new Set();
  var renderQueued = false;

  var statusLine = document.getElementById('status');
  function setStatus(text, name) {
    statusLine.textContent = text;
    statusLine.dataset.state = name;
  }

  function idOf(kind, row) {
    return kind + ':' + row.site + ':' + row.id;
  }

  function apply(view, replace) {
    ['sessions', 'orders', 'customers'].forEach(function (kind) {
      if (replace) state[kind].clear();
      (view[kind] || []).forEach(function (row) {
        var id = idOf(kind, row);
        if (!replace) fresh.add(id);
        state[kind].set(id, row);
      });
    });
    if (!renderQueued) {
      renderQueued = true;
      requestAnimationFrame(render);
    }
  }

  // These tables span every site this login sees: times are in the browser's zone, named.
  var timeFormat = new Intl.DateTimeFormat(undefined, {
    month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short',
  });
  function time(ms) {
    return ms == null ? '' : timeFormat.format(ms);
  }
  function money(cents) {
    return typeof cents == 'number' ? (cents / 100).toFixed(2) : '';
  }
  function pairs(object) {
    var keys = Object.keys(object || {});
    return keys.length ? keys.map(function (k) { return k + '=' + (typeof object[k] == 'string' ? object[k] : JSON.stringify(object[k])); }).join(', ') : '';
  }

  function cell(content) {
    var td = document.createElement('td');
    if (content instanceof Node) td.appendChild(content);
    else td.textContent = content == null ? '' : String(content);
    return td;
  }
  function list(items, label) {
    var ul = document.createElement('ul');
    items.forEach(function (item) {
      var li = document.createElement('li');
      li.textContent = label(item);
      ul.appendChild(li);
    });
    return ul;
  }
  function itemsOf(order) {
    return list(order.items || [], function (item) {
      return (item.name || item.product_id) + ' (' + item.product_id + ') × ' + (item.item_qty == null ? 1 : item.item_qty) +
        (item.price == null ? '' : ' @ ' + money(item.price));
    });
  }
  function statusOf(order) {
    var span = document.createElement('span');
    span.className = 'status-' + order.status;
    span.textContent = order.status;
    return span;
  }

  var COLUMNS = {
    sessions: function (s) {
      return [s.site, s.id, s.visitor, s.email, time(s.first_seen), time(s.last_seen), s.page_views, s.events, s.last_url, pairs(s.metadata)];
    },
    carts: function (o) {
      return [o.site, o.id, statusOf(o), o.email, money(o.cart_data.cart_value), itemsOf(o), pairs(o.cart_data), time(o.updated_at)];
    },
    conversions: function (o) {
      var campaign = [o.campaign_type, (o.campaign_ids || []).join(' ')].filter(Boolean).join(' ');
      return [o.site, o.id, o.converted_by, o.email, money(o.cart_data.cart_value), itemsOf(o), campaign, time(o.converted_at)];
    },
    customers: function (c) {
      var profile = ['age', 'gender', 'language', 'phone', 'city', 'country', 'birthdate']
        .filter(function (k) { return c[k] != null && c[k] !== ''; })
        .map(function (k) { return k + '=' + c[k]; });
      var consent = [
        c.is_opted_in ? 'opted in ' + c.opt_in_date + (pairs(c.opt_in_info) ? ' (' + pairs(c.opt_in_info) + ')' : '') : '',
        c.is_unsubscribed ? 'unsubscribed ' + c.unsubscribe_date : '',
        c.journeys_cancelled_at ? 'journeys cancelled ' + c.journeys_cancelled_at : '',
      ].filter(Boolean).join('; ');
      return [
        c.site, c.email, c.id, [c.first_name, c.last_name].filter(Boolean).join(' '),
        profile.concat(pairs(c.metadata) ? ['metadata: ' + pairs(c.metadata)] : []).join(', '),
        (c.tags || []).join(', '),
        (c.lists || []).map(function (l) { return l.list_id; }).join(', '),
        consent,
      ];
    },
  };

  function fill(sectionId, kind, rows, sortKey) {
    var section = document.getElementById(sectionId);
    var body = section.querySelector('tbody');
    rows.sort(function (a, b) { return (sortKey(b) || 0) - (sortKey(a) || 0); });
    section.querySelector('.count').textContent = '(' + rows.length + ')';
    var fragment = document.createDocumentFragment();
    rows.slice(0, MAX_ROWS).forEach(function (row) {
      var tr = document.createElement('tr');
      var id = idOf(kind, row);
      tr.dataset.key = id;
      if (fresh.has(id)) tr.className = 'fresh';
      COLUMNS[sectionId](row).forEach(function (value) { tr.appendChild(cell(value)); });
      fragment.appendChild(tr);
    });
    if (!rows.length) {
      var empty = document.createElement('tr');
      empty.className = 'empty';
      var td = cell('nothing yet');
      td.colSpan = section.querySelectorAll('th').length;
      empty.appendChild(td);
      fragment.appendChild(empty);
    }
    body.replaceChildren(fragment);
  }

  function render() {
    renderQueued = false;
    var orders = Array.from(state.orders.values());
    fill('sessions', 'sessions', Array.from(state.sessions.values()), function (s) { return s.last_seen; });
    fill('carts', 'orders', orders.filter(function (o) { return o.status != 'converted'; }), function (o) { return o.updated_at; });
    fill('conversions', 'orders', orders.filter(function (o) { return o.status == 'converted'; }), function (o) { return o.converted_at; });
    fill('customers', 'customers', Array.from(state.customers.values()), function (c) { return c.updated_at || 0; });
    fresh.clear();
  }

  var source = new EventSource('/inspector/events');
  source.addEventListener('open', function () { setStatus('live', 'live'); });
  source.addEventListener('error', function () { setStatus('disconnected, retrying…', 'error'); });
  source.addEventListener('snapshot', function (event) { apply(JSON.parse(event.data), true); });
  source.addEventListener('update', function (event) {
    apply(JSON.parse(event.data), false);
    document.dispatchEvent(new CustomEvent('inspector:update'));
  });
})();
