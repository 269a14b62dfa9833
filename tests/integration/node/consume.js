#!/usr/bin/env node
// A kafkajs 2.2.4 group consumer for cafka's integration tests (test_group_clients.py).
//
//   node consume.js --brokers 127.0.0.1:29092,... --topic T --group G --count N
//                   [--from-beginning] [--timeout-ms 60000] [--client-id ID]
//
// Subscribes to T in group G (kafkajs' default RoundRobinAssigner, autoCommit on: kafkajs
// commits the offsets resolved in a batch after it), prints one JSON line per record
//   {"partition": 0, "offset": "12", "key": null, "value": "..."}
// and once N records arrived disconnects (which waits for the running batch, its commit, and
// sends LeaveGroup), then asks the coordinator for the group's committed offsets with kafkajs'
// admin client (OffsetFetch) and prints
//   {"done": true, "count": N, "committed": {"0": "40", ...}}
// Exits 0 then; 2 with {"error": ...} when N records did not arrive within --timeout-ms or
// anything failed. Errors and kafkajs' own log go to stderr.
'use strict'

const { Kafka, logLevel } = require('kafkajs')

function parseArgs(argv) {
  const opts = { fromBeginning: false, timeoutMs: 60000, clientId: 'cafka-test-kafkajs' }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`)
      return argv[++i]
    }
    switch (a) {
      case '--brokers': opts.brokers = next().split(','); break
      case '--topic': opts.topic = next(); break
      case '--group': opts.group = next(); break
      case '--count': opts.count = parseInt(next(), 10); break
      case '--from-beginning': opts.fromBeginning = true; break
      case '--timeout-ms': opts.timeoutMs = parseInt(next(), 10); break
      case '--client-id': opts.clientId = next(); break
      default: throw new Error(`unknown argument ${a}`)
    }
  }
  for (const k of ['brokers', 'topic', 'group', 'count']) {
    if (opts[k] === undefined || Number.isNaN(opts[k])) throw new Error(`--${k} is required`)
  }
  return opts
}

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  const kafka = new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 100, retries: 10 },
    logLevel: logLevel.WARN,
    logCreator: () => ({ namespace, level, label, log }) => {
      process.stderr.write(`[kafkajs ${label} ${namespace}] ${log.message} ${JSON.stringify(log)}\n`)
    },
  })
  const consumer = kafka.consumer({
    groupId: opts.group,
    sessionTimeout: 10000,
    heartbeatInterval: 1000,
    rebalanceTimeout: 30000,
    maxWaitTimeInMs: 500,
  })

  let seen = 0
  let finish
  const finished = new Promise(resolve => { finish = resolve })
  let crashed = null
  consumer.on(consumer.events.CRASH, e => {
    crashed = e.payload.error
    finish()
  })

  const timer = setTimeout(() => finish(), opts.timeoutMs)
  await consumer.connect()
  await consumer.subscribe({ topics: [opts.topic], fromBeginning: opts.fromBeginning })
  await consumer.run({
    // Only what is printed is resolved, so only that is committed (after the batch, by
    // kafkajs' autoCommit), even when a batch holds more than --count records.
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      for (const message of batch.messages) {
        if (seen >= opts.count || !isRunning() || isStale()) break
        out({
          partition: batch.partition,
          offset: message.offset,
          key: message.key === null ? null : message.key.toString(),
          value: message.value === null ? null : message.value.toString(),
        })
        resolveOffset(message.offset)
        seen++
      }
      await heartbeat()
      if (seen >= opts.count) finish()
    },
  })
  if (opts.count === 0) finish()
  await finished
  clearTimeout(timer)
  await consumer.disconnect()

  if (crashed) throw crashed
  if (seen < opts.count) throw new Error(`timed out after ${opts.timeoutMs} ms with ${seen} of ${opts.count} records`)

  const admin = kafka.admin()
  await admin.connect()
  try {
    const res = await admin.fetchOffsets({ groupId: opts.group, topics: [opts.topic] })
    const committed = {}
    for (const t of res) for (const p of t.partitions) committed[p.partition] = p.offset
    out({ done: true, count: seen, committed })
  } finally {
    await admin.disconnect()
  }
}

main().then(
  () => process.exit(0),
  e => {
    out({ error: String(e && e.stack ? e.stack : e) })
    process.exit(2)
  },
)
