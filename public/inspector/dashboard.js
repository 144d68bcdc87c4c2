/*
 * The merchant dashboard: totals, charts (Chart.js, served by the collector), carts with their
 * state, webhook deliveries with a retry for dead ones, search and a session's timeline, from the
 * collector's JSON reads (/inspector/api/..., /webhooks/deliveries). Refreshed when the live feed
 * (inspector.js) reports new data, and every PERIODIC_REFRESH_MS: lifecycle decisions and webhook
 * outcomes happen without a beacon, so the feed does not report them. Every value that came from
 * beacons or a receiver is written with textContent (or drawn on a canvas), never parsed as HTML.
 */
(function () {
  'use strict';
  var REFRESH_DELAY_MS = 1000;
  var PERIODIC_REFRESH_MS = 30000;
  /** A retried delivery is read again this often until it is no longer pending (at most RETRY_POLLS times). */
  var RETRY_POLL_MS = 2000;
  var RETRY_POLLS = 60;
  /** Dead deliveries counted for the overview: the count reads at most this many (then "100+"). */
  var DEAD_COUNTED = 100;
  var DELIVERIES_PAGE = 25;

  var state = { site: null, sites: [], cartsNext: null, deliveriesNext: null, timelineNext: null, timelineSession: null, refreshTimer: 0, charts: {}, following: {} };
  var $ = function (id) { return document.getElementById(id); };

  function showProblem(text) {
    var problem = $('problem');
    problem.textContent = text || '';
    problem.hidden = !text;
  }

  /** Resolves a response's JSON, or rejects with the collector's reason. */
  function answer(response) {
    return response.json().then(function (body) {
      if (!response.ok) throw new Error(body.error || 'the collector answered ' + response.status);
      return body;
    });
  }

  function withQuery(path, params) {
    var query = new URLSearchParams();
    Object.keys(params || {}).forEach(function (key) {
      if (params[key] != null && params[key] !== '') query.set(key, params[key]);
    });
    var text = query.toString();
    return path + (text ? '?' + text : '');
  }

  /** GET a dashboard read; resolves its JSON, or rejects with the collector's reason. */
  function read(path, params) {
    var all = Object.assign({}, params);
    if (state.site && state.sites.length > 1) all.site = state.site.id;
    return fetch(withQuery('/inspector/api/' + path, all), { credentials: 'same-origin' }).then(answer);
  }

  /** GET the shown site's webhook deliveries (README "Webhooks"). */
  function readDeliveries(params) {
    return fetch(withQuery('/webhooks/deliveries', Object.assign({ site: state.site.id }, params)), { credentials: 'same-origin' }).then(answer);
  }

  // ---- formatting: money in the site's currency, instants with the site's time zone ----
  function money(cents) {
    if (typeof cents != 'number') return '';
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: state.site.currency }).format(cents / 100);
  }
  function when(ms) {
    if (ms == null) return '';
    return new Intl.DateTimeFormat(undefined, {
      timeZone: state.site.timezone, year: 'numeric', month: 'short', day: 'numeric',
      hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short',
    }).format(ms);
  }
  function instant(iso) {
    return iso ? when(Date.parse(iso)) : '';
  }
  function age(seconds) {
    if (seconds < 60) return seconds + ' s';
    if (seconds < 3600) return Math.floor(seconds / 60) + ' min';
    if (seconds < 172800) return Math.floor(seconds / 3600) + ' h ' + Math.floor((seconds % 3600) / 60) + ' min';
    return Math.floor(seconds / 86400) + ' days';
  }
  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text != null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  // ---- totals and charts ----
  function drawChart(name, canvasId, config) {
    if (typeof Chart != 'function') return showProblem('The chart library did not load.');
    var chart = state.charts[name];
    if (chart) {
      chart.data = config.data;
      chart.update();
      return;
    }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options);
    state.charts[name] = new Chart($(canvasId), config);
  }

  function renderSummary(summary) {
    var totals = summary.totals;
    $('total-revenue').textContent = money(totals.revenue);
    $('total-conversions').textContent = totals.conversions + (totals.conversions == 1 ? ' conversion' : ' conversions');
    $('total-recovered').textContent = money(totals.recovered_revenue);
    $('total-recovered-count').textContent = totals.recovered + ' recovered ' + (totals.recovered == 1 ? 'order' : 'orders') +
      (totals.recovered ? ', ' + totals.clicked_back + ' after a click on a link' : '');
    $('total-abandoned').textContent = String(totals.abandoned_carts);
    $('total-abandoned-value').textContent = money(totals.abandoned_value) + ' left in carts · ' +
      totals.abandoned_browses + (totals.abandoned_browses == 1 ? ' browse' : ' browses') + ' abandoned';
    var funnel = summary.funnel;
    $('total-rate').textContent = funnel.carts ? Math.round((funnel.conversions / funnel.carts) * 100) + ' %' : '–';
    Array.prototype.forEach.call(document.querySelectorAll('#funnel dd'), function (dd) {
      dd.textContent = String(funnel[dd.dataset.step]);
    });
    $('zone').textContent = 'Days and times in ' + summary.range.timezone + ', amounts in ' + summary.site.currency;

    var labels = summary.days.map(function (day) { return day.day; });
    drawChart('revenue', 'revenue-chart', {
      type: 'bar',
      data: {
        labels: labels,
        datasets: [
          { label: 'Revenue', data: summary.days.map(function (day) { return day.revenue / 100; }), backgroundColor: '#1769c2' },
          { label: 'Recovered', data: summary.days.map(function (day) { return day.recovered_revenue / 100; }), backgroundColor: '#18864b' },
        ],
      },
      options: { scales: { x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } }, y: { beginAtZero: true } } },
    });
    drawChart('funnel', 'funnel-chart', {
      type: 'bar',
      data: {
        labels: ['Product views', 'Carts', 'Email known', 'Conversions'],
        datasets: [{ label: 'Funnel', data: [funnel.product_views, funnel.carts, funnel.email_known, funnel.conversions], backgroundColor: ['#6b7a99', '#1769c2', '#c27c17', '#18864b'] }],
      },
      options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }

  // ---- carts ----
  function cartRow(cart) {
    var tr = document.createElement('tr');
    tr.dataset.order = cart.id;
    var order = el('td');
    var open = el('button', cart.id, 'link');
    open.type = 'button';
    open.title = 'Show the session of this cart';
    open.addEventListener('click', function () { if (cart.session) openTimeline(cart.session); });
    order.appendChild(open);
    tr.appendChild(order);
    tr.appendChild(el('td', cart.email || '—', 'email'));
    tr.appendChild(el('td', money(cart.value), 'value'));
    var items = el('td', null, 'items');
    var list = document.createElement('ul');
    cart.items.forEach(function (item) {
      list.appendChild(el('li', (item.name || item.product_id) + ' × ' + item.item_qty + (item.price == null ? '' : ' @ ' + money(item.price))));
    });
    if (cart.item_count > cart.items.length) list.appendChild(el('li', '… ' + (cart.item_count - cart.items.length) + ' more'));
    items.appendChild(list);
    tr.appendChild(items);
    tr.appendChild(el('td', age(cart.age_seconds), 'age'));
    tr.appendChild(el('td', when(cart.last_activity), 'when'));
    var cartState = el('td', cart.state, 'state state-' + cart.state);
    if (cart.state == 'recovered' && cart.click_back) cartState.appendChild(el('span', 'clicked back', 'flag'));
    tr.appendChild(cartState);
    return tr;
  }

  function fillCarts(tbody, carts, append) {
    if (!append) tbody.replaceChildren();
    carts.forEach(function (cart) { tbody.appendChild(cartRow(cart)); });
    if (!tbody.children.length) {
      var empty = el('tr', null, 'empty');
      var td = el('td', 'no carts in this range');
      td.colSpan = 7;
      empty.appendChild(td);
      tbody.appendChild(empty);
    }
  }

  function loadCarts(append) {
    var params = rangeParams();
    params.state = $('cart-state').value;
    if (append) params.after = state.cartsNext;
    return read('carts', params).then(function (page) {
      fillCarts(document.querySelector('#cart-list tbody'), page.carts, append);
      state.cartsNext = page.next;
      $('more-carts').hidden = !page.next;
    });
  }

  // ---- webhook deliveries ----
  var RETRYABLE = { dead: true, suppressed: true };

  function lastAnswer(delivery) {
    var parts = [];
    if (delivery.last_status != null) parts.push('HTTP ' + delivery.last_status);
    if (delivery.last_error) parts.push(delivery.last_error);
    return parts.join(' · ') || '—';
  }

  function nextOrDone(delivery) {
    if (delivery.state == 'delivered') return 'delivered ' + instant(delivery.delivered_at);
    if (delivery.state == 'pending') return 'next ' + instant(delivery.next_attempt_at) + ' · gives up ' + instant(delivery.gives_up_at);
    return delivery.state + ' since ' + instant(delivery.updated_at);
  }

  /** Fills a row from a delivery; a dead or suppressed one gets a Retry button. */
  function fillDeliveryRow(tr, delivery) {
    tr.dataset.delivery = delivery.id;
    tr.dataset.state = delivery.state;
    tr.className = 'delivery delivery-' + delivery.state;
    var created = el('td', null, 'created');
    created.appendChild(el('time', instant(delivery.created_at)));
    var type = el('td', null, 'type');
    type.appendChild(el('span', delivery.type.replace(/_/g, ' ')));
    type.appendChild(el('span', delivery.url, 'receiver'));
    var action = el('td', null, 'action');
    if (RETRYABLE[delivery.state]) {
      var retry = el('button', 'Retry', 'retry');
      retry.type = 'button';
      retry.setAttribute('aria-label', 'Retry the ' + delivery.type.replace(/_/g, ' ') + ' webhook created ' + instant(delivery.created_at));
      retry.addEventListener('click', function () { retryDelivery(tr, delivery, retry); });
      action.appendChild(retry);
    }
    tr.replaceChildren(
      created,
      type,
      el('td', delivery.email || '—', 'email'),
      el('td', delivery.state, 'state state-' + delivery.state),
      el('td', delivery.attempts + (delivery.attempts == 1 ? ' attempt' : ' attempts'), 'attempts'),
      el('td', lastAnswer(delivery), 'answer'),
      el('td', nextOrDone(delivery), 'when'),
      action
    );
  }

  /** Reads a retried delivery again until an attempt decided it, so its row shows the outcome. */
  function followDelivery(tr, id, polls) {
    if (tr.dataset.state != 'pending' || polls <= 0) return void delete state.following[id];
    state.following[id] = true;
    setTimeout(function () {
      if (!tr.isConnected) return;
      fetch('/webhooks/deliveries/' + encodeURIComponent(id), { credentials: 'same-origin' }).then(answer).then(function (delivery) {
        fillDeliveryRow(tr, delivery);
        followDelivery(tr, id, polls - 1);
        if (delivery.state != 'pending') loadDeadCount();
      }).catch(function (error) { showProblem(error.message); });
    }, RETRY_POLL_MS);
  }

  function retryDelivery(tr, delivery, button) {
    button.disabled = true;
    button.textContent = 'Retrying…';
    // A POST from this page carries its own Origin, which the collector requires (no cross-site retries).
    fetch('/webhooks/deliveries/' + encodeURIComponent(delivery.id) + '/retry', { method: 'POST', credentials: 'same-origin' })
      .then(answer)
      .then(function (updated) {
        fillDeliveryRow(tr, updated);
        loadDeadCount();
        followDelivery(tr, updated.id, RETRY_POLLS);
      })
      .catch(function (error) {
        button.disabled = false;
        button.textContent = 'Retry';
        showProblem('Retry failed: ' + error.message);
      });
  }

  function loadDeliveries(append) {
    var params = { limit: DELIVERIES_PAGE, state: $('delivery-state').value };
    if (append) params.before = state.deliveriesNext;
    return readDeliveries(params).then(function (page) {
      var tbody = document.querySelector('#webhooks tbody');
      if (!append) tbody.replaceChildren();
      page.deliveries.forEach(function (delivery) {
        var tr = document.createElement('tr');
        fillDeliveryRow(tr, delivery);
        tbody.appendChild(tr);
        // A refresh replaced the row of a retry still being followed: follow the new row.
        if (state.following[delivery.id]) followDelivery(tr, delivery.id, RETRY_POLLS);
      });
      if (!tbody.children.length) {
        var empty = el('tr', null, 'empty');
        var td = el('td', $('delivery-state').value ? 'no ' + $('delivery-state').value + ' webhooks' : 'no webhooks sent yet');
        td.colSpan = 8;
        empty.appendChild(td);
        tbody.appendChild(empty);
      }
      state.deliveriesNext = page.next;
      $('more-deliveries').hidden = !page.next;
    });
  }

  /** The overview's dead-letter count: one bounded page of dead deliveries, newest first. */
  function loadDeadCount() {
    return readDeliveries({ state: 'dead', limit: DEAD_COUNTED }).then(function (page) {
      var count = page.deliveries.length;
      $('total-dead').textContent = count + (page.next ? '+' : '');
      $('dead-card').dataset.dead = String(count);
      $('total-dead-sub').textContent = count ? 'not delivered: retry them below' : 'every webhook was delivered or is still being tried';
    });
  }

  // ---- search and timeline ----
  function search(q) {
    return read('search', { q: q }).then(function (found) {
      var section = $('search-results');
      fillCarts(section.querySelector('tbody'), found.carts, false);
      var sessions = section.querySelector('.sessions-found');
      sessions.replaceChildren(el('span', found.sessions.length ? 'Sessions: ' : 'No session found.'));
      found.sessions.forEach(function (id) {
        var button = el('button', id, 'link');
        button.type = 'button';
        button.addEventListener('click', function () { openTimeline(id); });
        sessions.appendChild(button);
      });
      section.hidden = false;
      section.scrollIntoView({ block: 'start' });
    });
  }

  function describe(event) {
    var data = event.data || {};
    var parts = [];
    ['name', 'product_id', 'email', 'title', 'cart_value', 'item_qty', 'price', 'list_id'].forEach(function (key) {
      if (data[key] == null || data[key] === '') return;
      parts.push(key + ': ' + (key == 'cart_value' || key == 'price' ? money(data[key]) : data[key]));
    });
    if (data.cart_data && typeof data.cart_data.cart_value == 'number') parts.push('value: ' + money(data.cart_data.cart_value));
    if (data.campaign_type) parts.push('campaign: ' + data.campaign_type);
    if (event.order) parts.push('order ' + event.order);
    return parts.join(' · ');
  }

  function loadTimeline(append) {
    var params = append ? { after: state.timelineNext } : {};
    return read('sessions/' + encodeURIComponent(state.timelineSession), params).then(function (page) {
      var section = $('timeline');
      var session = page.session;
      section.querySelector('.session-id').textContent = session.id;
      section.querySelector('.session-facts').textContent =
        (session.email ? session.email + ' · ' : '') + 'first seen ' + when(session.first_seen) + ' · last seen ' + when(session.last_seen) +
        ' · ' + session.events + ' events, ' + session.page_views + ' page views, ' + session.product_views + ' product views';
      var list = section.querySelector('.events');
      if (!append) list.replaceChildren();
      page.events.forEach(function (event) {
        var li = el('li');
        li.appendChild(el('time', when(event.ts)));
        li.appendChild(el('strong', event.type.replace(/_/g, ' ')));
        li.appendChild(el('span', describe(event), 'detail'));
        li.appendChild(el('span', event.url, 'url'));
        list.appendChild(li);
      });
      state.timelineNext = page.next;
      var more = section.querySelector('.more');
      more.textContent = 'Load more events';
      more.hidden = !page.next;
      section.hidden = false;
      if (!append) section.scrollIntoView({ block: 'start' });
    });
  }

  function openTimeline(id) {
    state.timelineSession = id;
    loadTimeline(false).catch(function (error) { showProblem(error.message); });
  }

  // ---- range, site and refresh ----
  function rangeParams() {
    return { from: $('from').value, to: $('to').value };
  }

  function todayIn(zone) {
    return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  }

  function refresh() {
    state.refreshTimer = 0;
    showProblem('');
    return Promise.all([read('summary', rangeParams()).then(renderSummary), loadCarts(false), loadDeliveries(false), loadDeadCount()]).catch(function (error) {
      showProblem(error.message);
    });
  }

  /** New data arrived: refresh when the range includes today (older ranges cannot change much). */
  function onLiveUpdate() {
    if (!state.site || $('to').value < todayIn(state.site.timezone) || state.refreshTimer) return;
    state.refreshTimer = setTimeout(refresh, REFRESH_DELAY_MS);
  }

  function chooseSite(id) {
    state.site = state.sites.filter(function (site) { return site.id == id; })[0] || state.sites[0];
    var today = todayIn(state.site.timezone);
    var start = new Date(Date.parse(today + 'T00:00:00Z') - 29 * 86400000).toISOString().slice(0, 10);
    $('to').value = today;
    $('from').value = start;
    return refresh();
  }

  function start() {
    read('sites').then(function (answer) {
      state.sites = answer.sites;
      if (!state.sites.length) return showProblem('No site is configured.');
      var select = $('site');
      state.sites.forEach(function (site) { select.appendChild(el('option', site.id)); });
      $('site-field').hidden = state.sites.length < 2;
      select.addEventListener('change', function () { chooseSite(select.value); });
      return chooseSite(state.sites[0].id);
    }).catch(function (error) { showProblem(error.message); });

    $('controls').addEventListener('submit', function (event) {
      event.preventDefault();
      refresh();
    });
    $('cart-state').addEventListener('change', function () { loadCarts(false).catch(function (error) { showProblem(error.message); }); });
    $('more-carts').addEventListener('click', function () { loadCarts(true).catch(function (error) { showProblem(error.message); }); });
    $('delivery-state').addEventListener('change', function () { loadDeliveries(false).catch(function (error) { showProblem(error.message); }); });
    $('more-deliveries').addEventListener('click', function () { loadDeliveries(true).catch(function (error) { showProblem(error.message); }); });
    $('dead-card').addEventListener('click', function () {
      if ($('delivery-state').value == 'dead') return;
      $('delivery-state').value = 'dead';
      loadDeliveries(false).catch(function (error) { showProblem(error.message); });
    });
    setInterval(function () {
      if (document.visibilityState == 'visible') onLiveUpdate();
    }, PERIODIC_REFRESH_MS);
    $('timeline').querySelector('.more').addEventListener('click', function () {
      loadTimeline(true).catch(function (error) { showProblem(error.message); });
    });
    $('search').addEventListener('submit', function (event) {
      event.preventDefault();
      search($('q').value).catch(function (error) { showProblem(error.message); });
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-close]'), function (button) {
      button.addEventListener('click', function () { $(button.dataset.close).hidden = true; });
    });
    document.addEventListener('inspector:update', onLiveUpdate);
  }

  start();
})();
