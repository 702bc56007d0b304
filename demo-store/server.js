'use strict';
// The demo storefront: `npm start` builds the package and runs this file.
// It requires the package by name (Node resolves a package's own name through its "exports").
const express = require('express');
const { sessionMiddleware } = require('vtex-session');

const app = express();
app.use(sessionMiddleware({ secret: process.env.SESSION_SECRET }));

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

app.get('/', (req, res) => {
  res.type('html').send(`<!doctype html><meta charset="utf-8"><title>vtex-session demo</title>
<h1>vtex-session demo store</h1>
<h2>Segment</h2><pre>${escape(JSON.stringify(req.vtexSegment.data, null, 2))}</pre>
<h2>Session ${escape(req.vtexSession.id)}</h2><pre>${escape(JSON.stringify(req.vtexSession.namespaces, null, 2))}</pre>`);
});

const port = Number(process.env.PORT) || 3000;
app.listen(port, '127.0.0.1', () => console.log(`demo store listening on http://127.0.0.1:${port}`));
