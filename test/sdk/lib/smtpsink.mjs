// A tiny SMTP server for the suite: run.mjs starts one per server run and
// points custos at it (--smtp-url); every message it receives is written to
// a numbered JSON file {to, data} in its directory, which the tests read
// (CUSTOS_MAIL_DIR) through mailCode.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const MAX_MESSAGE = 1 << 20;

/** startSmtpSink listens on a free loopback port; resolves {url, close}. */
export function startSmtpSink(dir) {
  mkdirSync(dir, { recursive: true });
  let seq = 0;
  const sockets = new Set();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    sock.setTimeout(30_000, () => sock.destroy());
    const say = (l) => sock.write(`${l}\r\n`);
    let buf = '';
    let inData = false;
    let msg = { to: [], data: '' };
    say('220 sink ready');
    sock.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            seq += 1;
            writeFileSync(path.join(dir, `${String(seq).padStart(6, '0')}.json`), JSON.stringify(msg));
            say('250 queued');
          } else if (msg.data.length < MAX_MESSAGE) {
            msg.data += `${line.startsWith('.') ? line.slice(1) : line}\r\n`;
          }
          continue;
        }
        const cmd = line.toUpperCase();
        if (cmd.startsWith('EHLO') || cmd.startsWith('HELO')) say('250 sink');
        else if (cmd.startsWith('MAIL FROM:')) { msg = { to: [], data: '' }; say('250 ok'); }
        else if (cmd.startsWith('RCPT TO:')) { msg.to.push(line.replace(/^[^<]*<([^>]*)>.*$/, '$1')); say('250 ok'); }
        else if (cmd === 'DATA') { inData = true; say('354 end with .'); }
        else if (cmd === 'QUIT') { say('221 bye'); sock.end(); }
        else if (cmd === 'RSET' || cmd === 'NOOP') say('250 ok');
        else say('502 not implemented');
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `smtp://127.0.0.1:${port}`,
        close: () => {
          for (const s of sockets) s.destroy();
          return new Promise((r) => server.close(() => r()));
        },
      });
    });
  });
}

/**
 * mailCode returns the code on the line "<label>: <code>" of the newest
 * message to addr in dir, or undefined. Custos sends before it answers the
 * request that causes the mail, so the file is there once that returns.
 */
export function mailCode(dir, addr, label) {
  const re = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (\\S+)\\r?$`, 'm');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort().reverse();
  for (const f of files) {
    const m = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
    if (!m.to.some((t) => t.toLowerCase() === addr.toLowerCase())) continue;
    const hit = m.data.match(re);
    if (hit) return hit[1];
  }
  return undefined;
}
