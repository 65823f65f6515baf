// The official Node.js ClickHouse client (@clickhouse/client) against Loupe's ClickHouse HTTP
// interface: queries, parameters, an insert, JSONEachRow, an error's code, gzip both ways.
// Run by tests/interface/test_node_client.py: `node basics.mjs URL READER_PASSWORD ADMIN_PASSWORD`.
// The client talks to a recording proxy in front of the interface, so the test sees the
// Content-Encoding of every request and response on the wire. Prints one JSON report.
import http from 'node:http'
import { createClient } from '@clickhouse/client'

const [url, readerPassword, adminPassword] = process.argv.slice(2)
const target = new URL(url)
const wire = []

const proxy = http.createServer((request, response) => {
  const forwarded = http.request(
    { host: target.hostname, port: target.port, path: request.url, method: request.method,
      headers: request.headers },
    (upstream) => {
      wire.push({
        path: request.url.split('?')[0],
        request_encoding: request.headers['content-encoding'] ?? null,
        response_encoding: upstream.headers['content-encoding'] ?? null,
        status: upstream.statusCode,
      })
      response.writeHead(upstream.statusCode, upstream.headers)
      upstream.pipe(response)
    })
  request.pipe(forwarded)
})
await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve))
const proxyUrl = `http://127.0.0.1:${proxy.address().port}`

const client = (username, password, options = {}) =>
  createClient({ url: proxyUrl, username, password, database: 'dwh', ...options })

const report = {}
const reader = client('reader', readerPassword)
const admin = client('admin', adminPassword, {
  compression: { request: true, response: true },
})
try {
  report.ping = (await reader.ping()).success
  const rows = await reader.query({
    query: 'SELECT n, label FROM interface_probe WHERE n >= {from:UInt32} ORDER BY n',
    query_params: { from: 2 },
    format: 'JSONEachRow',
  })
  report.rows = await rows.json()
  const counted = await reader.query({ query: 'SELECT count() AS c FROM interface_probe',
    format: 'JSON' })
  report.count = (await counted.json()).data[0].c

  await admin.command({ query: 'CREATE TABLE IF NOT EXISTS dwh.node_inserts '
    + '(id UInt32, note String) ENGINE = MergeTree ORDER BY id' })
  const values = Array.from({ length: 5000 }, (_, id) => ({ id, note: `note ${id} ` + 'x'.repeat(50) }))
  wire.length = 0
  await admin.insert({ table: 'dwh.node_inserts', values, format: 'JSONEachRow' })
  report.insert_wire = wire.slice()
  wire.length = 0
  const inserted = await admin.query({
    query: 'SELECT count() AS c, sum(id) AS s, any(note) LIKE \'note %\' AS ok, '
      + 'max(length(note)) AS longest FROM dwh.node_inserts',
    format: 'JSONEachRow',
  })
  report.inserted = (await inserted.json())[0]
  report.query_wire = wire.slice()

  try {
    await reader.query({ query: 'SELECT email FROM pd.interface_people', format: 'JSONEachRow' })
    report.denied = null
  } catch (error) {
    report.denied = { code: error.code, type: error.type, message: error.message }
  }
  try {
    await reader.query({ query: 'SELECT * FROM dwh.no_such_table', format: 'JSONEachRow' })
    report.missing = null
  } catch (error) {
    report.missing = { code: error.code, type: error.type }
  }
  try {
    await reader.command({ query: 'INSERT INTO dwh.node_inserts VALUES (1, \'reader\')' })
    report.reader_insert = null
  } catch (error) {
    report.reader_insert = { code: error.code, type: error.type }
  }
} finally {
  await reader.close()
  await admin.close()
  proxy.close()
}
console.log(JSON.stringify(report))
