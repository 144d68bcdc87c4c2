/**
 * PostgreSQL schema, as numbered migrations applied in order at start, each in its own
 * transaction and recorded in `schema_migrations`. Several collector nodes may start at once:
 * an advisory lock makes one of them migrate while the others wait, and then find nothing to do.
 * A migration that has shipped is never edited: a change is a new one.
 */
import type { PoolClient } from 'pg';

/** Version 1: the event log and every assembled record, one row per line, metadata key, tag and membership. */
const V1 = `
CREATE TABLE events (
  cursor bigserial PRIMARY KEY,
  -- The inserting transaction: exports read in (tx, cursor) order and only below the oldest
  -- transaction still running, so an event committed late is never skipped (README "Scaling out").
  tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
  site text NOT NULL,
  id text NOT NULL,
  seq bigint NOT NULL,
  type text NOT NULL,
  ts double precision NOT NULL,
  visitor text NOT NULL,
  session text NOT NULL,
  order_id text,
  url text NOT NULL,
  data text NOT NULL,              -- normalized event data, JSON
  received_at bigint NOT NULL,
  email text,                      -- the email a customer_email or list_subscription event names
  UNIQUE (site, id)
);
CREATE INDEX events_export ON events (site, tx, cursor);
-- What erasing a customer looks events up by.
CREATE INDEX events_email ON events (site, email) WHERE email IS NOT NULL;
CREATE INDEX events_visitor ON events (site, visitor);

CREATE TABLE erasures (            -- the audit of erasures: who and when, never what
  site text NOT NULL,
  customer text NOT NULL,
  source text NOT NULL,
  kind text NOT NULL,              -- forget, anonymise
  events integer NOT NULL,         -- stored events that lost personal data
  at bigint NOT NULL
);

CREATE TABLE sessions (
  site text NOT NULL,
  id text NOT NULL,
  visitor text NOT NULL,
  email text,
  first_seen double precision NOT NULL,
  last_seen double precision NOT NULL,
  page_views integer NOT NULL,
  product_views integer NOT NULL,
  events integer NOT NULL,
  last_url text NOT NULL,
  payment_date text,               -- annotations of the REST API (PUT sessions/{id}/)
  fulfillment_date text,
  delivery_date text,
  written_at bigint NOT NULL,
  PRIMARY KEY (site, id)
);
CREATE INDEX sessions_written ON sessions (written_at);
CREATE INDEX sessions_email ON sessions (site, email) WHERE email IS NOT NULL;
CREATE INDEX sessions_site_written ON sessions (site, written_at);

CREATE TABLE visitors (
  site text NOT NULL,
  id text NOT NULL,
  email text,
  pending text,                    -- profile fields (and tags) sent before the email, JSON
  PRIMARY KEY (site, id)
);
CREATE INDEX visitors_email ON visitors (site, email) WHERE email IS NOT NULL;

CREATE TABLE orders (
  site text NOT NULL,
  id text NOT NULL,
  visitor text,
  session text,
  email text,
  status text NOT NULL,
  cart_data text NOT NULL,         -- cart fields without metadata, JSON
  campaign_type text,
  campaign_ids text NOT NULL,      -- JSON array
  created_at double precision NOT NULL,
  updated_at double precision NOT NULL,
  converted_at double precision,
  converted_by text,
  item_count integer NOT NULL,
  next_position integer NOT NULL,
  cart_data_seq bigint NOT NULL,
  closed_seq bigint NOT NULL,
  written_at bigint NOT NULL,
  PRIMARY KEY (site, id)
);
CREATE INDEX orders_email_status ON orders (site, email, status, updated_at);
CREATE INDEX orders_unlinked ON orders (site, visitor) WHERE email IS NULL;
CREATE INDEX orders_written ON orders (written_at);
CREATE INDEX orders_site_written ON orders (site, written_at);

CREATE TABLE order_items (
  site text NOT NULL,
  order_id text NOT NULL,
  product_id text NOT NULL,
  seq bigint NOT NULL,
  position integer NOT NULL,
  item text,                       -- CartItem JSON; NULL: removed (the row keeps the seq)
  PRIMARY KEY (site, order_id, product_id)
);

CREATE TABLE customers (
  site text NOT NULL,
  id text NOT NULL,
  container text NOT NULL,         -- the customer list it belongs to ('default' unless HubRise made another)
  email text,                      -- identifiers: none is mandatory for every source
  external_id text,
  private_ref text,
  phone_key text,                  -- the profile's phone in E.164 form, for by_phone and searches
  profile text NOT NULL,           -- profile fields without tags and metadata, JSON
  consent text NOT NULL,           -- per channel: {state, at, source}, JSON; absent = unknown
  stats text NOT NULL,             -- orders, spend and points, kept up to date on write, JSON
  status text NOT NULL,            -- active, deleted or forgotten
  anonymised boolean NOT NULL,
  journeys_cancelled_at text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  written_at bigint NOT NULL,
  tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
  seq bigserial,
  PRIMARY KEY (site, id)
);
CREATE UNIQUE INDEX customers_email ON customers (site, container, email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX customers_external ON customers (site, external_id) WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX customers_private_ref ON customers (site, container, private_ref) WHERE private_ref IS NOT NULL;
CREATE INDEX customers_phone ON customers (site, phone_key) WHERE phone_key IS NOT NULL;
CREATE INDEX customers_by_creation ON customers (site, container, created_at, id);
CREATE INDEX customers_by_update ON customers (site, container, updated_at, id);
CREATE INDEX customers_written ON customers (written_at);
CREATE INDEX customers_site_written ON customers (site, written_at);

CREATE TABLE customer_tags (
  site text NOT NULL,
  customer text NOT NULL,
  kind text NOT NULL,              -- tag, or preference (email topics)
  position integer NOT NULL,
  tag text NOT NULL,
  PRIMARY KEY (site, customer, kind, position)
);

-- Listings page in (tx, seq) order below the oldest running transaction, like the export: a
-- page never skips or repeats a row that another node inserts meanwhile.
CREATE TABLE lists (
  site text NOT NULL,
  id text NOT NULL,
  name text NOT NULL,
  created_at bigint NOT NULL,
  contact_count integer NOT NULL DEFAULT 0,
  tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
  seq bigserial,
  PRIMARY KEY (site, id)
);
CREATE INDEX lists_page ON lists (site, tx, seq);

CREATE TABLE memberships (
  site text NOT NULL,
  customer text NOT NULL,
  list_id text NOT NULL,
  first_name text,
  source text,
  subscribed_at double precision NOT NULL,
  custom_fields text NOT NULL DEFAULT '{}',
  tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
  seq bigserial,
  PRIMARY KEY (site, customer, list_id)
);
CREATE INDEX memberships_newest ON memberships (site, customer, subscribed_at);
CREATE INDEX memberships_page ON memberships (site, list_id, tx, seq);

CREATE TABLE metadata (
  site text NOT NULL,
  owner text NOT NULL,             -- kind:id (order, session, customer, visitor, opt_in)
  key text NOT NULL,
  value text NOT NULL,             -- JSON
  PRIMARY KEY (site, owner, key)
);

-- Advisory locks of record names (site:kind:id), always taken in ascending order of their hash,
-- so that two transactions never wait for each other in a circle.
CREATE FUNCTION rejoiner_lock(names text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE h bigint;
BEGIN
  FOR h IN SELECT DISTINCT hashtextextended(n, 0) FROM unnest(names) AS n ORDER BY 1 LOOP
    PERFORM pg_advisory_xact_lock(h);
  END LOOP;
END $$;

CREATE FUNCTION rejoiner_try_lock(names text[]) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE h bigint;
BEGIN
  FOR h IN SELECT DISTINCT hashtextextended(n, 0) FROM unnest(names) AS n ORDER BY 1 LOOP
    IF NOT pg_try_advisory_xact_lock(h) THEN RETURN false; END IF;
  END LOOP;
  RETURN true;
END $$;

-- RecordTx.prepareBatch in one round trip: store the new events, read what the rules need,
-- try the locks of the customers of the visitors' emails (answering {conflict} when another
-- transaction holds one), read those customers and the metadata keys of the owners named.
-- Every read is one index lookup per key (LATERAL), whatever the planner thinks of the sizes.
CREATE FUNCTION rejoiner_prepare_batch(request json) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
  fresh json;
  visitor_rows json;
  order_rows json;
  unlinked_rows json;
  email_sites text[];
  email_values text[];
  late text[];
  -- Read once: json (unlike jsonb) is parsed again by every ->, and in a select list that is once per row.
  arrival bigint := (request->>'received_at')::bigint;
BEGIN
  WITH inserted AS (
    INSERT INTO events (site, id, seq, type, ts, visitor, session, order_id, url, data, received_at, email)
    SELECT site, id, seq, type, ts, visitor, session, order_id, url, data, arrival, email
    FROM json_to_recordset(request->'events') AS x(site text, id text, seq bigint, type text, ts double precision,
      visitor text, session text, order_id text, url text, data text, email text)
    ON CONFLICT (site, id) DO NOTHING
    RETURNING site, id
  )
  SELECT coalesce(json_agg(json_build_object('site', site, 'id', id)), '[]') INTO fresh FROM inserted;

  SELECT coalesce(json_agg(row_to_json(v)), '[]') INTO visitor_rows
  FROM json_to_recordset(request->'visitors') AS k(site text, id text),
    LATERAL (SELECT * FROM visitors WHERE site = k.site AND id = k.id) AS v;

  -- The orders named, and the converted orders without an email of visitors that now tell one
  -- (their value reaches the customer's statistics; at most 100 per visitor, locked like the rest).
  SELECT coalesce(json_agg(row_to_json(o)), '[]') INTO order_rows
  FROM json_to_recordset(request->'orders') AS k(site text, id text),
    LATERAL (SELECT * FROM orders WHERE site = k.site AND id = k.id) AS o;
  SELECT coalesce(json_agg(row_to_json(o)), '[]') INTO unlinked_rows
  FROM json_to_recordset(request->'linking_visitors') AS k(site text, visitor text),
    LATERAL (SELECT * FROM orders WHERE site = k.site AND visitor = k.visitor AND email IS NULL AND status = 'converted'
             ORDER BY updated_at DESC LIMIT 100) AS o
  WHERE NOT EXISTS (SELECT 1 FROM json_to_recordset(request->'orders') AS n(site text, id text) WHERE n.site = o.site AND n.id = o.id);
  SELECT coalesce(array_agg(name), '{}') INTO late
  FROM (SELECT u.site || ':order:' || u.id AS name FROM json_to_recordset(unlinked_rows) AS u(site text, id text)) AS names
  WHERE NOT name = ANY (ARRAY(SELECT json_array_elements_text(request->'held')));
  IF NOT rejoiner_try_lock(late) THEN
    RETURN json_build_object('conflict', to_json(late));
  END IF;

  -- The customers of the visitors' emails and of the orders' (whose statistics a conversion moves).
  SELECT coalesce(array_agg(site), '{}'), coalesce(array_agg(email), '{}') INTO email_sites, email_values FROM (
    SELECT site, email FROM json_to_recordset(request->'emails') AS k(site text, email text)
    UNION
    SELECT site, email FROM json_to_recordset(visitor_rows) AS v(site text, email text) WHERE email IS NOT NULL
    UNION
    SELECT site, email FROM json_to_recordset(order_rows) AS o(site text, email text) WHERE email IS NOT NULL
    UNION
    SELECT site, email FROM json_to_recordset(unlinked_rows) AS o(site text, email text) WHERE email IS NOT NULL
  ) AS e;
  SELECT coalesce(array_agg(name), '{}') INTO late
  FROM (SELECT s || ':customer:' || e AS name FROM unnest(email_sites, email_values) AS x(s, e)) AS names
  WHERE NOT name = ANY (ARRAY(SELECT json_array_elements_text(request->'held')));
  IF NOT rejoiner_try_lock(late) THEN
    RETURN json_build_object('conflict', to_json(late));
  END IF;
  -- Writers that found a customer another way hold its id lock: take it too.
  SELECT coalesce(array_agg(name), '{}') INTO late
  FROM (SELECT c.site || ':customer-id:' || c.id AS name FROM unnest(email_sites, email_values) AS k(site, email),
          LATERAL (SELECT site, id FROM customers WHERE site = k.site AND container = 'default' AND email = k.email) AS c) AS names
  WHERE NOT name = ANY (ARRAY(SELECT json_array_elements_text(request->'held')));
  IF NOT rejoiner_try_lock(late) THEN
    RETURN json_build_object('conflict', to_json(late));
  END IF;

  RETURN (
    WITH found_customers AS (
      SELECT c.* FROM unnest(email_sites, email_values) AS k(site, email),
        LATERAL (SELECT * FROM customers WHERE site = k.site AND container = 'default' AND email = k.email) AS c
    ),
    owners AS (
      SELECT site, owner FROM json_to_recordset(request->'owners') AS k(site text, owner text)
      UNION SELECT site, 'customer:' || id FROM found_customers
    )
    SELECT json_build_object(
      'fresh', fresh,
      'visitors', visitor_rows,
      'orders', (SELECT coalesce(json_agg(o), '[]') FROM (SELECT json_array_elements(order_rows) AS o
                 UNION ALL SELECT json_array_elements(unlinked_rows)) AS rows),
      'items', (SELECT coalesce(json_agg(row_to_json(i)), '[]')
                FROM json_to_recordset(request->'items') AS k(site text, order_id text, product_id text),
                LATERAL (SELECT * FROM order_items WHERE site = k.site AND order_id = k.order_id AND product_id = k.product_id) AS i),
      'customers', (SELECT coalesce(json_agg(row_to_json(c)), '[]') FROM found_customers AS c),
      'keys', (SELECT coalesce(json_agg(json_build_array(m.site, m.owner, m.key)), '[]') FROM owners AS k,
               LATERAL (SELECT site, owner, key FROM metadata WHERE site = k.site AND owner = k.owner) AS m),
      'lists', (SELECT coalesce(json_agg(row_to_json(l)), '[]') FROM json_to_recordset(request->'lists') AS k(site text, id text),
                LATERAL (SELECT site, id, name, created_at, contact_count FROM lists WHERE site = k.site AND id = k.id) AS l),
      -- How many lists a site has, where a list named does not exist yet (at most 1,000 by then).
      'list_counts', (SELECT coalesce(json_agg(json_build_array(n.site, (SELECT count(*) FROM lists WHERE site = n.site))), '[]')
                      FROM (SELECT DISTINCT k.site FROM json_to_recordset(request->'lists') AS k(site text, id text)
                            WHERE NOT EXISTS (SELECT 1 FROM lists WHERE site = k.site AND id = k.id)) AS n)
    )
  );
END $$;

-- RecordTx.apply in one round trip: every part of a WritePlan, in the order it declares them.
-- A part with no rows is skipped; rows are found by their keys (LATERAL or the primary key of
-- an upsert), so no statement reads a table whole.
CREATE FUNCTION rejoiner_apply(plan json, now bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE moved record;
BEGIN
  IF json_array_length(plan->'customers') > 0 THEN
    INSERT INTO customers (site, id, container, email, external_id, private_ref, phone_key, profile, consent, stats, status,
      anonymised, journeys_cancelled_at, created_at, updated_at, written_at)
    SELECT site, id, container, email, external_id, private_ref, phone_key, profile, consent, stats, status, anonymised,
      journeys_cancelled_at, created_at, updated_at, now
    FROM json_to_recordset(plan->'customers') AS x(site text, id text, container text, email text, external_id text,
      private_ref text, phone_key text, profile text, consent text, stats text, status text, anonymised boolean,
      journeys_cancelled_at text, created_at bigint, updated_at bigint)
    ON CONFLICT (site, id) DO UPDATE SET container = excluded.container, email = excluded.email,
      external_id = excluded.external_id, private_ref = excluded.private_ref, phone_key = excluded.phone_key,
      profile = excluded.profile, consent = excluded.consent, stats = excluded.stats, status = excluded.status,
      anonymised = excluded.anonymised, journeys_cancelled_at = excluded.journeys_cancelled_at,
      updated_at = excluded.updated_at, written_at = excluded.written_at;
  END IF;

  IF json_array_length(plan->'visitors') > 0 THEN
    INSERT INTO visitors (site, id, email, pending)
    SELECT site, id, email, pending FROM json_to_recordset(plan->'visitors') AS x(site text, id text, email text, pending text)
    ON CONFLICT (site, id) DO UPDATE SET email = excluded.email, pending = excluded.pending;
  END IF;

  IF json_array_length(plan->'sessions') > 0 THEN
    INSERT INTO sessions AS s (site, id, visitor, email, first_seen, last_seen, page_views, product_views, events, last_url, written_at)
    SELECT site, id, visitor, email, first_seen, last_seen, page_views, product_views, events, last_url, now
    FROM json_to_recordset(plan->'sessions') AS x(site text, id text, visitor text, email text, first_seen double precision,
      last_seen double precision, page_views integer, product_views integer, events integer, last_url text)
    ON CONFLICT (site, id) DO UPDATE SET
      email = coalesce(s.email, excluded.email),
      first_seen = least(s.first_seen, excluded.first_seen),
      last_url = CASE WHEN excluded.last_seen >= s.last_seen THEN excluded.last_url ELSE s.last_url END,
      last_seen = greatest(s.last_seen, excluded.last_seen),
      page_views = s.page_views + excluded.page_views,
      product_views = s.product_views + excluded.product_views,
      events = s.events + excluded.events,
      written_at = excluded.written_at;
  END IF;
  -- An email the session's shopper just gave replaces the one it had.
  IF json_array_length(plan->'session_emails') > 0 THEN
    UPDATE sessions s SET email = x.email FROM json_to_recordset(plan->'session_emails') AS x(site text, id text, email text)
    WHERE s.site = x.site AND s.id = x.id;
  END IF;

  IF json_array_length(plan->'orders') > 0 THEN
    INSERT INTO orders (site, id, visitor, session, email, status, cart_data, campaign_type, campaign_ids, created_at, updated_at,
      converted_at, converted_by, item_count, next_position, cart_data_seq, closed_seq, written_at)
    SELECT site, id, visitor, session, email, status, cart_data, campaign_type, campaign_ids, created_at, updated_at,
      converted_at, converted_by, item_count, next_position, cart_data_seq, closed_seq, now
    FROM json_to_recordset(plan->'orders') AS x(site text, id text, visitor text, session text, email text, status text,
      cart_data text, campaign_type text, campaign_ids text, created_at double precision, updated_at double precision,
      converted_at double precision, converted_by text, item_count integer, next_position integer, cart_data_seq bigint,
      closed_seq bigint)
    ON CONFLICT (site, id) DO UPDATE SET visitor = excluded.visitor, session = excluded.session,
      -- Never cleared: a transaction that read the order before another linked it to its visitor's
      -- email must not write the old null back.
      email = coalesce(excluded.email, orders.email),
      status = excluded.status, cart_data = excluded.cart_data, campaign_type = excluded.campaign_type,
      campaign_ids = excluded.campaign_ids, updated_at = excluded.updated_at, converted_at = excluded.converted_at,
      converted_by = excluded.converted_by, item_count = excluded.item_count, next_position = excluded.next_position,
      cart_data_seq = excluded.cart_data_seq, closed_seq = excluded.closed_seq, written_at = excluded.written_at;
  END IF;

  IF json_array_length(plan->'cleared_items') > 0 THEN
    DELETE FROM order_items i USING json_to_recordset(plan->'cleared_items') AS x(site text, order_id text)
    WHERE i.site = x.site AND i.order_id = x.order_id;
  END IF;
  IF json_array_length(plan->'items') > 0 THEN
    INSERT INTO order_items (site, order_id, product_id, seq, position, item)
    SELECT site, order_id, product_id, seq, position, item FROM json_to_recordset(plan->'items')
      AS x(site text, order_id text, product_id text, seq bigint, position integer, item text)
    ON CONFLICT (site, order_id, product_id) DO UPDATE SET seq = excluded.seq, position = excluded.position, item = excluded.item;
  END IF;

  IF json_array_length(plan->'tag_owners') > 0 THEN
    DELETE FROM customer_tags t USING json_to_recordset(plan->'tag_owners') AS x(site text, customer text, kind text)
    WHERE t.site = x.site AND t.customer = x.customer AND t.kind = x.kind;
    INSERT INTO customer_tags (site, customer, kind, position, tag)
    SELECT site, customer, kind, position, tag FROM json_to_recordset(plan->'tags')
      AS x(site text, customer text, kind text, position integer, tag text);
  END IF;

  IF json_array_length(plan->'lists') > 0 THEN
    INSERT INTO lists (site, id, name, created_at)
    SELECT site, id, name, created_at FROM json_to_recordset(plan->'lists') AS x(site text, id text, name text, created_at bigint)
    ON CONFLICT (site, id) DO NOTHING;
  END IF;
  -- A new contact counts into its list (xmax = 0: the row was inserted, not updated); a known one
  -- is updated in place and keeps its page position. Contacts given without custom fields keep theirs.
  IF json_array_length(plan->'memberships') > 0 THEN
    WITH upserted AS (
      INSERT INTO memberships AS m (site, customer, list_id, first_name, source, subscribed_at, custom_fields)
      SELECT site, customer, list_id, first_name, source, subscribed_at, custom_fields FROM json_to_recordset(plan->'memberships')
        AS x(site text, customer text, list_id text, first_name text, source text, subscribed_at double precision, custom_fields text)
      ON CONFLICT (site, customer, list_id) DO UPDATE SET first_name = excluded.first_name, source = excluded.source,
        subscribed_at = excluded.subscribed_at, custom_fields = excluded.custom_fields
      RETURNING m.site, m.list_id, (m.xmax = 0) AS inserted
    )
    UPDATE lists l SET contact_count = l.contact_count + n.added
    FROM (SELECT site, list_id, count(*) AS added FROM upserted WHERE inserted GROUP BY site, list_id) AS n
    WHERE l.site = n.site AND l.id = n.list_id;
  END IF;
  IF json_array_length(plan->'memberships_keeping_fields') > 0 THEN
    WITH upserted AS (
      INSERT INTO memberships AS m (site, customer, list_id, first_name, source, subscribed_at)
      SELECT site, customer, list_id, first_name, source, subscribed_at FROM json_to_recordset(plan->'memberships_keeping_fields')
        AS x(site text, customer text, list_id text, first_name text, source text, subscribed_at double precision)
      ON CONFLICT (site, customer, list_id) DO UPDATE SET first_name = excluded.first_name, source = excluded.source,
        subscribed_at = excluded.subscribed_at
      RETURNING m.site, m.list_id, (m.xmax = 0) AS inserted
    )
    UPDATE lists l SET contact_count = l.contact_count + n.added
    FROM (SELECT site, list_id, count(*) AS added FROM upserted WHERE inserted GROUP BY site, list_id) AS n
    WHERE l.site = n.site AND l.id = n.list_id;
  END IF;
  IF json_array_length(plan->'removed_memberships') > 0 THEN
    WITH removed AS (
      DELETE FROM memberships m USING json_to_recordset(plan->'removed_memberships') AS x(site text, customer text, list_id text)
      WHERE m.site = x.site AND m.customer = x.customer AND m.list_id = x.list_id
      RETURNING m.site, m.list_id
    )
    UPDATE lists l SET contact_count = l.contact_count - n.gone
    FROM (SELECT site, list_id, count(*) AS gone FROM removed GROUP BY site, list_id) AS n
    WHERE l.site = n.site AND l.id = n.list_id;
  END IF;

  IF json_array_length(plan->'session_annotations') > 0 THEN
    UPDATE sessions s SET
      payment_date = CASE WHEN x.set_payment THEN x.payment_date ELSE s.payment_date END,
      fulfillment_date = CASE WHEN x.set_fulfillment THEN x.fulfillment_date ELSE s.fulfillment_date END,
      delivery_date = CASE WHEN x.set_delivery THEN x.delivery_date ELSE s.delivery_date END,
      written_at = now
    FROM json_to_recordset(plan->'session_annotations') AS x(site text, id text, set_payment boolean, payment_date text,
      set_fulfillment boolean, fulfillment_date text, set_delivery boolean, delivery_date text)
    WHERE s.site = x.site AND s.id = x.id;
  END IF;

  IF json_array_length(plan->'metadata_cleared') > 0 THEN
    DELETE FROM metadata m USING json_to_recordset(plan->'metadata_cleared') AS x(site text, owner text)
    WHERE m.site = x.site AND m.owner = x.owner;
  END IF;
  FOR moved IN SELECT * FROM json_to_recordset(plan->'metadata_moved') AS x(site text, "from" text, "to" text, keys json) LOOP
    INSERT INTO metadata (site, owner, key, value)
    SELECT site, moved."to", key, value FROM metadata
    WHERE site = moved.site AND owner = moved."from" AND key IN (SELECT json_array_elements_text(moved.keys))
    ON CONFLICT (site, owner, key) DO UPDATE SET value = excluded.value;
    DELETE FROM metadata WHERE site = moved.site AND owner = moved."from";
  END LOOP;
  IF json_array_length(plan->'metadata_removed') > 0 THEN
    DELETE FROM metadata m USING json_to_recordset(plan->'metadata_removed') AS x(site text, owner text, key text)
    WHERE m.site = x.site AND m.owner = x.owner AND m.key = x.key;
  END IF;
  IF json_array_length(plan->'metadata') > 0 THEN
    INSERT INTO metadata (site, owner, key, value)
    SELECT site, owner, key, value FROM json_to_recordset(plan->'metadata') AS x(site text, owner text, key text, value text)
    ON CONFLICT (site, owner, key) DO UPDATE SET value = excluded.value;
  END IF;

  IF json_array_length(plan->'linked_orders') > 0 THEN
    UPDATE orders o SET email = x.email, written_at = now
    FROM json_to_recordset(plan->'linked_orders') AS x(site text, visitor text, email text)
    WHERE o.site = x.site AND o.visitor = x.visitor AND o.email IS NULL;
  END IF;

  IF plan->'erasure' IS NOT NULL AND json_typeof(plan->'erasure') = 'object' THEN
    UPDATE sessions SET email = NULL, written_at = now
    WHERE site = plan->'erasure'->>'site' AND id IN (SELECT json_array_elements_text(plan->'erasure'->'sessions'));
    UPDATE orders SET email = NULL, visitor = NULL, written_at = now
    WHERE site = plan->'erasure'->>'site' AND id IN (SELECT json_array_elements_text(plan->'erasure'->'orders'));
    INSERT INTO erasures (site, customer, source, kind, events, at)
    VALUES (plan->'erasure'->>'site', plan->'erasure'->>'customer', plan->'erasure'->>'source', plan->'erasure'->>'kind',
      (plan->'erasure'->>'events')::integer, (plan->'erasure'->>'at')::bigint);
  END IF;

  IF json_array_length(plan->'refused') > 0 THEN
    DELETE FROM events e USING json_to_recordset(plan->'refused') AS x(site text, id text) WHERE e.site = x.site AND e.id = x.id;
  END IF;
END $$;
`;

/**
 * Version 2: what the dashboard reads by. A session's timeline pages its events in arrival order,
 * and revenue over time reads converted orders by the shopper's conversion time; without these
 * both would scan a site's whole history.
 */
const V2 = `
CREATE INDEX events_session ON events (site, session, cursor);
CREATE INDEX orders_converted ON orders (site, converted_at) WHERE converted_at IS NOT NULL;
`;

/**
 * Version 3: HubRise's customer lists (seed 004) as containers of customers, with loyalty cards
 * and their operations. A container other than the default may hold an email several times
 * (Rejoiner keys the default one by email); lists are searched by email or phone key in byte order
 * (COLLATE "C", so that a prefix is one range whatever the database's locale) and in seq order;
 * an order is found by the shop's order number. Listings page in seq order; points are millionths.
 */
const V3_HUBRISE = `
DROP INDEX customers_email;
CREATE UNIQUE INDEX customers_email ON customers (site, container, email) WHERE email IS NOT NULL AND container = 'default';
CREATE INDEX customers_list_email ON customers (site, container, email COLLATE "C", seq) WHERE email IS NOT NULL;
CREATE INDEX customers_list_phone ON customers (site, container, phone_key COLLATE "C", seq) WHERE phone_key IS NOT NULL;
CREATE INDEX customers_list_page ON customers (site, container, seq);
-- cart_data.order_number (PROTOCOL.md) when a string of 1-512 bytes: a loyalty operation's
-- order_id names an order by its id or by it. Derived by the database, so no writer of orders keeps it.
ALTER TABLE orders ADD COLUMN order_number text GENERATED ALWAYS AS (
  CASE WHEN json_typeof(cart_data::json -> 'order_number') = 'string'
    AND octet_length(cart_data::json ->> 'order_number') BETWEEN 1 AND 512
  THEN cart_data::json ->> 'order_number' END) STORED;
CREATE INDEX orders_number ON orders (site, order_number) WHERE order_number IS NOT NULL;

CREATE TABLE customer_lists (
  site text NOT NULL,
  id text NOT NULL,
  name text NOT NULL,
  scope text NOT NULL,             -- 'account' or a location id ({site}-{label})
  created_at bigint NOT NULL,
  deleted_at bigint,               -- deleted: hidden at once, its records purged in pages later
  seq bigserial,
  PRIMARY KEY (site, id)
);
CREATE INDEX customer_lists_name ON customer_lists (site, name) WHERE deleted_at IS NULL;
CREATE INDEX customer_lists_page ON customer_lists (site, seq);
CREATE INDEX customer_lists_deleted ON customer_lists (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE TABLE loyalty_cards (
  site text NOT NULL,
  id text NOT NULL,
  list text NOT NULL,              -- the container of its customer
  customer text NOT NULL,
  name text,
  ref text,
  balance bigint NOT NULL,         -- millionths: the new_balance of its latest operation
  created_at bigint NOT NULL,
  seq bigserial,
  PRIMARY KEY (site, id)
);
-- A ref is unique per customer, and so is the null ref (refs are never empty).
CREATE UNIQUE INDEX loyalty_cards_ref ON loyalty_cards (site, customer, coalesce(ref, ''));
CREATE INDEX loyalty_cards_customer ON loyalty_cards (site, customer, seq);
CREATE INDEX loyalty_cards_list ON loyalty_cards (site, list, seq);
CREATE INDEX loyalty_cards_list_ref ON loyalty_cards (site, list, ref, seq) WHERE ref IS NOT NULL;
CREATE INDEX loyalty_cards_list_name ON loyalty_cards (site, list, name, seq) WHERE name IS NOT NULL;
CREATE TABLE loyalty_operations (  -- append-only
  site text NOT NULL,
  id text NOT NULL,
  list text NOT NULL,
  card text NOT NULL,
  customer text NOT NULL,
  created_at bigint NOT NULL,
  order_id text,
  order_location_id text,
  reason text,
  delta bigint NOT NULL,
  new_balance bigint NOT NULL,
  seq bigserial,
  PRIMARY KEY (site, id)
);
CREATE INDEX loyalty_operations_card ON loyalty_operations (site, card, seq);
CREATE INDEX loyalty_operations_list ON loyalty_operations (site, list);
`;

/**
 * Version 4: the session lifecycle and the webhook outbox (README "Abandonment", "Webhooks").
 * A session is decided once per activity: `lifecycle_events` is its event count at the decision,
 * so a later event makes it active again without the write path (rejoiner_apply) knowing about
 * lifecycles. The partial indexes hold only what the detector still has to look at, and nodes
 * claim from them with FOR UPDATE SKIP LOCKED. Sessions and conversions stored before this
 * version count as decided: upgrading sends no webhook about the past.
 */
const V4_LIFECYCLE = `
ALTER TABLE sessions ADD COLUMN lifecycle text;          -- abandoned_cart, abandoned_browse, closed, recovered
ALTER TABLE sessions ADD COLUMN lifecycle_events integer;
ALTER TABLE sessions ADD COLUMN lifecycle_at bigint;      -- when it was decided (server clock)
ALTER TABLE sessions ADD COLUMN lifecycle_order text;     -- the order the decision looked at
UPDATE sessions SET lifecycle = 'closed', lifecycle_events = events, lifecycle_at = written_at;
CREATE INDEX sessions_undecided ON sessions (site, written_at) WHERE lifecycle_events IS DISTINCT FROM events;
CREATE INDEX sessions_lifecycle_order ON sessions (site, lifecycle_order) WHERE lifecycle_order IS NOT NULL;
ALTER TABLE orders ADD COLUMN conversion_noted_at bigint;
UPDATE orders SET conversion_noted_at = written_at WHERE status = 'converted';
CREATE INDEX orders_conversion_unnoted ON orders (written_at) WHERE status = 'converted' AND conversion_noted_at IS NULL;
CREATE INDEX orders_session ON orders (site, session, updated_at) WHERE session IS NOT NULL;
CREATE TABLE webhook_deliveries (
  id text PRIMARY KEY,             -- the delivery id every attempt sends
  site text NOT NULL,
  type text NOT NULL,
  url text NOT NULL,
  body text NOT NULL,              -- the raw JSON body, never changed between attempts
  state text NOT NULL,             -- pending, delivered, dead, suppressed
  attempts integer NOT NULL,
  next_at bigint NOT NULL,         -- due time, or the end of a running attempt's lease
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  deadline bigint NOT NULL,        -- dead-lettered when no attempt succeeded by then
  last_status integer,
  last_error text,
  delivered_at bigint,
  session text,
  order_id text,
  email text
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_site ON webhook_deliveries (site, created_at, id);
CREATE INDEX webhook_deliveries_listing ON webhook_deliveries (created_at, id);
CREATE INDEX webhook_deliveries_session ON webhook_deliveries (site, session) WHERE session IS NOT NULL;
CREATE INDEX events_click_back ON events (site, email, received_at) WHERE type = 'click_back';
`;

/**
 * Version 5: erasure finds a person's webhook deliveries by email and by order (by session it
 * already could), reading only that person's rows however large the outbox grows. The detector's
 * index of undecided sessions gains `id`, and the detector orders by (written_at, id): ordered by
 * written_at alone, the planner preferred sessions_written (it cannot estimate how few sessions
 * are undecided) and read every stored session on a tick with nothing to decide (65-150 ms with
 * 100,000 of them, against 0.02 ms through this index).
 */
const V5_DELIVERY_ERASURE = `
CREATE INDEX webhook_deliveries_email ON webhook_deliveries (site, email) WHERE email IS NOT NULL;
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (site, order_id) WHERE order_id IS NOT NULL;
DROP INDEX sessions_undecided;
CREATE INDEX sessions_undecided ON sessions (site, written_at, id) WHERE lifecycle_events IS DISTINCT FROM events;
`;

/**
 * Version 6: what a conversion was, as the order_converted webhook said it (README "Dashboard"):
 * the abandoned session it recovered (null: not a recovery) and whether the shopper came back
 * through a link, so the dashboard shows the same. Conversions noted before stay unattributed.
 * Deliveries by (site and) state, newest first: the dashboard's filter and its dead-letter count
 * read a range of these indexes instead of every delivery of the site. An abandoned cart finds the
 * order that recovered it (and whether through a click) by its session.
 */
const V6_ATTRIBUTION = `
ALTER TABLE orders ADD COLUMN recovered_session text;
ALTER TABLE orders ADD COLUMN click_back boolean;
CREATE INDEX webhook_deliveries_site_state ON webhook_deliveries (site, state, created_at, id);
CREATE INDEX webhook_deliveries_state ON webhook_deliveries (state, created_at, id);
CREATE INDEX orders_recovered_session ON orders (site, recovered_session) WHERE recovered_session IS NOT NULL;
`;

/** Migrations by the version they bring the database to. */
const MIGRATIONS: string[] = [V1, V2, V3_HUBRISE, V4_LIFECYCLE, V5_DELIVERY_ERASURE, V6_ATTRIBUTION];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Any fixed number: the advisory lock that lets one node migrate at a time. */
const MIGRATION_LOCK = 72_657_381;

/** Brings the schema to this version; throws when the database is from a newer collector. */
export async function migrate(client: PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
    const version = rows[0].version ?? 0;
    if (version > SCHEMA_VERSION) throw new Error(`database schema ${version} is newer than this collector (${SCHEMA_VERSION})`);
    for (let next = version; next < SCHEMA_VERSION; next++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[next]);
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [next + 1]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}
