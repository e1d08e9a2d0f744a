// node_workers.js — for tools/bench/real_programs.sh: four worker threads,
// each gzipping 200 random 20 kB buffers (node's libuv pool, V8's platform
// threads and the workers all take locks).
const { Worker, isMainThread } = require('worker_threads');
const zlib = require('zlib');
const crypto = require('crypto');
if (isMainThread) {
  for (let i = 0; i < 4; i++) new Worker(__filename);
} else {
  for (let i = 0; i < 200; i++) zlib.gzipSync(crypto.randomBytes(20000));
}
