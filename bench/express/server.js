// The handler Pollybot's webhook documentation tells Express users to write: keep the
// raw body with express.raw, HMAC-SHA256 it, compare with crypto.timingSafeEqual, then
// JSON.parse. It reads GitHub's `X-Hub-Signature-256` (the same `sha256=<hex>` format) so that it
// verifies exactly the requests the other rows of bench/http.sh get.
//   node bench/express/server.js 18080
const express = require('express');
const crypto = require('crypto');

const SECRET = process.env.WEBHOOK_SECRET || 'bench-secret-of-32-characters!!!';
const app = express();
app.use('/webhooks', express.raw({ type: 'application/json', limit: '1mb' }));

function verifyWebhookSignature(body, signature, secret) {
  const expected = crypto.createHmac('sha256', secret).update(body).digest('hex');
  const received = (signature || '').replace('sha256=', '');
  const a = Buffer.from(expected, 'hex');
  const b = Buffer.from(received, 'hex');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

app.post('/webhooks', (req, res) => {
  if (!verifyWebhookSignature(req.body, req.headers['x-hub-signature-256'], SECRET)) {
    return res.status(401).send('Invalid signature');
  }
  const payload = JSON.parse(req.body);
  if (!payload) return res.status(400).end();
  res.status(204).end();
});

app.listen(Number(process.argv[2] || 18080), '127.0.0.1');
