-- A person's rows in one table (grain: row): counted ({count}) or deleted. The predicate is built
-- from the table's personal columns: user ids, session ids, order ids, cart keys (`u:<user id>`,
-- `s:<session id>`), the keyed hashes of emails (and session ids) in bodies and rejected
-- payloads, etl.visitors' keys of sessions and users.
-- ALTER TABLE ... DELETE rewrites the parts that hold matches, so the data is gone from disk
-- (a lightweight DELETE only masks rows until a merge); mutations_sync = 2 returns once every
-- replica is done. Both engines run it alike.
{% if count -%}
SELECT count() FROM {table_db:Identifier}.{table:Identifier}
{%- else -%}
ALTER TABLE {table_db:Identifier}.{table:Identifier} {{ on_cluster }} DELETE
{%- endif %}
WHERE 0
{%- if "user_id" in columns %}
    OR has({users:Array(Int64)}, toInt64(assumeNotNull(user_id)))
{%- endif %}
{%- if "session_id" in columns %}
    OR session_id IN {sessions:Array(String)}
{%- endif %}
{%- if "order_id" in columns %}
    OR order_id IN {orders:Array(Int64)}
{%- endif %}
{%- if "cart_key" in columns %}
    OR cart_key IN arrayConcat(arrayMap(s -> concat('s:', s), {sessions:Array(String)}),
                               arrayMap(u -> concat('u:', toString(u)), {users:Array(Int64)}))
{%- endif %}
{%- for body in ("request", "response") if body in columns %}
    OR arrayExists(needle -> position({{ body }}, needle) > 0, {body_hashes:Array(String)})
{%- endfor %}
{%- if "payload" in columns %}
    OR arrayExists(needle -> position(payload, needle) > 0,
                   arrayConcat({sessions:Array(String)}, {body_hashes:Array(String)}))
    OR (notEmpty({users:Array(Int64)}) AND match(payload, {user_pattern:String}))
{%- endif %}
{%- if "key" in columns %}
    OR key IN arrayConcat(arrayMap(s -> sipHash64('session', s), {sessions:Array(String)}),
                          arrayMap(u -> sipHash64('user', toUInt64(u)), {users:Array(Int64)}))
{%- endif %}
{%- if not count %}
SETTINGS mutations_sync = 2
{%- endif %}
