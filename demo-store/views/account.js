'use strict';
// The visitor's own pages: never cached, because they show the session, not only the segment.
const { html } = require('./html');
const { layout } = require('./layout');
const { users } = require('../commerce');

function whoIs(session) {
  const admin = session.get('authentication', 'adminUserEmail');
  const customer = session.get('authentication', 'storeUserEmail');
  return customer || admin || undefined;
}

function loginPage(req, { error, lastLogin } = {}) {
  const current = whoIs(req.vtexSession);
  const choices = users.map(
    (u) => html`<li class="user" data-email="${u.email}">
      <form method="post" action="/login">
        <input type="hidden" name="email" value="${u.email}">
        <button type="submit">Log in as ${u.firstName}</button>
      </form>
      <div><strong>${u.firstName} ${u.lastName}</strong> <code>${u.email}</code><br>${u.about}</div>
    </li>`,
  );
  return layout(req.vtexSegment.data, {
    title: 'Log in',
    main: html`<h1>Log in</h1>
      ${error ? html`<p class="form-error" role="alert">${error}</p>` : ''}
      ${lastLogin ? html`<p id="last-login">Last login on this browser: <code>${lastLogin}</code></p>` : ''}
      ${current ? html`<p id="current-user">Logged in as <strong>${current}</strong>.</p><form method="post" action="/logout"><button type="submit" id="logout">Log out</button></form>` : ''}
      <p>Demo users (a real store would check credentials with its identity provider here):</p>
      <ul class="users">${choices}</ul>`,
  });
}

function namespaceTable(name, items) {
  const rows = Object.entries(items).map(
    ([key, item]) => html`<tr><td>${key}</td><td><code>${JSON.stringify(item.value)}</code></td><td>${item.keepAlive ? 'keepAlive' : ''}</td></tr>`,
  );
  return html`<section class="namespace" data-namespace="${name}"><h3>${name}</h3><table>${rows}</table></section>`;
}

function impersonationForm(session) {
  if (session.get('impersonate', 'canImpersonate') !== 'true') return '';
  const current = session.get('impersonate', 'storeUserEmail');
  const customers = users.filter((u) => u.role !== 'admin');
  return html`<form id="impersonate-form" class="impersonate">
    <label>Browse as <select name="email"><option value="">(yourself)</option>${customers.map(
      (u) => html`<option value="${u.email}" ${u.email === current ? 'selected' : ''}>${u.firstName} (${u.email})</option>`,
    )}</select></label>
    <button type="submit">Impersonate</button>
    <output class="form-error" role="status"></output>
  </form>`;
}

function sessionPage(req, cacheKey) {
  const session = req.vtexSession;
  const segment = req.vtexSegment;
  const fields = Object.entries(segment.data).map(([field, value]) => html`<tr><td>${field}</td><td data-field="${field}"><code>${JSON.stringify(value)}</code></td></tr>`);
  return layout(segment.data, {
    title: 'Session',
    main: html`<h1>Your session</h1>
      ${impersonationForm(session)}
      <h2>Segment</h2>
      <p>The <code>vtex_segment</code> cookie, decoded. Every visitor with the same segment sees the same pages.</p>
      <table class="segment" id="segment">${fields}</table>
      <p>Token: <code class="token" id="segment-token">${segment.token}</code></p>
      <p>Page-cache key (UTMs left out): <code class="token" id="cache-key">${cacheKey}</code></p>
      <h2>Namespaces</h2>
      <p>Session <code id="session-id">${session.id}</code>, version ${session.version}.</p>
      <div class="namespaces">${Object.entries(session.namespaces).map(([name, items]) => namespaceTable(name, items))}</div>`,
  });
}

module.exports = { loginPage, sessionPage };
